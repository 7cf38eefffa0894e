#!/usr/bin/env bash
# Builds libtirpc's side of the benchmarks into DIR (default: Benchmarks/.build-c): rpcgen
# compiles Benchmarks/bench.x (the same file the Swift side generates from) and the programs
# bench-xdr, bench-server and bench-client are linked with libtirpc, optimised (-O2). Needs
# rpcgen (rpcsvc-proto), libtirpc-dev and cc.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../.build-c}"
mkdir -p "$out"
cp "$here/../bench.x" "$out/bench.x"
cd "$out"
rm -f bench.h bench_xdr.c bench_svc.c
rpcgen -h bench.x -o bench.h
rpcgen -c bench.x -o bench_xdr.c
rpcgen -m bench.x -o bench_svc.c
# rpcgen's own output is compiled without warnings as errors: it has unused variables.
cc -std=gnu11 -O2 -I/usr/include/tirpc -I"$out" -c bench_xdr.c bench_svc.c
flags=(-std=gnu11 -O2 -Wall -Wextra -Wno-cast-function-type -Werror -I/usr/include/tirpc -I"$out" -I"$here")
cc "${flags[@]}" -c "$here/bench-common.c" -o bench-common.o
cc "${flags[@]}" -o bench-xdr "$here/bench-xdr.c" bench-common.o bench_xdr.o -ltirpc
cc "${flags[@]}" -o bench-server "$here/bench-server.c" bench_xdr.o bench_svc.o -ltirpc
cc "${flags[@]}" -o bench-client "$here/bench-client.c" bench-common.o bench_xdr.o -ltirpc
echo "$out"
