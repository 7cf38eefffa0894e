#!/usr/bin/env bash
# Fails when committed generated Swift is stale: regenerates each entry below with swift-rpcgen
# and compares. `--write` regenerates the committed files instead. Needs a debug build
# (`swift build`) first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="$(swift build --show-bin-path)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
write=0
[ "${1:-}" = "--write" ] && write=1

pmap_names=(
    mapping=PortmapMapping pmaplist=PortmapList pmaplist_ptr=PortmapListPointer
    call_args=PortmapCallArguments call_result=PortmapCallResult
    PMAP_PROG=PortmapProgram PMAP_VERS=Version2
)
rpcb_names=(
    rpcb=RPCBindMapping rp__list=RPCBindList rpcblist_ptr=RPCBindListPointer
    rpcb_rmtcallargs=RPCBindRemoteCallArguments rpcb_rmtcallres=RPCBindRemoteCallResult
    rpcb_entry=RPCBindEntry rpcb_entry_list=RPCBindEntryList rpcb_entry_list_ptr=RPCBindEntryListPointer
    rpcbs_addrlist=RPCBindAddressStatistics rpcbs_addrlist_ptr=RPCBindAddressStatisticsPointer
    rpcbs_rmtcalllist=RPCBindRemoteCallStatistics rpcbs_rmtcalllist_ptr=RPCBindRemoteCallStatisticsPointer
    rpcbs_proc=RPCBindProcedureCounts rpcb_stat=RPCBindStatistics rpcb_stat_byvers=RPCBindStatisticsByVersion
    netbuf=RPCBindTransportAddress
    RPCBPROG=RPCBindProgram RPCBVERS=Version3 RPCBVERS4=Version4
    RPCBPROC_BCAST=broadcast RPCBPROC_UADDR2TADDR=uaddrToTaddr RPCBPROC_TADDR2UADDR=taddrToUaddr
)
# The procedure names (getAddr, getAddrList, callIt…) are swift-rpcgen's own idiomatic ones; the
# type, program and version names are the RPCBind module's API.

# source .x | committed Swift directory | swift-rpcgen options
entries=(
    "xdr/alltypes.x|Tests/GeneratedCodeTests/Generated|"
    "xdr/pmap_prot.x|Sources/RPCBind/Generated|${pmap_names[*]/#/--rename }"
    "xdr/rpcb_prot.x|Sources/RPCBind/Generated|${rpcb_names[*]/#/--rename }"
)
stale=0
for entry in "${entries[@]}"; do
    IFS='|' read -r source directory options <<< "$entry"
    name="$(basename "${source%.x}").swift"
    # shellcheck disable=SC2086 # options are words
    "$bin/swift-rpcgen" --output-directory "$out" $options "$source"
    if [ "$write" -eq 1 ]; then
        mkdir -p "$directory"
        cp "$out/$name" "$directory/$name"
        echo "check-generated-code: wrote $directory/$name"
    elif ! diff -u "$directory/$name" "$out/$name"; then
        echo "check-generated-code: $directory/$name is stale; regenerate it with:" >&2
        echo "    swift build && scripts/check-generated-code.sh --write" >&2
        stale=1
    fi
done
[ "$stale" -eq 0 ] && [ "$write" -eq 0 ] && echo "check-generated-code: generated code is up to date"
exit "$stale"
