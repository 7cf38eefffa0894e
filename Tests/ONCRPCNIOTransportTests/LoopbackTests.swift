import Logging
import NIOCore
import NIOPosix
import ONCRPC
import ONCRPCNIOTransport
import ONCRPCTestSupport
import Synchronization
import Testing
import XDR

enum Wire: String, CaseIterable, Sendable {
    case tcp
    case udp
}

func transport(_ wire: Wire, _ server: LoopbackServer, tcp: TCPClientTransport.Configuration = .init())
    -> any RPCClientTransport
{
    switch wire {
    case .tcp: TCPClientTransport(server: .host(server.host, port: server.tcpPort), configuration: tcp)
    case .udp: UDPClientTransport(server: .host(server.host, port: server.udpPort))
    }
}

@Suite("Client and server over loopback TCP and UDP", .timeLimit(.minutes(2)))
struct LoopbackTests {
    let program = TestProgram.program

    @Test(arguments: Wire.allCases, ["127.0.0.1", "::1"])
    func callsAndEveryReplyStatus(_ wire: Wire, _ host: String) async throws {
        try await withLoopbackServer(host: host) { server in
            try await withRPCClient(transport: transport(wire, server)) { client in
                let echoed = try await client.call(
                    program: program, version: 1, procedure: 1, arguments: "over \(wire)", resultType: String.self)
                #expect(echoed == "over \(wire)")
                try await client.ping(program: program, version: 2)
                let statuses: [(UInt32, UInt32, UInt32, RPCError.Code)] = [
                    (99, 1, 0, .programUnavailable),
                    (program, 3, 0, .programMismatch(low: 1, high: 2)),
                    (program, 1, 42, .procedureUnavailable),
                    (program, 1, 3, .systemError),
                    (program, 1, 4, .authError(.tooWeak)),
                ]
                for (prog, vers, proc, code) in statuses {
                    let error = await rpcError {
                        _ = try await client.call(
                            program: prog, version: vers, procedure: proc, arguments: XDRVoid(),
                            resultType: XDRVoid.self)
                    }
                    #expect(error?.code == code, "\(prog)/\(vers)/\(proc)")
                    #expect(error?.code.supportedVersions == code.supportedVersions, "\(prog)/\(vers)/\(proc)")
                    #expect(error?.code.authStatus == code.authStatus, "\(prog)/\(vers)/\(proc)")
                }
                let garbage = await rpcError {
                    _ = try await client.call(
                        program: program, version: 1, procedure: 2, arguments: Int32(1), resultType: Int32.self)
                }
                #expect(garbage?.code == .garbageArguments)
                // Still the same connection, still serving.
                let sum = try await client.call(
                    program: program, version: 1, procedure: 2, arguments: TestProgram.Pair(a: 2, b: 3),
                    resultType: Int32.self)
                #expect(sum == 5)
            }
        }
    }

    @Test func thousandConcurrentCallsOnOneTCPConnection() async throws {
        try await withLoopbackServer { server in
            try await withRPCClient(transport: transport(.tcp, server)) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<1000 {
                        group.addTask {
                            // Every tenth call sleeps a little so that replies overtake each other.
                            if index % 10 == 0 {
                                _ = try await client.call(
                                    program: program, version: 1, procedure: 5, arguments: UInt32(20),
                                    resultType: XDRVoid.self)
                            }
                            let sum = try await client.call(
                                program: program, version: 1, procedure: 2,
                                arguments: TestProgram.Pair(a: Int32(index), b: 1000), resultType: Int32.self)
                            #expect(sum == Int32(index) + 1000)
                        }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(server.counters.count(.add) == 1000)
        }
    }

    @Test(arguments: [1, 7, 4096])
    func multiFragmentRecordsBothWays(_ fragmentSize: Int) async throws {
        let serverConfiguration = TCPServerTransport.Configuration(maximumFragmentSize: fragmentSize)
        try await withLoopbackServer(tcp: serverConfiguration) { server in
            let clientConfiguration = TCPClientTransport.Configuration(maximumFragmentSize: fragmentSize)
            try await withRPCClient(transport: transport(.tcp, server, tcp: clientConfiguration)) { client in
                let size = fragmentSize == 1 ? 3000 : 300_000
                let payload = ByteBuffer(bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
                let echoed = try await client.call(
                    program: program, version: 1, procedure: 8, arguments: payload, resultType: ByteBuffer.self)
                #expect(echoed == payload)
            }
        }
    }

    @Test func timeoutsFire() async throws {
        try await withLoopbackServer { server in
            for wire in Wire.allCases {
                try await withRPCClient(transport: transport(wire, server)) { client in
                    let error = await rpcError {
                        _ = try await client.call(
                            program: program, version: 1, procedure: 5, arguments: UInt32(1500),
                            resultType: XDRVoid.self,
                            options: RPCCallOptions(timeout: .milliseconds(200), retransmit: .fixed(.milliseconds(50))))
                    }
                    #expect(error?.code == .timedOut, "\(wire)")
                }
            }
        }
    }

    @Test func unreachableServerIsAnError() async throws {
        // Bind then close a listener to find a port nobody listens on.
        let probe = TCPServerTransport()
        let server = RPCServer(transports: [probe], services: [])
        async let serving: Void = server.serve()
        let port = try await probe.listeningAddress().port!
        server.beginGracefulShutdown()
        try await serving
        try await withRPCClient(transport: TCPClientTransport(host: "127.0.0.1", port: port)) { client in
            let error = await rpcError { try await client.ping(program: program, version: 1) }
            #expect(error?.code == .unreachable)
        }
    }

    @Test func clientSurvivesAServerRestart() async throws {
        let tcp = TCPServerTransport()
        let first = RPCServer(transports: [tcp], services: [TestProgram.version1()])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await first.serve() }
            let port = try await tcp.listeningAddress().port!
            try await withRPCClient(transport: TCPClientTransport(host: "127.0.0.1", port: port)) { client in
                try await client.ping(program: program, version: 1)
                first.beginGracefulShutdown()
                try await group.next()
                // The connection is gone: a call now fails cleanly, it does not hang.
                let during = await rpcError {
                    try await client.ping(program: program, version: 1, options: RPCCallOptions(timeout: .seconds(2)))
                }
                #expect(during != nil)
                let again = TCPServerTransport(host: "127.0.0.1", port: port)
                let second = RPCServer(transports: [again], services: [TestProgram.version1()])
                group.addTask { try await second.serve() }
                _ = try await again.listeningAddress()
                let echoed = try await client.call(
                    program: program, version: 1, procedure: 1, arguments: "back", resultType: String.self)
                #expect(echoed == "back")
                second.beginGracefulShutdown()
            }
            try await group.waitForAll()
        }
    }

    @Test func callsInFlightFailWhenTheConnectionDrops() async throws {
        let tcp = TCPServerTransport()
        let server = RPCServer(transports: [tcp], services: [TestProgram.version1()])
        async let serving: Void = server.serve()
        let port = try await tcp.listeningAddress().port!
        let transport = TCPClientTransport(host: "127.0.0.1", port: port)
        try await withRPCClient(transport: transport) { client in
            try await client.ping(program: program, version: 1)
            async let slow = rpcError {
                _ = try await client.call(
                    program: program, version: 1, procedure: 5, arguments: UInt32(5000), resultType: XDRVoid.self)
            }
            try await Task.sleep(for: .milliseconds(100))
            transport.beginGracefulShutdown()  // closes the connection under the call
            let error = await slow
            #expect(error?.code == .connectionClosed)
        }
        server.beginGracefulShutdown()
        try await serving
    }

    @Test func gracefulShutdownFinishesCallsInFlight() async throws {
        let tcp = TCPServerTransport()
        let counters = TestProgram.Counters()
        let server = RPCServer(transports: [tcp], services: [TestProgram.version1(counters: counters)])
        async let serving: Void = server.serve()
        let port = try await tcp.listeningAddress().port!
        try await withRPCClient(transport: TCPClientTransport(host: "127.0.0.1", port: port)) { client in
            try await client.ping(program: program, version: 1)  // connected before shutdown begins
            async let slow: XDRVoid = client.call(
                program: program, version: 1, procedure: 5, arguments: UInt32(500), resultType: XDRVoid.self)
            // Shut down once the handler runs (a call not yet read when shutdown begins is refused).
            while counters.count(.sleep) == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            server.beginGracefulShutdown()
            _ = try await slow  // answered although shutdown began while it ran
        }
        try await serving
    }
}

/// A UDP relay between a client and a server that drops the first `dropReplies` replies.
final class LossyRelay: Sendable {
    let channel: any Channel
    let drops = TestProgram.Counters()
    var dropped: Int { drops.count(.count) }

    init(serverPort: Int, dropReplies: Int) async throws {
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: serverPort)
        let state = Mutex<(client: SocketAddress?, dropped: Int)>((nil, 0))
        let drops = self.drops
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RelayHandler { envelope in
                            if envelope.remoteAddress == server {
                                let (client, drop) = state.withLock { state -> (SocketAddress?, Bool) in
                                    if state.dropped < dropReplies {
                                        state.dropped += 1
                                        return (state.client, true)
                                    }
                                    return (state.client, false)
                                }
                                if drop {
                                    drops.record(.count)
                                    return nil
                                }
                                return client.map { AddressedEnvelope(remoteAddress: $0, data: envelope.data) }
                            }
                            state.withLock { $0.client = envelope.remoteAddress }
                            return AddressedEnvelope(remoteAddress: server, data: envelope.data)
                        })
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    var port: Int { channel.localAddress!.port! }

    final class RelayHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let route: @Sendable (AddressedEnvelope<ByteBuffer>) -> AddressedEnvelope<ByteBuffer>?

        init(route: @escaping @Sendable (AddressedEnvelope<ByteBuffer>) -> AddressedEnvelope<ByteBuffer>?) {
            self.route = route
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if let forward = route(unwrapInboundIn(data)) {
                context.writeAndFlush(wrapOutboundOut(forward), promise: nil)
            }
        }
    }
}

/// The calls here allow 30 s (they end as soon as their reply comes): they share the event
/// loops with the other suites, and on two loaded cores a loop busy with another suite's
/// thousand calls or one-byte fragments has been seen to hold a 5 s call past its timeout.
@Suite("UDP retransmission and the duplicate-request cache", .timeLimit(.minutes(1)))
struct RetransmissionTests {
    @Test func lostRepliesAreRetransmittedAndTheHandlerRunsOnce() async throws {
        try await withLoopbackServer { server in
            let relay = try await LossyRelay(serverPort: server.udpPort, dropReplies: 2)
            defer { relay.channel.close(promise: nil) }
            try await withRPCClient(transport: UDPClientTransport(host: "127.0.0.1", port: relay.port)) { client in
                let count = try await client.call(
                    program: TestProgram.program, version: 1, procedure: 6, arguments: XDRVoid(),
                    resultType: UInt32.self,
                    options: RPCCallOptions(timeout: .seconds(30), retransmit: .fixed(.milliseconds(100))))
                #expect(count == 1)
            }
            #expect(relay.dropped == 2)
            #expect(server.counters.count(.count) == 1)
        }
    }

    @Test func withoutTheCacheTheHandlerRunsAgain() async throws {
        let udp = UDPServerTransport.Configuration(duplicateRequestCacheSize: 0)
        try await withLoopbackServer(udp: udp) { server in
            let relay = try await LossyRelay(serverPort: server.udpPort, dropReplies: 1)
            defer { relay.channel.close(promise: nil) }
            try await withRPCClient(transport: UDPClientTransport(host: "127.0.0.1", port: relay.port)) { client in
                let count = try await client.call(
                    program: TestProgram.program, version: 1, procedure: 6, arguments: XDRVoid(),
                    resultType: UInt32.self,
                    options: RPCCallOptions(timeout: .seconds(30), retransmit: .fixed(.milliseconds(100))))
                // The dropped reply was for the first run; a later run answered.
                #expect(count >= 2)
            }
            #expect(server.counters.count(.count) >= 2)
        }
    }

    /// The client keeps one retransmission timer per socket: a call that needs retransmitting
    /// soon must move it ahead of a call in flight whose next transmission is far off.
    @Test func aCallWithAShortIntervalIsRetransmittedWhileACallWithALongOneWaits() async throws {
        try await withLoopbackServer { server in
            // The slow call's reply comes last, so the two dropped replies are the quick call's.
            let relay = try await LossyRelay(serverPort: server.udpPort, dropReplies: 2)
            defer { relay.channel.close(promise: nil) }
            try await withRPCClient(transport: UDPClientTransport(host: "127.0.0.1", port: relay.port)) { client in
                async let slow: XDRVoid = client.call(
                    program: TestProgram.program, version: 1, procedure: 5, arguments: UInt32(1000),
                    resultType: XDRVoid.self,
                    options: RPCCallOptions(timeout: .seconds(45), retransmit: .fixed(.seconds(20))))
                try await Task.sleep(for: .milliseconds(50))  // the slow call is in flight
                // With the timer left at the slow call's next transmission (20 s away), this call
                // would time out after its 10 s without a retransmission. (The 10 s leave room for
                // a loaded machine: its retransmissions come every 50 ms. Should it take longer
                // than the slow call's second and lose that reply instead, the slow call's own
                // retransmission at 20 s still ends the test within its minute.)
                let count = try await client.call(
                    program: TestProgram.program, version: 1, procedure: 6, arguments: XDRVoid(),
                    resultType: UInt32.self,
                    options: RPCCallOptions(timeout: .seconds(10), retransmit: .fixed(.milliseconds(50))))
                #expect(count == 1)
                _ = try await slow
            }
            #expect(relay.dropped == 2)
            #expect(server.counters.count(.sleep) == 1)
        }
    }

    @Test func retransmissionsDuringASlowCallAreNotRunTwice() async throws {
        try await withLoopbackServer { server in
            try await withRPCClient(transport: UDPClientTransport(host: "127.0.0.1", port: server.udpPort)) { client in
                _ = try await client.call(
                    program: TestProgram.program, version: 1, procedure: 5, arguments: UInt32(400),
                    resultType: XDRVoid.self,
                    options: RPCCallOptions(timeout: .seconds(30), retransmit: .fixed(.milliseconds(50))))
            }
            #expect(server.counters.count(.sleep) == 1)
        }
    }
}

@Suite("The peer a handler is told of", .timeLimit(.minutes(1)))
struct PeerTests {
    /// Over UDP the server describes a datagram's sender once per run of datagrams from it: two
    /// clients taking turns must each be told of as themselves, every time.
    @Test func clientsTakingTurnsOverUDPAreEachToldOfAsThemselves() async throws {
        let program: UInt32 = 0x2000_0777
        let whoCalls = RPCServiceDefinition(
            program: program, version: 1,
            methods: [
                RPCMethod(procedure: 1, name: "PEER") { (_: XDRVoid, context) -> String in
                    "\(context.peer.transport.rawValue) \(context.peer.address) \(context.peer.isLocal)"
                }
            ])
        let udp = UDPServerTransport(configuration: .init())
        let server = RPCServer(transports: [udp], services: [whoCalls])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            let port = try await udp.listeningAddress().port!
            let first = UDPClientTransport(server: .host("127.0.0.1", port: port))
            let second = UDPClientTransport(server: .host("127.0.0.1", port: port))
            try await withRPCClient(transport: first) { one in
                try await withRPCClient(transport: second) { two in
                    var seen: [String: Int] = [:]
                    for turn in 0..<6 {
                        let client = turn % 2 == 0 ? one : two
                        let peer = try await client.call(
                            program: program, version: 1, procedure: 1, arguments: XDRVoid(), resultType: String.self)
                        let parts = peer.split(separator: " ")
                        #expect(parts.count == 3 && parts[0] == "udp" && parts[2] == "true", "\(peer)")
                        #expect(parts[1].hasPrefix("127.0.0.1:"), "\(peer)")
                        let previous = seen.updateValue(turn % 2, forKey: String(parts[1]))
                        #expect(previous == nil || previous == turn % 2, "two clients told of as \(parts[1])")
                    }
                    #expect(seen.count == 2)
                }
            }
        }
    }
}
