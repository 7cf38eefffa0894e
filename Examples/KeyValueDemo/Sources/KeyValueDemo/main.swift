import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import RPCBind
import RPCBindServer

// The main job: a real ONC RPC exchange over loopback, found through rpcbind. A key-value
// server listens on TCP and UDP (free ports on 127.0.0.1) and registers with the system's
// rpcbind, or with an embedded one started here when the system has none; a client looks the
// program up through rpcbind and calls every procedure over both transports; the server shuts
// down gracefully and unregisters.

/// Whether an rpcbind answers on 127.0.0.1:`port`.
func rpcbindAnswers(port: Int) async -> Bool {
    (try? await withRPCBindClient(port: port, options: RPCCallOptions(timeout: .seconds(1))) { rpcbind in
        try await rpcbind.version2.null()
    }) != nil
}

/// A port for an embedded rpcbind on 127.0.0.1: 111 if UDP can bind it, else a free one.
func embeddedRPCBindPort() async -> Int? {
    for candidate in [111, 0] {
        let udp = UDPServerTransport(host: "127.0.0.1", port: candidate)
        let probe = RPCServer(transports: [udp], services: [])
        async let serving: Void = probe.serve()
        let port = try? await udp.listeningAddress().port
        probe.beginGracefulShutdown()
        try? await serving
        if let port { return port }
    }
    return nil
}

func describe(_ lookup: Lookup) -> String {
    switch lookup {
    case .value(let value): "found \"\(String(buffer: value))\""
    case .notFound: "not found"
    }
}

try await withThrowingTaskGroup(of: Void.self) { group in
    var embedded: RPCServer? = nil
    var rpcbindPort = RPCBindClient.port
    if await rpcbindAnswers(port: rpcbindPort) {
        print("rpcbind: using the system's rpcbind on 127.0.0.1:111")
    } else {
        guard let port = await embeddedRPCBindPort() else {
            throw RPCError(code: .unreachable, message: "no free port for an embedded rpcbind")
        }
        let rpcbind = RPCBindServer()
        let server = RPCServer(
            transports: [
                TCPServerTransport(host: "127.0.0.1", port: port), UDPServerTransport(host: "127.0.0.1", port: port),
            ],
            services: rpcbind.services, registration: rpcbind.selfRegistration)
        group.addTask { try await server.serve() }
        guard await rpcbindAnswers(port: port) else {
            throw RPCError(code: .unreachable, message: "the embedded rpcbind on port \(port) does not answer")
        }
        (embedded, rpcbindPort) = (server, port)
        print("rpcbind: no system rpcbind; started an embedded one on 127.0.0.1:\(port)")
    }
    let registration: RPCServerRegistration =
        embedded == nil ? .rpcbind : .rpcbind(host: "127.0.0.1", port: rpcbindPort, over: .udp)

    let tcp = TCPServerTransport(host: "127.0.0.1")
    let udp = UDPServerTransport(host: "127.0.0.1")
    let server = RPCServer(transports: [tcp, udp], services: [KeyValueService()], registration: registration)
    group.addTask { try await server.serve() }
    let tcpAddress = try await tcp.listeningAddress()
    let udpAddress = try await udp.listeningAddress()
    print("server: program \(KeyValue.program) version \(KeyValue.Version1.version) on tcp \(tcpAddress) and udp \(udpAddress)")

    // Wait until the registration shows in rpcbind's table.
    let registered = { () async throws -> [RPCBindMapping] in
        try await withRPCBindClient(port: rpcbindPort) { rpcbind in
            try await rpcbind.mappings().filter { $0.rProg == KeyValue.program }
        }
    }
    for _ in 0..<100 where try await registered().count < 2 {
        try await Task.sleep(for: .milliseconds(20))
    }
    for mapping in try await registered() {
        print("rpcbind: program \(mapping.rProg) version \(mapping.rVers) \(mapping.rNetid) at \(mapping.rAddr)")
    }

    for over in [RPCTransportKind.tcp, .udp] {
        let name = over.rawValue
        // The generated namespace opens its own client, found through rpcbind.
        try await KeyValue.Version1.withClient(host: "127.0.0.1", over: over, rpcbindPort: rpcbindPort) { client in
            try await client.null()
            print("[\(name)] NULL: the server answers")
            let key = "colour-\(name)"
            let fresh = try await client.put(Pair(key: key, value: ByteBuffer(string: "blue")))
            print("[\(name)] PUT \(key)=blue: \(fresh ? "new key" : "replaced")")
            let replaced = try await client.put(Pair(key: key, value: ByteBuffer(string: "green")))
            print("[\(name)] PUT \(key)=green: \(replaced ? "new key" : "replaced")")
            print("[\(name)] GET \(key): \(describe(try await client.get(key)))")
            print("[\(name)] LIST: \(try await client.list())")
            print("[\(name)] DELETE \(key): \(try await client.delete(key))")
            print("[\(name)] GET \(key): \(describe(try await client.get(key)))")
            do {
                try await client.client.ping(program: KeyValue.program, version: 9)
            } catch let error as RPCError {
                print("[\(name)] NULL at version 9: \(error.code)")
            }
        }
    }
    server.beginGracefulShutdown()
    // Wait for the server to finish (it unregisters), leaving the embedded rpcbind running.
    while try await registered().count > 0 {
        try await Task.sleep(for: .milliseconds(20))
    }
    print("server: shut down and unregistered")
    embedded?.beginGracefulShutdown()
    try await group.waitForAll()
}
