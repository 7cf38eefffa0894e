#!/usr/bin/env python3
"""A fake rpcbind for the tests: it answers the read-only procedures that rpcinfo uses (portmap
v2 DUMP, rpcbind v3/v4 DUMP, v4 GETADDRLIST and GETSTAT) over TCP with a table of as many entries
as asked, to show that a client tool's work grows linearly with what it reads.

    fake-rpcbind.py --entries 200000 [--host 127.0.0.1] [--port 111]

Entry i is program 0x40000000 + i // 2, version 1 + i % 2, over tcp when i is even and udp when
odd. It prints "ready" once listening and serves until it is killed. The XDR is written here from
RFC 1833 (rpcb_prot.x), RFC 4506 and RFC 5531."""
import argparse
import socket
import struct
import threading


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def string(text):
    data = text.encode()
    return u32(len(data)) + data + b"\0" * (-len(data) % 4)


def entries(count):
    for i in range(count):
        yield 0x40000000 + i // 2, 1 + i % 2, "tcp" if i % 2 == 0 else "udp", 1024 + i % 60000


def portmap_dump(count):
    parts = [u32(1) + u32(p) + u32(v) + u32(6 if n == "tcp" else 17) + u32(port) for p, v, n, port in entries(count)]
    return b"".join(parts) + u32(0)


def universal(port):
    return "127.0.0.1.%d.%d" % (port >> 8, port & 0xFF)


def rpcb_dump(count):
    parts = [u32(1) + u32(p) + u32(v) + string(n) + string(universal(port)) + string("superuser")
             for p, v, n, port in entries(count)]
    return b"".join(parts) + u32(0)


def address_list(count):
    parts = [u32(1) + string(universal(port)) + string(n) + u32(2 if n == "tcp" else 1) + string("inet") + string(n)
             for _, _, n, port in entries(count)]
    return b"".join(parts) + u32(0)


def statistics(count):
    stat = []
    for version in range(3):
        body = b"".join(u32(k + version) for k in range(13)) + u32(count) + u32(0)
        if version == 2:
            body += b"".join(u32(1) + u32(p) + u32(v) + u32(3) + u32(1) + string(n) for p, v, n, _ in entries(count))
        body += u32(0)  # end of addrinfo
        body += u32(0)  # no rmtinfo
        stat.append(body)
    return b"".join(stat)


def reply(xid, results):
    # xid, REPLY, MSG_ACCEPTED, AUTH_NONE verifier, SUCCESS
    return u32(xid) + u32(1) + u32(0) + u32(0) + u32(0) + u32(0) + results


def program_unavailable(xid):
    return u32(xid) + u32(1) + u32(0) + u32(0) + u32(0) + u32(3)  # PROC_UNAVAIL


def read_exactly(connection, size):
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def serve(connection, answers):
    with connection:
        while True:
            record = b""
            while True:
                header = read_exactly(connection, 4)
                if header is None:
                    return
                (word,) = struct.unpack(">I", header)
                fragment = read_exactly(connection, word & 0x7FFFFFFF)
                if fragment is None:
                    return
                record += fragment
                if word & 0x80000000:
                    break
            xid, _, _, program, version, procedure = struct.unpack(">6I", record[:24])
            results = answers.get((version, procedure)) if program == 100000 else None
            message = reply(xid, results()) if results else program_unavailable(xid)
            connection.sendall(u32(len(message) | 0x80000000) + message)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=111)
    arguments = parser.parse_args()
    count = arguments.entries
    cache = {}

    def cached(name, make):
        def get():
            if name not in cache:
                cache[name] = make(count)
            return cache[name]
        return get

    answers = {
        (2, 0): lambda: b"", (3, 0): lambda: b"", (4, 0): lambda: b"",
        (2, 4): cached("portmap", portmap_dump),
        (3, 4): cached("rpcb", rpcb_dump), (4, 4): cached("rpcb", rpcb_dump),
        (4, 11): cached("list", address_list),
        (4, 12): cached("stat", statistics),
    }
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((arguments.host, arguments.port))
    listener.listen(16)
    print("ready", flush=True)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve, args=(connection, answers), daemon=True).start()


if __name__ == "__main__":
    main()
