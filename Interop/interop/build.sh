#!/usr/bin/env bash
# Builds the C peers of the interop matrix into DIR (default: Interop/build/interop):
# rpcgen compiles xdr/interop.x (header, XDR routines, client stubs, and the server dispatch
# without a main), linked with libtirpc into interop-server and interop-client. Needs rpcgen
# (rpcsvc-proto), libtirpc-dev and cc.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/Interop/build/interop}"
mkdir -p "$out"
cp "$root/xdr/interop.x" "$out/interop.x"
cd "$out"
rpcgen -h interop.x -o interop.h
rpcgen -c interop.x -o interop_xdr.c
rpcgen -l interop.x -o interop_clnt.c
rpcgen -m interop.x -o interop_svc.c
flags=(-std=gnu11 -O1 -Wall -Werror -Wno-unused-variable -I/usr/include/tirpc -I"$out" -I"$root/Interop/interop")
# rpcgen's own output is compiled without -Werror: it has unused variables and old-style casts.
cc -std=gnu11 -O1 -I/usr/include/tirpc -I"$out" -c interop_xdr.c interop_clnt.c interop_svc.c
cc "${flags[@]}" -c "$root/Interop/interop/samples.c" -o samples.o
cc "${flags[@]}" -o interop-server "$root/Interop/interop/interop-server.c" samples.o interop_xdr.o interop_svc.o -ltirpc
cc "${flags[@]}" -o interop-client "$root/Interop/interop/interop-client.c" samples.o interop_xdr.o interop_clnt.o \
    -ltirpc -lm
echo "$out"
