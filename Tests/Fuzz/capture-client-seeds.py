#!/usr/bin/env python3
"""Writes seeds for FuzzClientReplies from real replies: calls to this machine's rpcbind (portmap
DUMP and GETPORT, rpcbind v4 DUMP), rstatd (RSTATPROC_STATS) and rusersd (RUSERSPROC_NUM) over
TCP and UDP, made with the xids 1 to 4 of the fuzzed calls. Run once with those daemons
registered (scripts/test starts them); the output in Corpus/FuzzClientReplies is committed."""
import os
import socket
import struct

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "Corpus", "FuzzClientReplies")


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def call(xid, program, version, procedure, arguments=b""):
    # xid CALL rpcvers=2 prog vers proc AUTH_NONE AUTH_NONE
    return u32(xid) + u32(0) + u32(2) + u32(program) + u32(version) + u32(procedure) + u32(0) * 4 + arguments


def port_of(program, version, protocol):
    message = call(99, 100000, 2, 3, u32(program) + u32(version) + u32(protocol) + u32(0))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(message, ("127.0.0.1", 111))
        reply = s.recv(65536)
    return struct.unpack(">I", reply[-4:])[0]


def over_udp(port, message):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(message, ("127.0.0.1", port))
        return s.recv(65536)


def over_tcp(port, message):
    with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
        s.sendall(u32(len(message) | 0x80000000) + message)
        data = b""
        while True:
            header = s.recv(4, socket.MSG_WAITALL)
            (word,) = struct.unpack(">I", header)
            size = word & 0x7FFFFFFF
            body = b""
            while len(body) < size:
                body += s.recv(size - len(body))
            data += header + body
            if word & 0x80000000:
                return data


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


os.makedirs(out, exist_ok=True)
udp_datagrams = []
tcp_stream = b""
calls = [
    ("rpcbind-v2-dump", 111, 111, 100000, 2, 4),
    ("rpcbind-v4-dump", 111, 111, 100000, 4, 4),
    ("rstatd-v3-stats", port_of(100001, 3, 17), None, 100001, 3, 1),
    ("rusersd-v2-num", port_of(100002, 2, 17), None, 100002, 2, 1),
]
for xid, (name, udp_port, tcp_port, program, version, procedure) in enumerate(calls, start=1):
    reply = over_udp(udp_port, call(xid, program, version, procedure))
    write("udp-" + name, b"\x01\x00" + struct.pack(">H", len(reply)) + reply)
    udp_datagrams.append(reply)
    if tcp_port:
        stream = over_tcp(tcp_port, call(xid, program, version, procedure))
        for cut in (0, 6, 255):
            write("tcp-%s-cut%d" % (name, cut + 1), b"\x00" + bytes([cut]) + stream)
        tcp_stream += stream
    else:
        # Framed here as a TCP server would send it (these daemons serve UDP only).
        tcp_stream += u32(len(reply) | 0x80000000) + reply
# Hostile streams: a 2 GiB fragment header for call 1, then endless non-final fragments for
# call 2 (over its limit of 64 bytes), then a real reply for call 4.
write("tcp-hostile", b"\x00\x0f" + u32(0x7FFFFFFF) + u32(1) + b"\0" * 8)
write("tcp-endless", b"\x00\x3f" + u32(40) + u32(2) + b"\0" * 36 + (u32(40) + b"\x41" * 40) * 8 + tcp_stream[-300:])
# Every reply on one connection, and as datagrams in reverse order.
write("tcp-all-replies", b"\x00\x1f" + tcp_stream)
write("udp-all-replies", b"\x01\x00" + b"".join(struct.pack(">H", len(r)) + r for r in reversed(udp_datagrams)))
