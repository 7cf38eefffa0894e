import Logging
import NIOCore
import ONCRPC
import ONCRPCTestSupport
import Testing
import XDR

@Suite("Server dispatch of hostile calls")
struct DispatcherTests {
    let dispatcher = RPCDispatcher(
        router: RPCRouter(services: [TestProgram.version1(), TestProgram.version2()]),
        logger: Logger(label: "test"))
    let peer = RPCPeer(transport: .inProcess, address: "test", isLocal: true)

    func replyBody(_ call: ByteBuffer) async throws -> RPCReplyHeader.Body? {
        guard let reply = await dispatcher.handle(record: call, peer: peer) else { return nil }
        return try TestProgram.replyHeader(reply).0.body
    }

    @Test func wrongRPCVersion() async throws {
        let call = try TestProgram.rawCall(xid: 1, rpcVersion: 3, procedure: 0)
        #expect(try await replyBody(call) == .denied(.rpcMismatch(low: 2, high: 2)))
    }

    @Test func oversizeCredentials() async throws {
        var call = try TestProgram.rawCall(xid: 2, procedure: 0)
        call.moveWriterIndex(to: call.readerIndex + 24)
        call.writeBytes(words(1, 500) + Array(repeating: 0, count: 500) + words(0, 0))
        #expect(try await replyBody(call) == .denied(.authError(.badCredential)))
    }

    @Test func malformedAuthSys() async throws {
        let call = try TestProgram.rawCall(
            xid: 3, procedure: 0, credentials: RPCOpaqueAuth(flavor: .sys, body: ByteBuffer(bytes: [0, 0, 0, 1])))
        #expect(try await replyBody(call) == .denied(.authError(.badCredential)))
    }

    @Test func staleShortCredential() async throws {
        let call = try TestProgram.rawCall(
            xid: 4, procedure: 0, credentials: RPCOpaqueAuth(flavor: .short, body: ByteBuffer(bytes: [1, 2, 3, 4])))
        #expect(try await replyBody(call) == .denied(.authError(.rejectedCredential)))
    }

    @Test func routing() async throws {
        #expect(
            try await replyBody(TestProgram.rawCall(xid: 5, program: 42, procedure: 0))
                == .accepted(verifier: .none, status: .programUnavailable))
        #expect(
            try await replyBody(TestProgram.rawCall(xid: 6, version: 9, procedure: 0))
                == .accepted(verifier: .none, status: .programMismatch(low: 1, high: 2)))
        #expect(
            try await replyBody(TestProgram.rawCall(xid: 7, procedure: 99))
                == .accepted(verifier: .none, status: .procedureUnavailable))
        #expect(
            try await replyBody(TestProgram.rawCall(xid: 8, procedure: 1, arguments: [0, 0, 0, 9]))
                == .accepted(verifier: .none, status: .garbageArguments))
        #expect(
            try await replyBody(TestProgram.rawCall(xid: 9, procedure: 0))
                == .accepted(verifier: .none, status: .success))
    }

    @Test func undecodableRecordsHaveNoReply() async throws {
        #expect(await dispatcher.handle(record: ByteBuffer(bytes: [1, 2, 3]), peer: peer) == nil)
        #expect(await dispatcher.handle(record: ByteBuffer(bytes: words(1, 1, 0, 0, 0, 0)), peer: peer) == nil)
        let truncatedCredentials = ByteBuffer(bytes: words(1, 0, 2, 1, 1, 1, 0, 8))
        #expect(await dispatcher.handle(record: truncatedCredentials, peer: peer) == nil)
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37) }
            _ = await dispatcher.handle(record: ByteBuffer(bytes: bytes), peer: peer)
        }
    }

    @Test func replyKeepsTheXID() async throws {
        let reply = await dispatcher.handle(
            record: try TestProgram.rawCall(xid: 0xDEAD_BEEF, procedure: 1, arguments: words(2) + [0x68, 0x69, 0, 0]),
            peer: peer)
        let (header, results) = try TestProgram.replyHeader(try #require(reply))
        #expect(header.xid == 0xDEAD_BEEF)
        #expect(try String(xdrBytes: results) == "hi")
    }

    @Test func duplicateRequestCache() throws {
        let cache = RPCDuplicateRequestCache(capacity: 2)
        let call = try TestProgram.rawCall(xid: 1, procedure: 6)
        let key = try #require(RPCDuplicateRequestCache.Key(call: call, peer: "a"))
        guard case .new = cache.lookup(key) else { Issue.record("expected new"); return }
        guard case .inProgress = cache.lookup(key) else { Issue.record("expected in progress"); return }
        cache.complete(key, reply: ByteBuffer(bytes: [1]))
        guard case .replay(let reply) = cache.lookup(key) else { Issue.record("expected replay"); return }
        #expect(reply == ByteBuffer(bytes: [1]))
        // A different peer or different bytes is a different call.
        let other = try #require(RPCDuplicateRequestCache.Key(call: call, peer: "b"))
        #expect(other != key)
        // The same bytes from another peer hash alike (only the xid and checksum are hashed)
        // and are still another call, not a replay of the first peer's.
        #expect(other.hashValue == key.hashValue)
        guard case .new = cache.lookup(other) else { Issue.record("expected another peer's call to be new"); return }
        // Capacity evicts the oldest.
        for xid in 2...4 as ClosedRange<UInt32> {
            let k = try #require(
                RPCDuplicateRequestCache.Key(call: try TestProgram.rawCall(xid: xid, procedure: 6), peer: "a"))
            _ = cache.lookup(k)
        }
        #expect(cache.count == 2)
        guard case .new = cache.lookup(key) else { Issue.record("expected the oldest evicted"); return }
    }

    @Test func callsThatDifferOnlyInTheirArgumentsHaveDifferentKeys() throws {
        // Same xid, peer and procedure; the arguments differ in one byte, wherever it is.
        let base: [UInt8] = Array(0..<23)
        let key = try #require(
            RPCDuplicateRequestCache.Key(
                call: try TestProgram.rawCall(xid: 9, procedure: 6, arguments: base), peer: "a"))
        for index in base.indices {
            var changed = base
            changed[index] ^= 0x80
            let other = try #require(
                RPCDuplicateRequestCache.Key(
                    call: try TestProgram.rawCall(xid: 9, procedure: 6, arguments: changed), peer: "a"))
            #expect(other.checksum != key.checksum, "byte \(index)")
        }
    }

    @Test func aForgottenCallIsRunAgainAndNotEvictedEarly() throws {
        let cache = RPCDuplicateRequestCache(capacity: 2)
        let keys = try (1...3 as ClosedRange<UInt32>).map {
            try #require(RPCDuplicateRequestCache.Key(call: try TestProgram.rawCall(xid: $0, procedure: 6), peer: "a"))
        }
        _ = cache.lookup(keys[0])
        cache.complete(keys[0], reply: nil)  // no reply: a retransmission must run the call again
        guard case .new = cache.lookup(keys[0]) else { Issue.record("expected new"); return }
        cache.complete(keys[0], reply: ByteBuffer(bytes: [7]))
        _ = cache.lookup(keys[1])  // two live entries: the stale first insertion must not evict keys[0]
        guard case .replay = cache.lookup(keys[0]) else {
            Issue.record("keys[0] was evicted by its stale insertion"); return
        }
        _ = cache.lookup(keys[2])
        #expect(cache.count == 2)
    }
}
