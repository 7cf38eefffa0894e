#!/usr/bin/env bash
# swift-rpcinfo against a fake rpcbind (fake-rpcbind.py) holding a table of N entries, on port 111
# of a private network namespace: every listing (-s, the plain dump, -p, -l, -m) must print all of
# it. Prints, for each, its line count and a few of its lines for the test to check.
#
#   rpcinfo-scale-check.sh BIN_DIRECTORY ENTRIES
#
# Needs root (unshare), iproute2 and python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$1"
count="$2"
if [ -z "${IN_NETNS:-}" ]; then
    exec env IN_NETNS=1 unshare --net "$0" "$@"
fi
ip link set lo up
work="$(mktemp -d)"
python3 "$here/fake-rpcbind.py" --entries "$count" >"$work/fake.log" 2>&1 &
fake=$!
# The signals of the test process that started this are blocked in its children: SIGKILL it is.
trap 'kill -KILL "$fake" 2>/dev/null || true; wait "$fake" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
    grep -q ready "$work/fake.log" && break
    sleep 0.1
done
grep -q ready "$work/fake.log" || { echo "rpcinfo-scale-check: the fake rpcbind did not start"; cat "$work/fake.log"; exit 1; }
report() {
    local name="$1"
    shift
    "$bin/swift-rpcinfo" "$@" >"$work/$name.out" 2>"$work/$name.err" || {
        echo "rpcinfo-scale-check: FAIL: swift-rpcinfo $* exited $?"
        cat "$work/$name.err"
        exit 1
    }
    echo "$name lines $(wc -l <"$work/$name.out")"
    echo "$name second $(sed -n 2p "$work/$name.out")"
    echo "$name last $(tail -n 1 "$work/$name.out")"
}
report concise -s 127.0.0.1
report full 127.0.0.1
report portmap -p 127.0.0.1
report list -l 127.0.0.1 1073741824 1
report stats -m 127.0.0.1
echo "stats addrinfo-lines $(grep -c '^1073' "$work/stats.out" || true)"
echo "rpcinfo-scale-check: done"
