import NIOCore
import ONCRPC
import ONCRPCTestSupport
import Synchronization
import Testing
import XDR

/// A client transport that plays a server which hands out an AUTH_SHORT credential, accepts it
/// once, then forgets it.
final class ShortCredentialServer: RPCClientTransport {
    let seen = Mutex<[RPCAuthFlavor]>([])
    let shortBody = ByteBuffer(bytes: [0xC0, 0xFF, 0xEE, 0x00])

    func run() async throws {}
    func beginGracefulShutdown() {}

    func roundTrip(_ call: ByteBuffer, xid: UInt32, options: RPCCallOptions) async throws -> ByteBuffer {
        var reader = XDRReader(buffer: call)
        guard case .call(let header) = try RPCMessageHeader.decode(from: &reader) else {
            throw RPCError(code: .invalidReply, message: "not a call")
        }
        let calls = seen.withLock { seen -> Int in
            seen.append(header.credentials.flavor)
            return seen.count
        }
        let body: RPCReplyHeader.Body
        switch calls {
        case 1:  // full AUTH_SYS: accept and hand out a short credential
            body = .accepted(verifier: RPCOpaqueAuth(flavor: .short, body: shortBody), status: .success)
        case 2:  // the short credential: accept it
            #expect(header.credentials == RPCOpaqueAuth(flavor: .short, body: shortBody))
            body = .accepted(verifier: .none, status: .success)
        case 3:  // the short credential again: forgotten
            body = .denied(.authError(.rejectedCredential))
        default:  // the full credential again
            body = .accepted(verifier: .none, status: .success)
        }
        var writer = XDRWriter()
        try RPCReplyHeader(xid: xid, body: body).encode(to: &writer)
        return writer.buffer
    }
}

@Suite("AUTH_SHORT on the client")
struct AuthShortTests {
    @Test func shortCredentialsAreReplayedAndDroppedWhenRejected() async throws {
        let server = ShortCredentialServer()
        let options = RPCCallOptions(credentials: .sys(AuthSysParameters(machineName: "c", uid: 5, gid: 5)))
        try await withRPCClient(transport: server) { client in
            for _ in 0..<3 {
                try await client.ping(program: 1, version: 1, options: options)
            }
        }
        #expect(server.seen.withLock { $0 } == [.sys, .short, .short, .sys])
    }
}
