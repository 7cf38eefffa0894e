import NIOCore
import ONCRPC
import Testing
import XDR

/// A transport that answers every call with the reply `makeReply` builds for its xid.
final class CannedReplyTransport: RPCClientTransport {
    let makeReply: @Sendable (_ xid: UInt32) -> [UInt8]

    init(_ makeReply: @escaping @Sendable (_ xid: UInt32) -> [UInt8]) {
        self.makeReply = makeReply
    }

    func run() async throws {}
    func beginGracefulShutdown() {}

    func roundTrip(_ call: ByteBuffer, xid: UInt32, options: RPCCallOptions) async throws -> ByteBuffer {
        ByteBuffer(bytes: makeReply(xid))
    }
}

/// How the client reads the reply header before the results (a plain SUCCESS is read without
/// the general decoder; anything else goes through it).
@Suite("Client reply headers")
struct ClientReplyTests {
    static func call(_ transport: CannedReplyTransport) async throws -> UInt32 {
        try await withRPCClient(transport: transport) { client in
            try await client.call(program: 1, version: 1, procedure: 1, arguments: XDRVoid(), resultType: UInt32.self)
        }
    }

    @Test func aPlainSuccessGivesTheResults() async throws {
        let transport = CannedReplyTransport { xid in words(xid, 1, 0, 0, 0, 0, 0xCAFE) }
        #expect(try await Self.call(transport) == 0xCAFE)
    }

    @Test func aSuccessWithAVerifierGivesTheResultsAfterIt() async throws {
        // AUTH_SYS verifier (flavor 1) with a 4-byte body, then SUCCESS and the results.
        let transport = CannedReplyTransport { xid in words(xid, 1, 0, 1, 4, 0xAAAA_AAAA, 0, 0xCAFE) }
        #expect(try await Self.call(transport) == 0xCAFE)
    }

    @Test func aReplyToAnotherXIDIsRefused() async throws {
        let transport = CannedReplyTransport { xid in words(xid &+ 1, 1, 0, 0, 0, 0, 0xCAFE) }
        let error = await #expect(throws: RPCError.self) { try await Self.call(transport) }
        #expect(error?.code == .invalidReply)
    }

    @Test func aCallIsNotAReply() async throws {
        let transport = CannedReplyTransport { xid in words(xid, 0, 0, 0, 0, 0, 0xCAFE) }
        let error = await #expect(throws: RPCError.self) { try await Self.call(transport) }
        #expect(error?.code == .invalidReply)
    }

    @Test func aNonZeroStatusIsNotSuccess() async throws {
        // The header's last word is accept_stat: PROG_UNAVAIL.
        let transport = CannedReplyTransport { xid in words(xid, 1, 0, 0, 0, 1) }
        let error = await #expect(throws: RPCError.self) { try await Self.call(transport) }
        #expect(error?.code == .programUnavailable)
    }

    @Test func aTruncatedHeaderIsRefused() async throws {
        let transport = CannedReplyTransport { xid in words(xid, 1, 0, 0, 0) }
        let error = await #expect(throws: RPCError.self) { try await Self.call(transport) }
        #expect(error?.code == .invalidReply)
    }
}
