#!/usr/bin/env bash
# Runs the swift-oncrpc benchmarks against libtirpc on this machine, in one run, and prints one
# Markdown table: workload, libtirpc's figure, swift-oncrpc's figure, and their ratio, where a
# ratio above 1 means swift-oncrpc is better (faster, more calls, more bytes, lower latency).
#
#     Benchmarks/compare.sh [SECONDS]      SECONDS per call workload (default 3)
#
# Builds the C side (rpcgen + libtirpc from Benchmarks/bench.x, -O2) and the Swift side
# (oncrpc-bench, release) first. Every workload runs twice: unpinned, and with client and server
# pinned to CPU 0 (taskset -c 0); on a 2-core machine the placement changes small-call latency
# several times over. Needs rpcgen (rpcsvc-proto), libtirpc-dev, cc, taskset (util-linux).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:-3}"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

for tool in rpcgen cc taskset; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool is missing (apt-get install rpcsvc-proto libtirpc-dev gcc util-linux)" >&2; exit 1; }
done
echo "building libtirpc's side..." >&2
cbin="$("$here/c/build.sh" "$here/.build-c" | tail -1)"
echo "building swift-oncrpc's side (release)..." >&2
# A stale build plan can miss files added to the parent package: plan again each time.
rm -f "$here/.build/release.yaml"
(cd "$here" && swift build -c release --product oncrpc-bench >&2)
sbin="$here/.build/release/oncrpc-bench"

# value KEY FILE: the value of a key=value line.
value() { sed -n "s/^$1=//p" "$2" | head -1; }

# start_server PREFIX BINARY NAME: starts a server, records its pid, sets tcp_NAME/udp_NAME.
start_server() {
    local prefix="$1" binary="$2" name="$3"
    $prefix "$binary" server >"$work/$name.ports" 2>"$work/$name.log" &
    pids+=($!)
    for _ in $(seq 100); do
        grep -q '^tcp=' "$work/$name.ports" 2>/dev/null && break
        sleep 0.05
    done
    grep -q '^tcp=' "$work/$name.ports" || { echo "compare.sh: the $name server did not start" >&2; cat "$work/$name.log" >&2; exit 1; }
    read -r tcp udp <"$work/$name.ports"
    printf -v "tcp_$name" '%s' "${tcp#tcp=}"
    printf -v "udp_$name" '%s' "${udp#udp=}"
}

stop_servers() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    pids=()
}

# row WORKLOAD UNIT C SWIFT BETTER: BETTER is "higher" or "lower".
row() {
    local ratio
    ratio=$(awk -v c="$3" -v s="$4" -v better="$5" 'BEGIN {
        if (c == "" || s == "" || c + 0 == 0 || s + 0 == 0) { print "n/a"; exit }
        printf "%.2fx", (better == "higher") ? s / c : c / s }')
    printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$ratio"
}

# calls OUT COMMAND...: runs a call workload, saving its key=value output.
calls() {
    local out="$1"
    shift
    "$@" >"$out" || { echo "compare.sh: failed: $*" >&2; exit 1; }
}

echo "## Results"
echo
echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- Machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
echo "- swift-oncrpc: $(swift --version 2>&1 | head -1 | sed 's/^.*Swift version \([^ ]*\).*/Swift \1/'), release build; libtirpc $(dpkg-query -W -f '${Version}' libtirpc3 2>/dev/null || echo '?'), gcc -O2"
echo "- ${seconds} s per call workload; XDR: best of 10 rounds of 100 ms"
echo

for placement in unpinned pinned; do
    prefix=""
    [ "$placement" = pinned ] && prefix="taskset -c 0"
    echo "### ${placement}$([ "$placement" = pinned ] && echo ': client and server on CPU 0 (taskset -c 0)' || echo ': the scheduler places client and server')"
    echo
    echo "| workload | unit | libtirpc | swift-oncrpc | swift/C |"
    echo "|---|---|---:|---:|---:|"
    echo "running the $placement workloads..." >&2

    $prefix "$cbin/bench-xdr" --dump "$work/c.xdr" >"$work/c-xdr.txt"
    $prefix "$sbin" xdr --dump "$work/swift.xdr" >"$work/s-xdr.txt"
    cmp -s "$work/c.xdr" "$work/swift.xdr" || { echo "compare.sh: the Swift and C encodings of the batch differ" >&2; exit 1; }
    for op in encode decode; do
        row "XDR $op, 1,000 dirents ($(value xdr.batch.bytes "$work/c-xdr.txt") bytes)" "µs" \
            "$(awk -v v="$(value xdr.batch.$op.ns "$work/c-xdr.txt")" 'BEGIN { printf "%.1f", v / 1000 }')" \
            "$(awk -v v="$(value xdr.batch.$op.ns "$work/s-xdr.txt")" 'BEGIN { printf "%.1f", v / 1000 }')" lower
    done
    for op in encode decode; do
        row "XDR $op, fixed struct ($(value xdr.fixed.bytes "$work/c-xdr.txt") bytes)" "ns" \
            "$(value xdr.fixed.$op.ns "$work/c-xdr.txt")" "$(value xdr.fixed.$op.ns "$work/s-xdr.txt")" lower
    done

    start_server "$prefix" "$cbin/bench-server" c
    start_server "$prefix" "$sbin" swift
    for proto in tcp udp; do
        cport="${proto}_c"; sport="${proto}_swift"
        calls "$work/c-null-$proto.txt" $prefix "$cbin/bench-client" null "$proto" "${!cport}" "$seconds"
        calls "$work/s-null-$proto.txt" $prefix "$sbin" null "$proto" "${!sport}" "$seconds"
        row "NULL, sequential, $proto" "calls/s" "$(value rate "$work/c-null-$proto.txt")" "$(value rate "$work/s-null-$proto.txt")" higher
        row "NULL, sequential, $proto, p50" "µs" "$(value p50.us "$work/c-null-$proto.txt")" "$(value p50.us "$work/s-null-$proto.txt")" lower
        row "NULL, sequential, $proto, p99" "µs" "$(value p99.us "$work/c-null-$proto.txt")" "$(value p99.us "$work/s-null-$proto.txt")" lower
    done
    for depth in 1 16 64; do
        calls "$work/s-pipe-$depth.txt" $prefix "$sbin" null tcp "$tcp_swift" "$seconds" --in-flight "$depth"
        row "NULL, $depth in flight on one TCP connection (C: sequential)" "calls/s" \
            "$(value rate "$work/c-null-tcp.txt")" "$(value rate "$work/s-pipe-$depth.txt")" higher
    done
    for size in 1024 65536 1048576; do
        calls "$work/c-echo-$size.txt" $prefix "$cbin/bench-client" echo "$size" "$tcp_c" "$seconds"
        calls "$work/s-echo-$size.txt" $prefix "$sbin" echo "$size" "$tcp_swift" "$seconds"
        row "echo $((size / 1024)) KiB opaque, TCP" "MB/s" "$(value mbps "$work/c-echo-$size.txt")" "$(value mbps "$work/s-echo-$size.txt")" higher
    done
    for server in c swift; do
        port="tcp_$server"
        clients=()
        for i in 1 2 3 4 5 6 7 8; do
            $prefix "$cbin/bench-client" null tcp "${!port}" "$seconds" >"$work/many-$server-$i.txt" &
            clients+=($!)
        done
        for pid in "${clients[@]}"; do wait "$pid"; done
        total=$(cat "$work"/many-$server-*.txt | sed -n 's/^rate=//p' | awk '{ s += $1 } END { printf "%.1f", s }')
        printf -v "many_$server" '%s' "$total"
    done
    row "server: 8 C client processes, NULL over TCP" "calls/s" "$many_c" "$many_swift" higher
    stop_servers
    echo
done
