#!/usr/bin/env bash
# Rebuilds the libtirpc-made XDR vectors into DIR (default: Interop/vectors), using the C
# program in Interop/xdr-vectors. Needs cc and libtirpc-dev.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/Interop/vectors}"
build="$root/Interop/build"
mkdir -p "$build" "$out"
cc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Wno-cast-function-type -I/usr/include/tirpc \
    -o "$build/make-vectors" "$root/Interop/xdr-vectors/make-vectors.c" -ltirpc
"$build/make-vectors" "$out"
