import Foundation
import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import RPCBind
import RPCBindServer
import Testing
import ONCRPCTestSupport

/// An embedded rpcbind serving TCP and UDP on the same free loopback port.
struct EmbeddedRPCBind {
    var port: Int
    var rpcbind: RPCBindServer
    var server: RPCServer
}

/// Starts an embedded rpcbind on 127.0.0.1 (UDP on a free port, then TCP on the same port),
/// runs `body`, and shuts it down.
func withEmbeddedRPCBind(
    configuration: RPCBindServer.Configuration = RPCBindServer.Configuration(),
    _ body: (EmbeddedRPCBind) async throws -> Void
) async throws {
    for attempt in 1...5 {
        let rpcbind = RPCBindServer(configuration: configuration)
        let udp = UDPServerTransport(host: "127.0.0.1", port: 0)
        let probe = RPCServer(transports: [udp], services: [])
        // Find a free UDP port, then serve both transports on it.
        let port: Int = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await probe.serve() }
            let port = try await udp.listeningAddress().port!
            probe.beginGracefulShutdown()
            try await group.waitForAll()
            return port
        }
        let tcpTransport = TCPServerTransport(host: "127.0.0.1", port: port)
        let udpTransport = UDPServerTransport(host: "127.0.0.1", port: port)
        let server = RPCServer(
            transports: [tcpTransport, udpTransport], services: rpcbind.services,
            registration: rpcbind.selfRegistration)
        let started: Bool = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            do {
                _ = try await tcpTransport.listeningAddress()
                _ = try await udpTransport.listeningAddress()
            } catch {
                server.beginGracefulShutdown()
                try? await group.waitForAll()
                return false  // the port was taken meanwhile: try another
            }
            do {
                try await body(EmbeddedRPCBind(port: port, rpcbind: rpcbind, server: server))
            } catch {
                server.beginGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
            return true
        }
        if started { return }
        if attempt == 5 { Issue.record("could not start an embedded rpcbind on a free port") }
    }
}
