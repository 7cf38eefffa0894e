#!/usr/bin/env bash
# Fails when committed generated Swift is stale: regenerates each pair below with swift-rpcgen
# and compares. Needs a debug build (`swift build`) first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="$(swift build --show-bin-path)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# source .x -> committed Swift
pairs=(
    "xdr/alltypes.x Tests/GeneratedCodeTests/Generated/alltypes.swift"
)
stale=0
for pair in "${pairs[@]}"; do
    read -r source committed <<< "$pair"
    "$bin/swift-rpcgen" --output-directory "$out" "$source" 2>/dev/null
    if ! diff -u "$committed" "$out/$(basename "${source%.x}").swift"; then
        echo "check-generated-code: $committed is stale; regenerate it with:" >&2
        echo "    swift run swift-rpcgen --output-directory $(dirname "$committed") $source" >&2
        stale=1
    fi
done
[ "$stale" -eq 0 ] && echo "check-generated-code: generated code is up to date"
exit "$stale"
