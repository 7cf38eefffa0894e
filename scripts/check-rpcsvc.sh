#!/usr/bin/env bash
# Generates Swift with swift-rpcgen from every .x file Debian installs (rpcsvc-proto's
# /usr/include/rpcsvc and libtirpc-dev's rpcb_prot.x and crypt.x), reading them where they are
# installed, and type-checks each generated file against the package's modules in Swift 6 mode.
# Any error or warning fails. Needs a debug build (`swift build`) first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="$(swift build --show-bin-path)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
files=(/usr/include/rpcsvc/*.x /usr/include/tirpc/rpc/rpcb_prot.x /usr/include/tirpc/rpcsvc/crypt.x)
if [ ! -e "${files[0]}" ]; then
    echo "check-rpcsvc: no .x files in /usr/include/rpcsvc: apt-get install rpcsvc-proto libtirpc-dev" >&2
    exit 1
fi
args=(-typecheck -swift-version 6 -warnings-as-errors -I "$bin/Modules")
while IFS= read -r map; do
    args+=(-Xcc "-fmodule-map-file=$map")
done < <(find "$bin" -maxdepth 2 -name module.modulemap; find .build/checkouts -name module.modulemap -path '*/Sources/*')
failed=0
for file in "${files[@]}"; do
    if ! "$bin/swift-rpcgen" --output-directory "$out" "$file" 2> "$out/diagnostics.txt"; then
        echo "check-rpcsvc: swift-rpcgen failed on $file:" >&2
        cat "$out/diagnostics.txt" >&2
        failed=1
        continue
    fi
    swift_file="$out/$(basename "${file%.x}").swift"
    if ! swiftc "${args[@]}" "$swift_file" > "$out/swiftc.txt" 2>&1; then
        echo "check-rpcsvc: the Swift generated from $file does not compile cleanly:" >&2
        head -40 "$out/swiftc.txt" >&2
        failed=1
        continue
    fi
    echo "check-rpcsvc: $file -> $(basename "$swift_file"): compiles"
done
exit "$failed"
