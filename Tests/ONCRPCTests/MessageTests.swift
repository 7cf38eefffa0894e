import NIOCore
import ONCRPC
import Testing
import XDR

func words(_ values: UInt32...) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bigEndian) { Array($0) } }
}

@Suite("RFC 5531 messages")
struct MessageTests {
    @Test func callHeaderBytes() throws {
        var writer = XDRWriter()
        try RPCCallHeader(xid: 0x0102_0304, program: 100_003, version: 3, procedure: 1).encode(to: &writer)
        #expect(Array(writer.buffer.readableBytesView) == words(0x0102_0304, 0, 2, 100_003, 3, 1, 0, 0, 0, 0))
        var reader = XDRReader(buffer: writer.buffer)
        #expect(
            try RPCMessageHeader.decode(from: &reader)
                == .call(RPCCallHeader(xid: 0x0102_0304, program: 100_003, version: 3, procedure: 1)))
    }

    static let replies: [(RPCReplyHeader.Body, [UInt8])] = [
        (.accepted(verifier: .none, status: .success), words(7, 1, 0, 0, 0, 0)),
        (.accepted(verifier: .none, status: .programUnavailable), words(7, 1, 0, 0, 0, 1)),
        (.accepted(verifier: .none, status: .programMismatch(low: 2, high: 4)), words(7, 1, 0, 0, 0, 2, 2, 4)),
        (.accepted(verifier: .none, status: .procedureUnavailable), words(7, 1, 0, 0, 0, 3)),
        (.accepted(verifier: .none, status: .garbageArguments), words(7, 1, 0, 0, 0, 4)),
        (.accepted(verifier: .none, status: .systemError), words(7, 1, 0, 0, 0, 5)),
        (.denied(.rpcMismatch(low: 2, high: 2)), words(7, 1, 1, 0, 2, 2)),
        (.denied(.authError(.badCredential)), words(7, 1, 1, 1, 1)),
        (.denied(.authError(.tooWeak)), words(7, 1, 1, 1, 5)),
        (.denied(.authError(RPCAuthStatus(rawValue: 14))), words(7, 1, 1, 1, 14)),
    ]

    @Test(arguments: 0..<MessageTests.replies.count)
    func everyReplyStatusEncodesExactly(_ index: Int) throws {
        let (body, bytes) = Self.replies[index]
        var writer = XDRWriter()
        try RPCReplyHeader(xid: 7, body: body).encode(to: &writer)
        #expect(Array(writer.buffer.readableBytesView) == bytes)
        var reader = XDRReader(buffer: ByteBuffer(bytes: bytes))
        #expect(try RPCMessageHeader.decode(from: &reader) == .reply(RPCReplyHeader(xid: 7, body: body)))
        #expect(reader.remainingBytes == 0)
    }

    @Test func undefinedStatusesAreRejected() {
        for bytes in [words(7, 1, 0, 0, 0, 6), words(7, 1, 1, 2), words(7, 1, 2), words(7, 2)] {
            var reader = XDRReader(buffer: ByteBuffer(bytes: bytes))
            #expect(throws: XDRDecodingError.self) { try RPCMessageHeader.decode(from: &reader) }
        }
    }

    @Test func authSysRoundTrip() throws {
        let parameters = AuthSysParameters(stamp: 9, machineName: "host", uid: 1000, gid: 100, gids: [4, 24, 27])
        let auth = try parameters.opaqueAuth()
        #expect(auth.flavor == .sys)
        #expect(Array(auth.body.readableBytesView) == words(9, 4) + Array("host".utf8) + words(1000, 100, 3, 4, 24, 27))
        #expect(try AuthSysParameters(xdrBytes: auth.body) == parameters)
    }

    @Test func authSysLimits() throws {
        let tooManyGroups = AuthSysParameters(machineName: "h", uid: 0, gid: 0, gids: Array(0..<17))
        #expect(throws: XDREncodingError.self) { try tooManyGroups.opaqueAuth() }
        let longName = AuthSysParameters(machineName: String(repeating: "m", count: 256), uid: 0, gid: 0)
        #expect(throws: XDREncodingError.self) { try longName.opaqueAuth() }
        // 17 groups on the wire are rejected by the decoder too.
        let wire = words(0, 1) + [0x68, 0, 0, 0] + words(0, 0, 17) + Array(repeating: 0, count: 68)
        #expect(throws: XDRDecodingError.self) { try AuthSysParameters(xdrBytes: wire) }
    }

    @Test func opaqueAuthBodyIsBounded() throws {
        let big = RPCOpaqueAuth(flavor: .dh, body: ByteBuffer(repeating: 1, count: 401))
        #expect(throws: XDREncodingError.self) { try big.xdrBytes() }
        var reader = XDRReader(buffer: ByteBuffer(bytes: words(3, 401) + Array(repeating: 0, count: 404)))
        let error = #expect(throws: XDRDecodingError.self) { try RPCOpaqueAuth(from: &reader) }
        #expect(error?.code == .lengthExceedsMaximum)
    }
}
