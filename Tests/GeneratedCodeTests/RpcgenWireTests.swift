import Foundation
import NIOCore
import ONCRPCTestSupport
import Testing
import XDR

/// Wire compatibility with rpcgen: xdr/alltypes.x compiled by rpcgen -N (C, libtirpc) in
/// Interop/alltypes and by swift-rpcgen (Generated/alltypes.swift). The same sample values are
/// encoded on both sides and must be byte-identical; each side decodes the other's bytes.
@Suite("Wire compatibility with rpcgen's C", .timeLimit(.minutes(2)))
struct RpcgenWireTests {
    static let root: String = {
        "/" + "\(#filePath)".split(separator: "/").dropLast(3).joined(separator: "/")
    }()

    /// The samples of Interop/alltypes/alltypes-wire.c, built from the generated Swift.
    static func samples() throws -> [(name: String, bytes: ByteBuffer, decodesEqual: (ByteBuffer) throws -> Bool)] {
        func sample<T: XDRCodable & Equatable>(_ name: String, _ value: T) throws
            -> (name: String, bytes: ByteBuffer, decodesEqual: (ByteBuffer) throws -> Bool)
        {
            (name, try value.xdrBytes(), { try T(xdrBytes: $0, options: .strict) == value })
        }
        let full = Everything(
            i: -5, u: 7, bare: 9, h: .min, uh: .max, f: -0.0, d: .pi, flag: true, c: .blue, n: "name",
            free: String(repeating: "f", count: 300), fixed: ByteBuffer(bytes: [1, 2, 3, 4]),
            bytes: ByteBuffer(bytes: [9]), small: ByteBuffer(bytes: [5, 6]), triple: [1, 2, 3], few: [4, 5],
            many: [0, 1, .max], list: Node(value: 1, label: "one", next: Node(value: 2, label: "two", next: nil)),
            palette: [.red, .green])
        let empty = Everything(
            i: 0, u: 0, bare: 0, h: 0, uh: 0, f: 0, d: 0, flag: false, c: .red, n: "", free: "",
            fixed: ByteBuffer(bytes: [0, 0, 0, 0]), bytes: ByteBuffer(), small: ByteBuffer(), triple: [0, 0, 0],
            few: [], many: [], list: nil, palette: [])
        var chain: Node? = nil
        for k in (0..<1000).reversed() {
            chain = Node(value: Int32(k), label: "n\(k)", next: chain)
        }
        var concat = XDRWriter()
        try concat.writeString("left", maxLength: 255)
        try concat.writeString("right", maxLength: 255)
        let concatBytes = concat.buffer
        return [
            try sample("everything", full),
            try sample("everything-empty", empty),
            try sample("node-chain", chain!),
            try sample("result-red", Result.code(42)),
            try sample("result-green", Result.text(discriminant: 1, "green")),
            try sample("result-blue", Result.text(discriminant: 16, "blue")),
            try sample("result-other", Result.other(discriminant: 99)),
            try sample("choice-void", Choice.case0),
            try sample("choice-all", Choice.all(full)),
            try sample("choice-big", Choice.big(.min + 1)),
            try sample("maybe-some", Maybe.value("value")),
            try sample("maybe-none", Maybe.false),
            (
                "concat-arguments", concatBytes,
                { bytes in
                    var reader = XDRReader(buffer: bytes, options: .strict)
                    let pair = (try reader.readString(maxLength: 255), try reader.readString(maxLength: 255))
                    return pair == ("left", "right") && reader.remainingBytes == 0
                }
            ),
            try sample("colour", Colour.blue),
        ]
    }

    struct ToolFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a tool (on a thread of its own, through ONCRPCTestSupport's `runTool`) and returns
    /// its output; a non-zero status is an error that says what the tool needs.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let (status, output) = try await runTool(executable, arguments)
        guard status == 0 else {
            throw ToolFailed(
                description: "\(executable) \(arguments.joined(separator: " ")) failed "
                    + "(status \(status); it needs rpcgen, libtirpc-dev and cc, which scripts/test installs):\n\(output)")
        }
        return output
    }

    @Test func bothSidesEncodeTheSameBytesAndDecodeEachOther() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("alltypes-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: work) }
        let fromC = work + "/c"
        let fromSwift = work + "/swift"
        try FileManager.default.createDirectory(atPath: fromC, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: fromSwift, withIntermediateDirectories: true)
        try await Self.run("/bin/bash", [Self.root + "/Interop/alltypes/build.sh", work + "/build"])
        let tool = work + "/build/alltypes-wire"
        try await Self.run(tool, ["encode", fromC])

        let samples = try Self.samples()
        for sample in samples {
            // C bytes == Swift bytes, and Swift decodes the C bytes to the same value.
            let cBytes = try #require(FileManager.default.contents(atPath: "\(fromC)/\(sample.name).xdr"))
            #expect(Array(cBytes) == Array(sample.bytes.readableBytesView), "\(sample.name): bytes differ")
            #expect(
                try sample.decodesEqual(ByteBuffer(bytes: cBytes)), "\(sample.name): Swift decodes a different value")
            _ = FileManager.default.createFile(
                atPath: "\(fromSwift)/\(sample.name).xdr", contents: Data(sample.bytes.readableBytesView))
        }
        // rpcgen's C decodes every Swift encoding to its own sample.
        let report = try await Self.run(tool, ["check", fromSwift])
        #expect(report.contains("\(samples.count) samples decoded and match"), "\(report)")
    }
}
