import NIOCore
import NIOPosix
import ONCRPC
import ONCRPCNIOTransport
import RPCBind
import Synchronization
import Testing
import XDR

/// The client against servers that lie, flood or stall: every call ends with its result, a clear
/// error or its timeout, and what the client buffers stays bounded by its reply limit.
@Suite("The client under a hostile server", .timeLimit(.minutes(2)))
struct HostileServerTests {
    static let program: UInt32 = 0x2000_0777

    /// Calls procedure 1 over `kind` and returns its string result.
    func call(
        _ client: RPCClient, procedure: UInt32 = 1, timeout: Duration = .seconds(10), maximumReplySize: Int? = nil
    ) async throws -> String {
        try await client.call(
            program: Self.program, version: 1, procedure: procedure, arguments: XDRVoid(), resultType: String.self,
            options: RPCCallOptions(
                timeout: timeout, retransmit: .fixed(.milliseconds(200)),
                maximumReplySize: maximumReplySize))
    }

    func withTCPClient<T: Sendable>(
        _ server: HostileServer, configuration: TCPClientTransport.Configuration = .init(),
        _ body: (RPCClient) async throws -> T
    ) async throws -> T {
        try await withRPCClient(
            transport: TCPClientTransport(server: .host("127.0.0.1", port: server.tcpPort), configuration: configuration),
            body)
    }

    func withUDPClient<T: Sendable>(_ server: HostileServer, _ body: (RPCClient) async throws -> T) async throws -> T {
        try await withRPCClient(transport: UDPClientTransport(server: .host("127.0.0.1", port: server.udpPort)), body)
    }

    func expectCode(_ expected: RPCError.Code, _ body: () async throws -> String) async {
        do {
            let result = try await body()
            Issue.record("expected \(expected), got a result of \(result.utf8.count) bytes")
        } catch let error as RPCError {
            #expect(error.code == expected, "\(error)")
        } catch {
            Issue.record("expected \(expected), got \(error)")
        }
    }

    static let fiveMiB = String(repeating: "z", count: 5 << 20)

    @Test func aReplyOverTheDefaultLimitFailsItsCallAloneAndTheConnectionGoesOn() async throws {
        // Call 0 gets 5 MiB (over the 4 MiB default), call 1 a small reply, call 2 (which raised
        // its own limit) 5 MiB again: all on one connection, as the per-connection index shows.
        try await withHostileServer({ index, xid in
            switch index {
            case 1: .record(HostileServer.stringReply(xid: xid, "ok"))
            default: .record(HostileServer.stringReply(xid: xid, Self.fiveMiB))
            }
        }) { server in
            try await withTCPClient(server) { client in
                await expectCode(.replyTooLarge) { try await call(client) }
                let ok = try await call(client)
                #expect(ok == "ok")
                let large = try await call(client, maximumReplySize: 8 << 20)
                #expect(large.utf8.count == 5 << 20)
            }
        }
    }

    @Test func aPerCallLimitBelowTheTransportsIsHeld() async throws {
        try await withHostileServer({ index, xid in
            .record(HostileServer.stringReply(xid: xid, String(repeating: "q", count: 2048)))
        }) { server in
            try await withTCPClient(server) { client in
                await expectCode(.replyTooLarge) { try await call(client, maximumReplySize: 1024) }
                let full = try await call(client)
                #expect(full.utf8.count == 2048)
            }
            try await withUDPClient(server) { client in
                let plain = try await call(client)
                #expect(plain.utf8.count == 2048)
                await expectCode(.replyTooLarge) { try await call(client, maximumReplySize: 1024) }
                let full = try await call(client)
                #expect(full.utf8.count == 2048)
            }
        }
    }

    @Test func aReplyWhoseFirstFragmentHidesItsXIDIsStillHeldToItsCallsLimit() async throws {
        // An empty first fragment: the record's limit is the connection's until the xid shows,
        // and the call's own smaller limit is applied when the record is complete.
        try await withHostileServer({ _, xid in
            let reply = HostileServer.stringReply(xid: xid, String(repeating: "h", count: 900))
            var bytes = ByteBuffer()
            bytes.writeInteger(UInt32(0))
            bytes.writeImmutableBuffer(HostileServer.framed(reply))
            return .writes([(.zero, bytes)])
        }) { server in
            try await withTCPClient(server) { client in
                await expectCode(.replyTooLarge) { try await call(client, maximumReplySize: 512) }
                let whole = try await call(client)
                #expect(whole.utf8.count == 900)
            }
        }
    }

    @Test func aTwoGiBFragmentHeaderCostsOnlyAnError() async throws {
        // The header promises 2 GiB and a few bytes follow: the call fails at once with the
        // limit, nothing of the 2 GiB is reserved, and the next call gets a new connection.
        let answered = Atomic<Int>(0)
        try await withHostileServer({ _, xid in
            // Counted over both connections.
            guard answered.add(1, ordering: .relaxed).oldValue == 0 else {
                return .record(HostileServer.stringReply(xid: xid, "again"))
            }
            var bytes = ByteBuffer()
            bytes.writeInteger(UInt32(0x7FFF_FFFF))
            bytes.writeInteger(xid)
            bytes.writeRepeatingByte(1, count: 60)
            return .writes([(.zero, bytes)])
        }) { server in
            try await withTCPClient(server) { client in
                await expectCode(.replyTooLarge) { try await call(client) }
                let again = try await call(client)
                #expect(again == "again")
            }
        }
    }

    @Test func endlessNonFinalFragmentsEndAtTheRecordLimit() async throws {
        try await withHostileServer({ _, xid in
            .endlessFragments(xid: xid, size: 64 << 10, interval: .milliseconds(1), count: 4000)
        }) { server in
            // The reply starts and never ends: it is over the 1 MiB limit after 17 fragments,
            // and the call fails there, long before its timeout.
            try await withTCPClient(server, configuration: .init(maximumRecordSize: 1 << 20)) { client in
                await expectCode(.replyTooLarge) { try await call(client, timeout: .seconds(60)) }
            }
        }
    }

    @Test func fragmentsWithoutEndCloseTheConnectionOnceTwiceTheLimitIsDropped() async throws {
        // A reply that is already over its limit keeps coming: its bytes are dropped, and at
        // twice the limit the connection is closed, so the other call in flight fails too
        // instead of waiting behind an endless record.
        // Procedure 1 gets no answer, procedure 2 a reply whose fragments do not end.
        let silentCalls = Atomic<Int>(0)
        try await withHostileServer(calls: { _, call in
            let xid = call.getInteger(at: call.readerIndex, as: UInt32.self)!
            guard call.getInteger(at: call.readerIndex + 20, as: UInt32.self) == 2 else {
                silentCalls.add(1, ordering: .relaxed)
                return .silence
            }
            return .endlessFragments(xid: xid, size: 64 << 10, interval: .milliseconds(1), count: 4000)
        }) { server in
            try await withTCPClient(server, configuration: .init(maximumRecordSize: 1 << 20)) { client in
                async let other: Void = expectCode(.connectionClosed) {
                    try await call(client, procedure: 1, timeout: .seconds(60))
                }
                while silentCalls.load(ordering: .relaxed) == 0 {
                    try await Task.sleep(for: .milliseconds(5))
                }
                await expectCode(.replyTooLarge) { try await call(client, procedure: 2, timeout: .seconds(60)) }
                await other
            }
        }
    }

    @Test func aReplyTrickledAByteAtATimeEndsAtTheCallsDeadline() async throws {
        try await withHostileServer({ _, xid in
            let reply = HostileServer.framed(HostileServer.stringReply(xid: xid, String(repeating: "t", count: 400)))
            return .writes(
                reply.readableBytesView.map { byte in (.milliseconds(20), ByteBuffer(bytes: [byte])) })
        }) { server in
            try await withTCPClient(server) { client in
                await expectCode(.timedOut) { try await call(client, timeout: .milliseconds(500)) }
            }
            // Over UDP each byte is a datagram of its own: none is a reply, and the call,
            // retransmitted meanwhile, ends at its deadline.
            try await withUDPClient(server) { client in
                await expectCode(.timedOut) { try await call(client, timeout: .milliseconds(500)) }
            }
        }
    }

    @Test func aVerifierOver400BytesIsRefused() async throws {
        try await withHostileServer({ _, xid in
            let reply = HostileServer.successReply(xid: xid, verifierBody: 404) { writer in try! writer.write("v") }
            return .record(reply)
        }) { server in
            try await withTCPClient(server) { client in
                await expectCode(.invalidReply) { try await call(client) }
            }
        }
        try await withHostileServer({ _, xid in
            .record(HostileServer.successReply(xid: xid, verifierBody: 404) { try! $0.write("v") })
        }) { server in
            try await withUDPClient(server) { client in
                await expectCode(.invalidReply) { try await call(client) }
            }
        }
    }

    @Test func aVerifierOf400BytesIsAccepted() async throws {
        try await withHostileServer({ _, xid in
            .record(HostileServer.successReply(xid: xid, verifierBody: 400) { try! $0.write("v") })
        }) { server in
            try await withUDPClient(server) { client in
                let v = try await call(client)
                #expect(v == "v")
            }
        }
    }

    @Test func wrongXIDsAndGarbageDatagramsEndAtTheTimeoutAndARealReplyStillCounts() async throws {
        // Every transmission is answered with garbage and a reply to another xid; the fourth
        // with the real reply too. The call ends with it, after its retransmissions.
        try await withHostileServer({ index, xid in
            var garbage = ByteBuffer()
            garbage.writeRepeatingByte(0xFF, count: 3)
            var answers: [(delay: TimeAmount, bytes: ByteBuffer)] = [
                (.zero, garbage), (.zero, HostileServer.stringReply(xid: xid &+ 1, "not yours")),
            ]
            if index >= 3 {
                answers.append((.zero, HostileServer.stringReply(xid: xid, "at last")))
            }
            return .writes(answers)
        }) { server in
            try await withUDPClient(server) { client in
                let last = try await call(client, timeout: .seconds(20))
                #expect(last == "at last")
            }
        }
        try await withHostileServer({ _, xid in
            .record(HostileServer.stringReply(xid: xid &+ 1, "not yours"))
        }) { server in
            try await withUDPClient(server) { client in
                await expectCode(.timedOut) { try await call(client, timeout: .milliseconds(700)) }
            }
        }
    }
}

/// A generated client (rpcbind's, from xdr/pmap_prot.x) decodes results with the same limits a
/// server applies to arguments.
@Suite("Generated results under a hostile server", .timeLimit(.minutes(1)))
struct HostileResultTests {
    /// A portmap DUMP reply with `count` entries, ending with `end` (0 ends the list).
    static func dumpReply(xid: UInt32, count: Int, end: UInt32? = 0) -> ByteBuffer {
        HostileServer.successReply(xid: xid) { writer in
            for index in 0..<count {
                writer.writeUInt32(1)
                for field in [UInt32(100_000 + index), 2, 6, 111] { writer.writeUInt32(field) }
            }
            if let end { writer.writeUInt32(end) }
        }
    }

    func dump(
        port: Int, decodingOptions: XDRDecodingOptions = .default
    ) async throws -> [PortmapMapping] {
        try await withRPCClient(
            transport: TCPClientTransport(server: .host("127.0.0.1", port: port)),
            defaultOptions: RPCCallOptions(timeout: .seconds(10)), decodingOptions: decodingOptions
        ) { client in
            RPCBindClient.array(try await RPCBindClient(wrapping: client).version2.dump())
        }
    }

    func expectInvalidReply(_ body: () async throws -> [PortmapMapping]) async {
        do {
            let entries = try await body()
            Issue.record("expected invalidReply, got \(entries.count) entries")
        } catch let error as RPCError {
            #expect(error.code == .invalidReply, "\(error)")
        } catch {
            Issue.record("expected invalidReply, got \(error)")
        }
    }

    @Test func aLongListIsDecodedIterativelyWithinTheDefaults() async throws {
        // 150,000 nodes: far deeper than any recursion could go, well inside 64 MiB.
        try await withHostileServer({ _, xid in .record(Self.dumpReply(xid: xid, count: 150_000)) }) { server in
            let entries = try await dump(port: server.tcpPort)
            #expect(entries.count == 150_000)
            #expect(entries.last.map { Int($0.prog) } == 249_999)
        }
    }

    @Test func aListOverTheAllocationBudgetIsRefused() async throws {
        try await withHostileServer({ _, xid in .record(Self.dumpReply(xid: xid, count: 1000)) }) { server in
            await expectInvalidReply {
                try await dump(port: server.tcpPort, decodingOptions: XDRDecodingOptions(maximumAllocation: 4096))
            }
        }
    }

    @Test func aListThatDoesNotEndIsRefused() async throws {
        // "More follows" and then the reply ends; and a flag that is neither 0 nor 1.
        try await withHostileServer({ index, xid in
            .record(Self.dumpReply(xid: xid, count: 20, end: index == 0 ? nil : 7))
        }) { server in
            await expectInvalidReply { try await dump(port: server.tcpPort) }
            await expectInvalidReply { try await dump(port: server.tcpPort) }
        }
    }
}
