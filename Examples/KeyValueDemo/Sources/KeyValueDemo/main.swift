import Logging
import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import RPCBind
import RPCBindServer
import ServiceLifecycle
import UnixSignals

// The main job: a real ONC RPC exchange over loopback, found through rpcbind. A key-value
// server listens on TCP and UDP (free ports on 127.0.0.1) and registers with the system's
// rpcbind, or with an embedded one started here when the system has none; a client looks the
// program up through rpcbind and calls every procedure over both transports; the server shuts
// down gracefully and unregisters. The servers run as a swift-service-lifecycle ServiceGroup, so
// SIGINT and SIGTERM stop them gracefully too, the key-value server before the rpcbind.

/// Whether an rpcbind answers on 127.0.0.1:`port`.
func rpcbindAnswers(port: Int) async -> Bool {
    (try? await withRPCBindClient(port: port, options: RPCCallOptions(timeout: .seconds(1))) { rpcbind in
        try await rpcbind.version2.null()
    }) != nil
}

/// An embedded rpcbind on 127.0.0.1, and its port: 111 if UDP can bind it, else a free one.
func embeddedRPCBind() async throws -> (server: RPCServer, port: Int) {
    for candidate in [111, 0] {
        let udp = UDPServerTransport(host: "127.0.0.1", port: candidate)
        let probe = RPCServer(transports: [udp], services: [])
        async let serving: Void = probe.serve()
        let port = try? await udp.listeningAddress().port
        probe.beginGracefulShutdown()
        try? await serving
        if let port { return (RPCBindServer().makeServer(port: port), port) }
    }
    throw RPCError(code: .unreachable, message: "no free port for an embedded rpcbind")
}

func describe(_ lookup: Lookup) -> String {
    if case .value(let value) = lookup { "found \"\(String(buffer: value))\"" } else { "not found" }
}

let embedded = await rpcbindAnswers(port: RPCBindClient.port) ? nil : try await embeddedRPCBind()
let rpcbindPort = embedded?.port ?? RPCBindClient.port
let tcp = TCPServerTransport(host: "127.0.0.1")
let udp = UDPServerTransport(host: "127.0.0.1")
let server = RPCServer(
    transports: [tcp, udp], services: [KeyValueService()],
    registration: embedded == nil ? .rpcbind : .rpcbind(host: "127.0.0.1", port: rpcbindPort, over: .udp))
// The key-value server joins an embedded rpcbind's group once that answers (see below).
let servers = ServiceGroup(
    services: [embedded?.server ?? server], gracefulShutdownSignals: [.sigterm, .sigint],
    logger: Logger(label: "oncrpc-demo"))
if embedded == nil {
    print("rpcbind: using the system's rpcbind on 127.0.0.1:111")
}

try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await servers.run() }
    if embedded != nil {
        guard await rpcbindAnswers(port: rpcbindPort) else {
            throw RPCError(code: .unreachable, message: "the embedded rpcbind on port \(rpcbindPort) does not answer")
        }
        print("rpcbind: no system rpcbind; started an embedded one on 127.0.0.1:\(rpcbindPort)")
        // Added later, it is stopped first: it unregisters while the rpcbind still runs.
        await servers.addServiceUnlessShutdown(server)
    }
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
        // The generated namespace opens its own client, found through rpcbind.
        try await KeyValue.Version1.withClient(host: "127.0.0.1", over: over, rpcbindPort: rpcbindPort) { client in
            try await client.null()
            print("[\(over)] NULL: the server answers")
            let key = "colour-\(over)"
            let fresh = try await client.put(Pair(key: key, value: ByteBuffer(string: "blue")))
            print("[\(over)] PUT \(key)=blue: \(fresh ? "new key" : "replaced")")
            let replaced = try await client.put(Pair(key: key, value: ByteBuffer(string: "green")))
            print("[\(over)] PUT \(key)=green: \(replaced ? "new key" : "replaced")")
            print("[\(over)] GET \(key): \(describe(try await client.get(key)))")
            print("[\(over)] LIST: \(try await client.list())")
            print("[\(over)] DELETE \(key): \(try await client.delete(key))")
            print("[\(over)] GET \(key): \(describe(try await client.get(key)))")
            do {
                try await client.client.ping(program: KeyValue.program, version: 9)
            } catch let error as RPCError {
                print("[\(over)] NULL at version 9: \(error.code)")
            }
        }
    }
    // As SIGTERM would: the key-value server unregisters and stops, then the embedded rpcbind.
    await servers.triggerGracefulShutdown()
}
// serve() returns once the server has unregistered; the group stopped the rpcbind after it.
print("server: shut down and unregistered")
