#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target into Corpus/<target>/ (run once; the output is
committed). Every seed is built here from the XDR rules of RFC 4506 and RFC 5531."""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def u32(v): return struct.pack(">I", v & 0xFFFFFFFF)
def i32(v): return struct.pack(">i", v)
def u64(v): return struct.pack(">Q", v)
def i64(v): return struct.pack(">q", v)
def pad(b): return b + b"\0" * (-len(b) % 4)
def opaque(b): return u32(len(b)) + pad(b)
def string(s): return opaque(s.encode())


def write(target, name, data):
    directory = os.path.join(here, "Corpus", target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


# FuzzXDR: a selector byte (the type), then the XDR of a value of xdr/interop.x.
point = i32(3) + i32(-4)
values = {
    "none": u32(0), "int": u32(1) + i32(-7), "hyper": u32(2) + i64(-(1 << 40)),
    "name": u32(3) + string("alpha"), "points": u32(4) + u32(2) + point + point,
    "default": u32(99) + opaque(b"\x01\x02\x03"),
}
statuses = {"count": i32(0) + u64(1 << 63), "flag": i32(2) + u32(1), "level": i32(-5) + struct.pack(">d", 0.5),
            "void": i32(42)}
def node_chain(n):
    out = b""
    for i in range(n):
        out += string("n%d" % i) + values["int" if i % 2 else "name"] + u32(1 if i + 1 < n else 0)
    return out
record = (u32(7) + i32(-2) + i64(-5) + u64(1 << 40) + u32(1) + struct.pack(">f", 1.5) + struct.pack(">d", -2.25)
          + i32(-1) + bytes(range(16)) + string("a title") + opaque(b"cookie!") + i32(1) + i32(2) + i32(3) + i32(4)
          + u32(3) + i32(10) + i32(20) + i32(30) + point + point + values["points"] + u32(2) + values["none"]
          + values["default"] + statuses["level"] + u32(1) + point + u32(1) + node_chain(3))
write("FuzzXDR", "record", b"\x00" + record)
write("FuzzXDR", "sample-check", b"\x01" + u32(2) + record)
for name, value in values.items():
    write("FuzzXDR", "value-" + name, b"\x02" + value)
for name, status in statuses.items():
    write("FuzzXDR", "status-" + name, b"\x03" + status)
write("FuzzXDR", "node-chain", b"\x04" + node_chain(5))
write("FuzzXDR", "failure", b"\x05" + u32(6) + i32(5))
write("FuzzXDR", "point", b"\x06" + point)
write("FuzzXDR", "color", b"\x07" + i32(255))

# FuzzRecordMarking: limit byte, cut byte, then a record-marked stream.
def fragment(data, last): return u32(len(data) | (0x80000000 if last else 0)) + data
write("FuzzRecordMarking", "one-record", b"\x40\x03" + fragment(b"hello world!", True))
write("FuzzRecordMarking", "fragments", b"\x40\x05" + fragment(b"abcd", False) + fragment(b"", False)
      + fragment(b"efgh", True) + fragment(b"x" * 8, True))
write("FuzzRecordMarking", "too-large", b"\x02\x01" + fragment(b"y" * 12, True))
write("FuzzRecordMarking", "truncated", b"\x40\x09" + fragment(b"z" * 16, True)[:10])

# RPC messages (FuzzRPCMessage and FuzzServerDatagram).
PROGRAM = 0x20000101
def auth(flavor, body=b""): return u32(flavor) + opaque(body)
auth_sys = auth(1, u32(1234) + string("fuzzhost") + u32(1000) + u32(100) + u32(2) + u32(4) + u32(27))
def call(xid, proc, args=b"", cred=auth(0), version=1, program=PROGRAM, rpcvers=2):
    return u32(xid) + u32(0) + u32(rpcvers) + u32(program) + u32(version) + u32(proc) + cred + auth(0) + args
def reply(xid, body): return u32(xid) + u32(1) + body
messages = {
    "call-null": call(1, 0),
    "call-echo": call(2, 1, string("ok")),
    "call-add": call(3, 2, u32(2) + i32(5) + i32(-9)),
    "call-fail": call(4, 3),
    "call-deny": call(5, 4, cred=auth_sys),
    "call-silent": call(6, 5),
    "call-bytes": call(7, 6, opaque(b"\xff" * 33)),
    "call-bad-proc": call(8, 99),
    "call-bad-version": call(9, 1, version=7),
    "call-bad-program": call(10, 0, program=17),
    "call-rpc-v1": call(11, 0, rpcvers=1),
    "call-garbage-args": call(12, 1, u32(1000)),
    "reply-success": reply(20, u32(0) + auth(0) + u32(0) + string("ok")),
    "reply-prog-mismatch": reply(21, u32(0) + auth(0) + u32(2) + u32(1) + u32(3)),
    "reply-system-err": reply(22, u32(0) + auth(0) + u32(5)),
    "reply-rpc-mismatch": reply(23, u32(1) + u32(0) + u32(2) + u32(2)),
    "reply-auth-error": reply(24, u32(1) + u32(1) + u32(5)),
}
for name, message in messages.items():
    write("FuzzRPCMessage", name, message)
    if name.startswith("call"):
        write("FuzzServerDatagram", name, message)

# FuzzXDRLanguage: small .x texts, valid and not (the .x files of xdr/ and the installed
# /usr/include/rpcsvc are added as seeds by scripts/fuzz, where they are).
texts = {
    "constants.x": "const A = 1;\nconst B = 0x10;\nconst C = -010;\n",
    "struct.x": "struct s { int a; unsigned hyper b; string c<>; opaque d[3]; s *next; };\n",
    "union.x": "enum e { X = 1, Y = 2 };\nunion u switch (e k) { case X: int i; case Y: void; default: float f; };\n",
    "program.x": "program P { version V { int F(string) = 1; void G(void) = 2; } = 1; } = 0x20000001;\n",
    "typedefs.x": "typedef int v<5>;\ntypedef v w[2];\ntypedef string n<255>;\n",
    "preprocessor.x": "#define FOO\n#ifdef RPC_HDR\n%#include <x.h>\n#endif\nconst K = 3;\n",
    "error-missing-semicolon.x": "struct s { int a }\n",
    "error-unknown-type.x": "struct s { mystery m; };\n",
    "error-duplicate.x": "const A = 1;\nconst A = 2;\n",
    "error-unterminated-comment.x": "/* never closed\nconst A = 1;\n",
}
for name, text in texts.items():
    write("FuzzXDRLanguage", name, text.encode())
