import NIOCore
import ONCRPC
import ONCRPCInProcessTransport
import Testing
import XDR

// Tests of the Swift that swift-rpcgen generated from xdr/alltypes.x (Generated/alltypes.swift,
// kept fresh by scripts/check-generated-code.sh).

func makeEverything(list: Node? = Node(value: 1, label: "one", next: Node(value: 2, label: "two", next: nil)))
    -> Everything
{
    Everything(
        i: -5, u: 7, bare: 9, h: .min, uh: .max, f: -0.0, d: .pi, flag: true, c: .blue, n: "name",
        free: String(repeating: "f", count: 300), fixed: ByteBuffer(bytes: [1, 2, 3, 4]), bytes: ByteBuffer(bytes: [9]),
        small: ByteBuffer(bytes: [5, 6]), triple: [1, 2, 3], few: [4, 5], many: [], list: list, palette: [.red, .green])
}

@Suite("Generated code from xdr/alltypes.x")
struct GeneratedCodeTests {
    @Test func everythingRoundTrips() throws {
        let value = makeEverything()
        let bytes = try value.xdrBytes()
        let decoded = try Everything(xdrBytes: bytes, options: .strict)
        #expect(decoded == value)
        #expect(decoded.f.sign == .minus)
    }

    /// The largest values of the bounded types encode to exactly their maximum size, and the
    /// procedures' descriptors carry the sizes of their arguments and results.
    @Test func largestValuesTakeTheirMaximumEncodedSize() throws {
        let longest = String(repeating: "x", count: 255)
        #expect(try Result.text(discriminant: Colour.blue.rawValue, longest).xdrBytes().readableBytes == Result.maximumEncodedSize)
        #expect(try Maybe.value(longest).xdrBytes().readableBytes == Maybe.maximumEncodedSize)
        #expect(Colour.maximumEncodedSize == 4)
        #expect(Alltypes.V1.classify.maximumArgumentsSize == Colour.maximumEncodedSize)
        #expect(Alltypes.V1.classify.maximumResultSize == Result.maximumEncodedSize)
        var writer = XDRWriter()
        try writer.writeString(longest, maxLength: 255)
        try writer.writeString(longest, maxLength: 255)
        #expect(Alltypes.V1.concat.maximumArgumentsSize == writer.buffer.readableBytes)
        // Unbounded: a struct with string<> and a list, and a union with a list arm.
        #expect((Everything.self as Any.Type) as? any XDRBoundedEncodable.Type == nil)
        #expect((Choice.self as Any.Type) as? any XDRBoundedEncodable.Type == nil)
        #expect(Alltypes.V1.echoEverything.maximumArgumentsSize == nil)
        #expect(Alltypes.V1.pick.maximumResultSize == nil)
    }

    @Test func knownBytesOfAStruct() throws {
        let node = Node(value: 3, label: "ab", next: nil)
        #expect(try node.xdrByteArray() == [0, 0, 0, 3, 0, 0, 0, 2, 0x61, 0x62, 0, 0, 0, 0, 0, 0])
    }

    @Test func boundsAreEnforcedWithFieldPaths() throws {
        var value = makeEverything()
        value.n = String(repeating: "x", count: 256)
        let error = #expect(throws: XDREncodingError.self) { try value.xdrBytes() }
        #expect(error?.fieldPath == ["n"])
        value = makeEverything()
        value.triple = [1, 2]
        #expect(throws: XDREncodingError.self) { try value.xdrBytes() }
        value = makeEverything()
        value.fixed = ByteBuffer(bytes: [1])
        #expect(throws: XDREncodingError.self) { try value.xdrBytes() }
        value = makeEverything()
        value.palette = [.red, .red, .red]
        #expect(throws: XDREncodingError.self) { try value.xdrBytes() }
    }

    @Test func unionArms() throws {
        for value: Result in [
            .code(42), .text(discriminant: 1, "green"), .text(discriminant: 16, "blue"), .other(discriminant: 99),
        ] {
            #expect(try Result(xdrBytes: try value.xdrBytes()) == value)
        }
        #expect(try Result.code(1).xdrByteArray() == [0, 0, 0, 0, 0, 0, 0, 1])
        // A multi-label arm refuses a discriminant that is not one of its labels.
        #expect(throws: XDREncodingError.self) { try Result.text(discriminant: 0, "x").xdrBytes() }
        // The default arm refuses a named arm's discriminant.
        #expect(throws: XDREncodingError.self) { try Result.other(discriminant: 1).xdrBytes() }
        // No default: an unknown discriminant is an error.
        let error = #expect(throws: XDRDecodingError.self) { try Choice(xdrBytes: [0, 0, 0, 9]) }
        #expect(error?.code == .invalidUnionDiscriminant)
        #expect(try Choice(xdrBytes: [0xFF, 0xFF, 0xFF, 0xF9, 0, 0, 0, 0, 0, 0, 0, 5]) == .big(5))
        #expect(try Maybe(xdrBytes: try Maybe.value("v").xdrBytes()) == .value("v"))
        #expect(try Maybe.false.xdrByteArray() == [0, 0, 0, 0])
    }

    @Test func longListsAreIterative() throws {
        var list: Node? = nil
        for index in (0..<100_000).reversed() {
            list = Node(value: Int32(index), label: "", next: list)
        }
        let bytes = try list!.xdrBytes()
        #expect(bytes.readableBytes == 100_000 * 12)
        let decoded = try Node(xdrBytes: bytes)
        #expect(decoded == list!)
        var count = 0
        var current: Node? = decoded
        while let node = current {
            #expect(node.value == Int32(count))
            count += 1
            current = node.next
        }
        #expect(count == 100_000)
        list = nil  // releasing 100,000 links must not overflow the stack
    }

    @Test func truncatedListsThrow() throws {
        let bytes = try Node(value: 1, label: "a", next: Node(value: 2, label: "b", next: nil)).xdrByteArray()
        for length in 0..<bytes.count {
            #expect(throws: XDRDecodingError.self) { try Node(xdrBytes: Array(bytes.prefix(length))) }
        }
    }
}

/// A server for the alltypes program, implemented through the generated protocol.
struct AllTypesService: Alltypes.V1.ServiceProtocol {
    func echoEverything(_ argument: Everything, context: RPCServerContext) async throws -> Everything { argument }

    func classify(_ argument: Colour, context: RPCServerContext) async throws -> Result {
        switch argument {
        case .red: .code(-1)
        case .green, .blue: .text(discriminant: argument.rawValue, "\(argument)")
        }
    }

    func concat(_ argument1: Name, _ argument2: Name, context: RPCServerContext) async throws -> Name {
        argument1 + argument2
    }

    func reverse(_ argument: Node, context: RPCServerContext) async throws -> Node {
        var reversed: Node? = nil
        var current: Node? = argument
        while let node = current {
            reversed = Node(value: node.value, label: node.label, next: reversed)
            current = node.next
        }
        return reversed!
    }

    func pick(_ argument: Int32, context: RPCServerContext) async throws -> Choice {
        switch argument {
        case 0: .case0
        case 1: .all(makeEverything(list: nil))
        default: .big(Int64(argument))
        }
    }
}

@Suite("Generated client and service over the in-process transport")
struct GeneratedStubTests {
    @Test func everyProcedure() async throws {
        let pair = InProcessTransport()
        let server = RPCServer(transports: [pair.server], services: [AllTypesService()])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await withRPCClient(transport: pair.client) { rpc in
                let client = Alltypes.V1.Client(wrapping: rpc)
                try await client.null()
                let everything = makeEverything()
                let echoed = try await client.echoEverything(everything)
                #expect(echoed == everything)
                let red = try await client.classify(.red)
                #expect(red == .code(-1))
                let blue = try await client.classify(.blue)
                #expect(blue == .text(discriminant: 16, "blue"))
                let joined = try await client.concat("ab", "cd")
                #expect(joined == "abcd")
                let reversed = try await client.reverse(
                    Node(value: 1, label: "a", next: Node(value: 2, label: "b", next: nil)))
                #expect(reversed.value == 2 && reversed.next?.value == 1)
                let picked = try await client.pick(-7)
                #expect(picked == .big(-7))
                let tooLong = await #expect(throws: RPCError.self) {
                    _ = try await client.concat(String(repeating: "x", count: 256), "")
                }
                #expect(tooLong?.code == .encodingFailed)
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(Alltypes.program == 0x2000_0123)
        #expect(Alltypes.V1.concat.procedure == 3)
    }
}
