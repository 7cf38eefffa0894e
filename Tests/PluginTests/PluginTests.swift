import NIOCore
import ONCRPC
import ONCRPCInProcessTransport
import Testing
import XDR

// EchoRequest and Ping come from ping.x, compiled by the build-tool plugin during the build.

struct PingService: Ping.V1.ServiceProtocol {
    func echo(_ argument: EchoRequest, context: RPCServerContext) async throws -> Message {
        String(repeating: argument.text, count: Int(argument.times))
    }
}

@Suite("The swift-rpcgen build-tool plugin")
struct PluginTests {
    @Test func generatedTypesAreInternalAndWork() throws {
        let request = EchoRequest(text: "hi", times: 2)
        #expect(try request.xdrByteArray() == [0, 0, 0, 2, 0x68, 0x69, 0, 0, 0, 0, 0, 2])
        #expect(Ping.program == 0x2000_0321)
    }

    @Test func generatedStubsTalk() async throws {
        let pair = InProcessTransport()
        let server = RPCServer(transports: [pair.server], services: [PingService()])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await withRPCClient(transport: pair.client) { rpc in
                let reply = try await Ping.V1.Client(wrapping: rpc).echo(EchoRequest(text: "ab", times: 3))
                #expect(reply == "ababab")
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }
}

// ExtProg, ExtItem and ExtColour come from extensions.x: a namespace, a pragma, a keyword as a
// field name, ';' between enum members, anonymous sized arguments and results, named arguments.

struct ExtensionsService: Ext.V1.ServiceProtocol {
    func echo(_ text: String, context: RPCServerContext) async throws -> String { text + text }
    func blob(_ argument: ExtBlobArgument, context: RPCServerContext) async throws -> ExtBlobResult {
        ByteBuffer(bytes: argument.readableBytesView.reversed())
    }
    func add(a: Int32, b: Int32, context: RPCServerContext) async throws -> Int32 { a - b }
    func get(key: ExtGetArgument1, version: Int32, context: RPCServerContext) async throws -> ExtItem {
        ExtItem(version: version, colour: .extBlue, name: key)
    }
}

@Suite("Generated code from the extensions real .x files use")
struct ExtensionsTests {
    @Test func namedAndAnonymousArgumentsGoOverTheWire() async throws {
        let pair = InProcessTransport()
        let server = RPCServer(transports: [pair.server], services: [ExtensionsService()])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await withRPCClient(transport: pair.client) { rpc in
                let client = Ext.V1.Client(wrapping: rpc)
                #expect(try await client.echo("ab") == "abab")
                // Labels keep the order: a - b.
                #expect(try await client.add(a: 7, b: 2) == 5)
                let blob = try await client.blob(ByteBuffer(bytes: [1, 2, 3]))
                #expect(Array(blob.readableBytesView) == [3, 2, 1])
                let item = try await client.get(key: "k", version: 9)
                #expect(item == ExtItem(version: 9, colour: .extBlue, name: "k"))
                // The argument's maximum is enforced: 33 bytes for a string<32>.
                await #expect(throws: (any Error).self) {
                    _ = try await client.get(key: String(repeating: "x", count: 33), version: 1)
                }
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }

    @Test func enumMembersSeparatedBySemicolonsKeepTheirValues() {
        #expect(ExtColour.allCases.map(\.rawValue) == [0, 1, 2])
    }
}

// RelayRequest comes from relay.x, which uses ping.x's echo_request and message without
// including ping.x: the target's .x files are one unit, and each type is generated once.

struct RelayService: Relay.V1.ServiceProtocol {
    func relay(_ argument: RelayRequest, context: RPCServerContext) async throws -> Message {
        argument.via + ":" + String(repeating: argument.inner.text, count: Int(argument.inner.times))
    }
}

@Suite("The .x files of a plugin target as one unit")
struct UnitTests {
    @Test func aFileUsesAnotherFilesTypes() async throws {
        let pair = InProcessTransport()
        let server = RPCServer(transports: [pair.server], services: [RelayService(), PingService()])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await withRPCClient(transport: pair.client) { rpc in
                let request = RelayRequest(inner: EchoRequest(text: "ab", times: 2), via: "r1")
                let reply = try await Relay.V1.Client(wrapping: rpc).relay(request)
                #expect(reply == "r1:abab")
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }
}

// Stream.V1 comes from stream.x, whose entry_stream the configuration streams: STREAM_ALL
// returns every entry, as NIS YPPROC_ALL does.

struct StreamService: Stream.V1.ServiceProtocol {
    func all(_ argument: Int32, context: RPCServerContext) async throws -> [EntryKv] {
        (0..<argument).map { EntryKv(key: "k\($0)", value: "v\($0)") }
    }
}

@Suite("Streamed results")
struct StreamedResultTests {
    @Test func everyEntryComesBackNotOnlyTheFirst() async throws {
        let pair = InProcessTransport()
        let server = RPCServer(transports: [pair.server], services: [StreamService()])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await withRPCClient(transport: pair.client) { rpc in
                let client = Stream.V1.Client(wrapping: rpc)
                let entries = try await client.all(3)
                #expect(entries.map(\.key) == ["k0", "k1", "k2"])
                let none = try await client.all(0)
                #expect(none.isEmpty)
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }

    @Test func theWireFormIsEachEntryAfterTrueThenFalse() throws {
        var writer = XDRWriter()
        try writer.writeStream([EntryKv(key: "a", value: "b")]) { w, e in try e.encode(to: &w) }
        #expect(
            Array(writer.buffer.readableBytesView) == [
                0, 0, 0, 1, 0, 0, 0, 1, 0x61, 0, 0, 0, 0, 0, 0, 1, 0x62, 0, 0, 0, 0, 0, 0, 0,
            ])
        // A stream cut before its FALSE is an error, not a short list.
        var cut = writer.buffer
        cut.moveWriterIndex(to: cut.writerIndex - 4)
        var reader = XDRReader(buffer: cut)
        #expect(throws: XDRDecodingError.self) { _ = try reader.readStream { try EntryKv(from: &$0) } }
    }
}
