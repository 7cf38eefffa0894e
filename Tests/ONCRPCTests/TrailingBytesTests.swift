import NIOCore
import ONCRPC
import ONCRPCInProcessTransport
import Testing
import XDR

/// A reply whose results end before its bytes do (a result read only in part, or a server of
/// another protocol revision): an error under strict decoding options, ignored (and logged at
/// debug level) by default.
@Suite("Results that leave bytes unread")
struct TrailingBytesTests {
    /// Runs `body` with a client of a server whose procedure 1 answers two ints.
    func withServer(decodingOptions: XDRDecodingOptions, _ body: (RPCClient) async throws -> Void) async throws {
        let pair = InProcessTransport()
        let twoInts = RPCMethod(procedure: 1, name: "TWO") { (_: XDRVoid, _) -> [Int32] in [7, 8] }
        let server = RPCServer(
            transports: [pair.server],
            services: [RPCServiceDefinition(program: 0x2000_0330, version: 1, methods: [twoInts])])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await withRPCClient(transport: pair.client, decodingOptions: decodingOptions) { try await body($0) }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }

    @Test func byDefaultTheBytesLeftAreIgnored() async throws {
        try await withServer(decodingOptions: .default) { client in
            // Reads the array's count only: two ints are left.
            let count = try await client.call(
                program: 0x2000_0330, version: 1, procedure: 1, arguments: XDRVoid(), resultType: Int32.self)
            #expect(count == 2)
        }
    }

    @Test func strictOptionsRejectThem() async throws {
        #expect(XDRDecodingOptions.strict.rejectsTrailingBytes && !XDRDecodingOptions.default.rejectsTrailingBytes)
        try await withServer(decodingOptions: .strict) { client in
            let error = await #expect(throws: RPCError.self) {
                _ = try await client.call(
                    program: 0x2000_0330, version: 1, procedure: 1, arguments: XDRVoid(), resultType: Int32.self)
            }
            #expect(error?.code == .invalidReply)
            #expect(error?.message.contains("8 bytes after its results") == true, "\(String(describing: error))")
            // The whole result reads fine under the same options.
            let both = try await client.call(
                program: 0x2000_0330, version: 1, procedure: 1, arguments: XDRVoid(), resultType: [Int32].self)
            #expect(both == [7, 8])
        }
    }
}
