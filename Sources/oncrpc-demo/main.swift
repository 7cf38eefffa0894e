import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import XDR

// The main job: a real ONC RPC exchange over loopback. A key-value server listens on TCP and
// UDP (free ports on 127.0.0.1); a client calls every procedure over both transports, then the
// server shuts down gracefully.

let tcp = TCPServerTransport(host: "127.0.0.1")
let udp = UDPServerTransport(host: "127.0.0.1")
let server = RPCServer(transports: [tcp, udp], services: [KeyValueService()])

func describe(_ lookup: KeyValue.Lookup) -> String {
    switch lookup {
    case .found(let value): "found \"\(String(buffer: value))\""
    case .notFound: "not found"
    }
}

try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await server.serve() }
    let tcpAddress = try await tcp.listeningAddress()
    let udpAddress = try await udp.listeningAddress()
    print("server: program \(KeyValue.program) version \(KeyValue.version) on tcp \(tcpAddress) and udp \(udpAddress)")

    let clients: [(String, any RPCClientTransport)] = [
        ("tcp", TCPClientTransport(server: .address(tcpAddress))),
        ("udp", UDPClientTransport(server: .address(udpAddress))),
    ]
    for (name, transport) in clients {
        try await withRPCClient(transport: transport) { client in
            try await client.ping(program: KeyValue.program, version: KeyValue.version)
            print("[\(name)] NULL: the server answers")
            let fresh = try await client.call(
                KeyValue.put, KeyValue.Pair(key: "colour-\(name)", value: ByteBuffer(string: "blue")))
            print("[\(name)] PUT colour-\(name)=blue: \(fresh ? "new key" : "replaced")")
            let replaced = try await client.call(
                KeyValue.put, KeyValue.Pair(key: "colour-\(name)", value: ByteBuffer(string: "green")))
            print("[\(name)] PUT colour-\(name)=green: \(replaced ? "new key" : "replaced")")
            print(
                "[\(name)] GET colour-\(name): \(describe(try await client.call(KeyValue.get, KeyValue.Key("colour-\(name)"))))"
            )
            print("[\(name)] LIST: \(try await client.call(KeyValue.list, XDRVoid()).names)")
            print(
                "[\(name)] DELETE colour-\(name): \(try await client.call(KeyValue.delete, KeyValue.Key("colour-\(name)")))"
            )
            print(
                "[\(name)] GET colour-\(name): \(describe(try await client.call(KeyValue.get, KeyValue.Key("colour-\(name)"))))"
            )
            do {
                try await client.ping(program: KeyValue.program, version: 9)
            } catch let error as RPCError {
                print("[\(name)] NULL at version 9: \(error.code)")
            }
        }
    }
    server.beginGracefulShutdown()
    try await group.waitForAll()
    print("server: shut down")
}
