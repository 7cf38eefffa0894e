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
    /// Sends `bytes` without waiting for anything.
    var send: (ByteBuffer) async throws -> Void
    /// Sends `bytes` and returns the next whole record, or nil when the connection closes first.
    var exchange: (ByteBuffer) async throws -> ByteBuffer?
}

/// Opens a raw TCP connection to `port` for `body`; every exchange is bounded by `timeout`.
func withRawConnection(
    port: Int,
    timeout: Duration = .seconds(5),
    _ body: (RawConnection) async throws -> Void
) async throws {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    try await channel.executeThenClose { inbound, outbound in
        var iterator = inbound.makeAsyncIterator()
        var decoder = RecordMarkingDecoder()
        var received = ByteBuffer()
        let deadlineTimer = channel.channel.eventLoop.scheduleTask(in: TimeAmount(timeout * 4)) {
            channel.channel.close(promise: nil)  // a hung test closes its connection and fails
        }
        defer { deadlineTimer.cancel() }
        try await body(
            RawConnection { bytes in
                try await outbound.write(bytes)
            } exchange: { bytes in
                try await outbound.write(bytes)
                while true {
                    if let record = try decoder.decodeRecord(from: &received) {
                        return record
                    }
                    guard var chunk = try await iterator.next() else { return nil }
                    received.writeBuffer(&chunk)
                }
            })
    }
}

/// Frames `message` as one record.
func recordMarked(_ message: ByteBuffer, fragmentSize: Int = 1 << 20) -> ByteBuffer {
    var output = ByteBuffer()
    RecordMarking.frame(message, into: &output, maximumFragmentSize: fragmentSize)
    return output
}
