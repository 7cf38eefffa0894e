import NIOCore
import NIOPosix
import ONCRPC
import ONCRPCNIOTransport
import ONCRPCTestSupport
import Testing
import XDR

@Suite("Hostile input to the server over loopback", .timeLimit(.minutes(1)))
struct ServerHostileInputTests {
    func echoCall(xid: UInt32) throws -> ByteBuffer {
        try TestProgram.rawCall(xid: xid, procedure: 1, arguments: [0, 0, 0, 2, 0x6F, 0x6B, 0, 0])
    }

    func expectEchoReply(_ reply: ByteBuffer?, xid: UInt32) throws {
        let (header, results) = try TestProgram.replyHeader(try #require(reply))
        #expect(header.xid == xid)
        #expect(header.body == .accepted(verifier: .none, status: .success))
        #expect(try String(xdrBytes: results) == "ok")
    }

    /// Replies to the calls of one read leave in one buffer when they are small; a large one
    /// goes on its own: either way they reach the client whole and in the order they were
    /// answered.
    @Test func smallAndLargeRepliesToOneReadArriveWholeAndInOrder() async throws {
        try await withLoopbackServer { server in
            try await withRawConnection(port: server.tcpPort) { connection in
                let large = String(repeating: "L", count: 5000)
                var calls = ByteBuffer()
                for xid in UInt32(1)...6 {
                    let text = xid == 3 || xid == 4 ? large : "ok"
                    let arguments = Array(try text.xdrBytes().readableBytesView)
                    var framed = recordMarked(try TestProgram.rawCall(xid: xid, procedure: 1, arguments: arguments))
                    calls.writeBuffer(&framed)
                }
                var reply = try await connection.exchange(calls)
                for xid in UInt32(1)...6 {
                    let (header, results) = try TestProgram.replyHeader(try #require(reply))
                    #expect(header.xid == xid)
                    #expect(try String(xdrBytes: results) == (xid == 3 || xid == 4 ? large : "ok"))
                    if xid < 6 {
                        reply = try await connection.exchange(ByteBuffer())
                    }
                }
            }
        }
    }

    @Test func errorRepliesKeepTheConnectionOpen() async throws {
        try await withLoopbackServer { server in
            try await withRawConnection(port: server.tcpPort) { connection in
                // Wrong RPC version.
                let mismatch = try await connection.exchange(
                    recordMarked(try TestProgram.rawCall(xid: 1, rpcVersion: 1, procedure: 0)))
                #expect(
                    try TestProgram.replyHeader(try #require(mismatch)).0.body == .denied(.rpcMismatch(low: 2, high: 2))
                )
                // Oversize credentials (a 500-byte AUTH_SYS body).
                var oversize = try TestProgram.rawCall(xid: 2, procedure: 0)
                oversize.moveWriterIndex(to: oversize.readerIndex + 24)
                oversize.writeBytes(
                    [0, 0, 0, 1, 0, 0, 1, 0xF4] + Array(repeating: 0, count: 500) + [0, 0, 0, 0, 0, 0, 0, 0])
                let denied = try await connection.exchange(recordMarked(oversize))
                #expect(try TestProgram.replyHeader(try #require(denied)).0.body == .denied(.authError(.badCredential)))
                // Undecodable arguments.
                let garbage = try await connection.exchange(
                    recordMarked(try TestProgram.rawCall(xid: 3, procedure: 2, arguments: [1, 2])))
                #expect(
                    try TestProgram.replyHeader(try #require(garbage)).0.body
                        == .accepted(verifier: .none, status: .garbageArguments))
                // A record of garbage gets no reply; the next call on the connection does.
                var bytes = recordMarked(ByteBuffer(bytes: [0xDE, 0xAD, 0xBE, 0xEF, 9]))
                var call = recordMarked(try echoCall(xid: 4))
                bytes.writeBuffer(&call)
                try expectEchoReply(try await connection.exchange(bytes), xid: 4)
            }
        }
    }

    @Test func garbageRecordThenAValidCall() async throws {
        try await withLoopbackServer { server in
            try await withRawConnection(port: server.tcpPort) { connection in
                var bytes = recordMarked(ByteBuffer(bytes: Array(repeating: 0x41, count: 37)))
                var call = recordMarked(try echoCall(xid: 77), fragmentSize: 5)
                bytes.writeBuffer(&call)
                try expectEchoReply(try await connection.exchange(bytes), xid: 77)
            }
        }
    }

    @Test func oversizeFragmentHeaderClosesOnlyThatConnection() async throws {
        try await withLoopbackServer { server in
            try await withRawConnection(port: server.tcpPort) { connection in
                let reply = try await connection.exchange(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF]))
                #expect(reply == nil)  // closed, not answered, nothing buffered
            }
            try await withRawConnection(port: server.tcpPort) { connection in
                try expectEchoReply(try await connection.exchange(recordMarked(try echoCall(xid: 5))), xid: 5)
            }
        }
    }

    @Test func truncatedRecordsAndDisconnectsDoNotHurtOthers() async throws {
        try await withLoopbackServer { server in
            for cut in [1, 3, 4, 10, 30] {
                let full = recordMarked(try echoCall(xid: 9))
                try await withRawConnection(port: server.tcpPort) { connection in
                    // Send part of a record and hang up.
                    try await connection.send(full.getSlice(at: full.readerIndex, length: cut)!)
                }
                try await withRawConnection(port: server.tcpPort) { connection in
                    try expectEchoReply(
                        try await connection.exchange(recordMarked(try echoCall(xid: UInt32(cut)))), xid: UInt32(cut))
                }
            }
        }
    }

    @Test func udpGarbageDatagramsAreDropped() async throws {
        try await withLoopbackServer { server in
            let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: 0) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                            wrappingChannelSynchronously: channel)
                    }
                }
            let target = try SocketAddress(ipAddress: "127.0.0.1", port: server.udpPort)
            try await channel.executeThenClose { inbound, outbound in
                for garbage in [[], [1], [0, 0, 0, 1, 0, 0, 0, 0], Array(repeating: 0xFF, count: 100)] as [[UInt8]] {
                    try await outbound.write(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(bytes: garbage)))
                }
                try await outbound.write(AddressedEnvelope(remoteAddress: target, data: try echoCall(xid: 1234)))
                var iterator = inbound.makeAsyncIterator()
                let reply = try await iterator.next()
                try expectEchoReply(reply?.data, xid: 1234)  // the first (and only) reply is the call's
            }
        }
    }
}
