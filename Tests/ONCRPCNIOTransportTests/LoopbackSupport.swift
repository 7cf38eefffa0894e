import Logging
import NIOCore
import NIOPosix
import ONCRPC
import ONCRPCNIOTransport
import ONCRPCTestSupport
import Testing
import XDR

/// A running loopback server with the test program on TCP and UDP.
struct LoopbackServer {
    var tcpPort: Int
    var udpPort: Int
    var counters: TestProgram.Counters
    var host: String
}

/// Starts the test program on TCP and UDP at `host` with free ports, runs `body`, then shuts the
/// server down gracefully and waits for it.
func withLoopbackServer(
    host: String = "127.0.0.1",
    tcp: TCPServerTransport.Configuration? = nil,
    udp: UDPServerTransport.Configuration? = nil,
    _ body: (LoopbackServer) async throws -> Void
) async throws {
    let counters = TestProgram.Counters()
    var tcpConfiguration = tcp ?? TCPServerTransport.Configuration()
    tcpConfiguration.host = host
    var udpConfiguration = udp ?? UDPServerTransport.Configuration()
    udpConfiguration.host = host
    let tcpTransport = TCPServerTransport(configuration: tcpConfiguration)
    let udpTransport = UDPServerTransport(configuration: udpConfiguration)
    let server = RPCServer(
        transports: [tcpTransport, udpTransport],
        services: [TestProgram.version1(counters: counters), TestProgram.version2()])
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve() }
        do {
            let tcpPort = try await tcpTransport.listeningAddress().port!
            let udpPort = try await udpTransport.listeningAddress().port!
            try await body(LoopbackServer(tcpPort: tcpPort, udpPort: udpPort, counters: counters, host: host))
        } catch {
            server.beginGracefulShutdown()
            throw error
        }
        server.beginGracefulShutdown()
        try await group.waitForAll()
    }
}

/// A raw TCP connection for sending hand-made bytes and reading record-marked replies.
struct RawConnection {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func connect(port: Int) async throws -> RawConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return RawConnection(channel: channel)
    }

    /// Sends `bytes`, then reads until one whole record arrives or the connection closes (nil),
    /// within `timeout`.
    func exchange(_ bytes: ByteBuffer, timeout: Duration = .seconds(5)) async throws -> ByteBuffer? {
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(bytes)
            return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask {
                    var decoder = RecordMarkingDecoder()
                    var received = ByteBuffer()
                    for try await var chunk in inbound {
                        received.writeBuffer(&chunk)
                        if let record = try decoder.decodeRecord(from: &received) {
                            return record
                        }
                    }
                    return nil
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw RPCError(code: .timedOut, message: "no reply on the raw connection")
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        }
    }
}

/// Frames `message` as one record.
func recordMarked(_ message: ByteBuffer, fragmentSize: Int = 1 << 20) -> ByteBuffer {
    var output = ByteBuffer()
    RecordMarking.frame(message, into: &output, maximumFragmentSize: fragmentSize)
    return output
}
