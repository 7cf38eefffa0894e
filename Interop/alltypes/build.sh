#!/usr/bin/env bash
# Builds Interop/alltypes/alltypes-wire into DIR (default: Interop/build/alltypes): rpcgen -N
# compiles xdr/alltypes.x to C, which is linked with libtirpc. Needs rpcgen (rpcsvc-proto),
# libtirpc-dev and cc.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/Interop/build/alltypes}"
mkdir -p "$out"
cp "$root/xdr/alltypes.x" "$out/alltypes.x"
cd "$out"
rpcgen -N -h alltypes.x -o alltypes.h
rpcgen -N -c alltypes.x -o alltypes_xdr.c
cc -std=gnu11 -O1 -Wall -Werror -Wno-unused-variable -I/usr/include/tirpc -I"$out" \
    -o alltypes-wire "$root/Interop/alltypes/alltypes-wire.c" alltypes_xdr.c -ltirpc -lm
echo "$out/alltypes-wire"
