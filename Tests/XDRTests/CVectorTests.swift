import Foundation
import NIOCore
import Testing
import XDR

/// Byte vectors made by libtirpc's xdr_* routines (Interop/xdr-vectors/make-vectors.c),
/// decoded by the Swift codec value by value and re-encoded byte for byte.
@Suite("libtirpc-made XDR vectors")
struct CVectorTests {
    static let directory: String = {
        let file = "\(#filePath)"
        let tests = file.split(separator: "/").dropLast(3).joined(separator: "/")
        return "/" + tests + "/Interop/vectors"
    }()

    /// Reads a committed vector, failing with a clear message if it is missing.
    static func vector(_ name: String) throws -> ByteBuffer {
        let path = "\(directory)/\(name).xdr"
        guard let bytes = readFile(path) else {
            throw VectorMissing(path: path)
        }
        return ByteBuffer(bytes: bytes)
    }

    struct VectorMissing: Error, CustomStringConvertible {
        var path: String
        var description: String { "missing \(path): run scripts/make-xdr-vectors.sh (needs cc and libtirpc-dev)" }
    }

    /// Decodes the whole vector with `decode`, checks nothing is left, re-encodes with `encode`
    /// and checks the bytes are identical.
    static func roundTrip<T>(
        _ name: String,
        decode: (inout XDRReader) throws -> T,
        encode: (inout XDRWriter, T) throws -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> T {
        let bytes = try vector(name)
        var reader = XDRReader(buffer: bytes, options: .strict)
        let value = try decode(&reader)
        #expect(reader.remainingBytes == 0, "bytes left over in \(name)", sourceLocation: sourceLocation)
        var writer = XDRWriter()
        try encode(&writer, value)
        #expect(
            Array(writer.buffer.readableBytesView) == Array(bytes.readableBytesView),
            "re-encoding \(name) differs", sourceLocation: sourceLocation)
        return value
    }

    @Test func int() throws {
        let values = try Self.roundTrip(
            "int", decode: { r in try (0..<6).map { _ in try r.readInt32() } },
            encode: { w, v in v.forEach { w.writeInt32($0) } })
        #expect(values == [0, 1, -1, .min, .max, 123_456_789])
    }

    @Test func unsignedInt() throws {
        let values = try Self.roundTrip(
            "u_int", decode: { r in try (0..<5).map { _ in try r.readUInt32() } },
            encode: { w, v in v.forEach { w.writeUInt32($0) } })
        #expect(values == [0, 1, 0x8000_0000, .max, 0xDEAD_BEEF])
    }

    @Test func hyper() throws {
        let values = try Self.roundTrip(
            "hyper", decode: { r in try (0..<5).map { _ in try r.readInt64() } },
            encode: { w, v in v.forEach { w.writeInt64($0) } })
        #expect(values == [0, -1, .min, .max, 0x0123_4567_89AB_CDEF])
    }

    @Test func unsignedHyper() throws {
        let values = try Self.roundTrip(
            "u_hyper", decode: { r in try (0..<4).map { _ in try r.readUInt64() } },
            encode: { w, v in v.forEach { w.writeUInt64($0) } })
        #expect(values == [0, .max, 0x8000_0000_0000_0000, 0xFEDC_BA98_7654_3210])
    }

    @Test func bool() throws {
        let values = try Self.roundTrip(
            "bool", decode: { r in try (0..<3).map { _ in try r.readBool() } },
            encode: { w, v in v.forEach { w.writeBool($0) } })
        #expect(values == [true, false, true])
    }

    @Test func enumValues() throws {
        let values = try Self.roundTrip(
            "enum", decode: { r in try (0..<5).map { _ in try r.readInt32() } },
            encode: { w, v in v.forEach { w.writeInt32($0) } })
        #expect(values == [0, 1, 2, -5, 1000])
    }

    @Test func float() throws {
        let values = try Self.roundTrip(
            "float", decode: { r in try (0..<11).map { _ in try r.readFloat() } },
            encode: { w, v in v.forEach { w.writeFloat($0) } })
        let expected: [UInt32] = [
            0, 0x8000_0000, (1.5 as Float).bitPattern, (-3.25 as Float).bitPattern,
            Float.infinity.bitPattern, (-Float.infinity).bitPattern, Float.greatestFiniteMagnitude.bitPattern,
            Float.leastNormalMagnitude.bitPattern, 1, 0x7FC1_2345, 0xFF80_0001,
        ]
        #expect(values.map(\.bitPattern) == expected)
    }

    @Test func double() throws {
        let values = try Self.roundTrip(
            "double", decode: { r in try (0..<11).map { _ in try r.readDouble() } },
            encode: { w, v in v.forEach { w.writeDouble($0) } })
        let expected: [UInt64] = [
            0, 0x8000_0000_0000_0000, Double.pi.bitPattern, (-2.5e-300).bitPattern,
            Double.infinity.bitPattern, (-Double.infinity).bitPattern, Double.greatestFiniteMagnitude.bitPattern,
            Double.leastNormalMagnitude.bitPattern, 1, 0x7FF8_0000_DEAD_BEEF, 0xFFF0_0000_0000_0001,
        ]
        #expect(values.map(\.bitPattern) == expected)
    }

    @Test func string() throws {
        let values = try Self.roundTrip(
            "string", decode: { r in try (0..<8).map { _ in try r.readString(maxLength: 255) } },
            encode: { w, v in try v.forEach { try w.writeString($0, maxLength: 255) } })
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz")
        let long = String((0..<255).map { alphabet[$0 % 26] })
        #expect(values == ["", "a", "ab", "abc", "abcd", "abcde", "héllo wörld", long])
    }

    static let byteSource: [UInt8] = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 17 + 1) }

    @Test func bytes() throws {
        let values = try Self.roundTrip(
            "bytes", decode: { r in try (0..<10).map { _ in try r.readVariableOpaque(maxLength: 1000) } },
            encode: { w, v in try v.forEach { try w.writeVariableOpaque($0, maxLength: 1000) } })
        let lengths = [0, 1, 2, 3, 4, 5, 6, 7, 8, 1000]
        #expect(values.map { Array($0.readableBytesView) } == lengths.map { Array(Self.byteSource.prefix($0)) })
    }

    @Test func opaque() throws {
        let lengths = [0, 1, 2, 3, 4, 5, 7, 8]
        let values = try Self.roundTrip(
            "opaque", decode: { r in try lengths.map { try r.readFixedOpaque(length: $0) } },
            encode: { w, v in try zip(v, lengths).forEach { try w.writeFixedOpaque($0, length: $1) } })
        #expect(values.map { Array($0.readableBytesView) } == lengths.map { Array(Self.byteSource.prefix($0)) })
    }

    @Test func array() throws {
        let values = try Self.roundTrip(
            "array",
            decode: { r in
                (
                    try r.readArray(of: Int32.self, maxCount: 100),
                    try r.readArray(of: Int32.self, maxCount: 100),
                    try r.readArray(maxCount: 8) { try $0.readString() }
                )
            },
            encode: { w, v in
                try w.writeArray(v.0, maxCount: 100)
                try w.writeArray(v.1, maxCount: 100)
                try w.writeArray(v.2, maxCount: 8)
            })
        #expect(values.0 == [1, 2, 3, 5, 8, 13, 21, 34, 55, -89])
        #expect(values.1 == [])
        #expect(values.2 == ["one", "three", "seven"])
    }

    @Test func vector() throws {
        let values = try Self.roundTrip(
            "vector",
            decode: { r in
                (try r.readFixedArray(of: Int32.self, count: 5), try r.readFixedArray(of: UInt64.self, count: 3))
            },
            encode: { w, v in
                try w.writeFixedArray(v.0, count: 5)
                try w.writeFixedArray(v.1, count: 3)
            })
        #expect(values.0 == [10, -20, 30, -40, 50])
        #expect(values.1 == [1, 0xFF_FFFF_FFFF, .max])
    }

    @Test func pointer() throws {
        let values = try Self.roundTrip(
            "pointer", decode: { r in (try r.readOptional(Node.self), try r.readOptional(Node.self)) },
            encode: { w, v in
                try w.writeOptional(v.0)
                try w.writeOptional(v.1)
            })
        #expect(values.0?.values == [1, -2, 3])
        #expect(values.1 == nil)
    }

    /// The union of make-vectors.c: 0 void, 1 int, 2 string, default unsigned hyper.
    enum Choice: XDRCodable, Equatable {
        case nothing
        case number(Int32)
        case text(String)
        case other(discriminant: Int32, UInt64)

        init(from reader: inout XDRReader) throws {
            let discriminant = try reader.readInt32()
            switch discriminant {
            case 0: self = .nothing
            case 1: self = .number(try reader.readInt32())
            case 2: self = .text(try reader.readString())
            default: self = .other(discriminant: discriminant, try reader.readUInt64())
            }
        }

        func encode(to writer: inout XDRWriter) throws {
            switch self {
            case .nothing: writer.writeInt32(0)
            case .number(let value):
                writer.writeInt32(1)
                writer.writeInt32(value)
            case .text(let value):
                writer.writeInt32(2)
                try writer.writeString(value)
            case .other(let discriminant, let value):
                writer.writeInt32(discriminant)
                writer.writeUInt64(value)
            }
        }
    }

    @Test func union() throws {
        let values = try Self.roundTrip(
            "union", decode: { r in try (0..<4).map { _ in try Choice(from: &r) } },
            encode: { w, v in try v.forEach { try $0.encode(to: &w) } })
        #expect(values == [.nothing, .number(42), .text("two"), .other(discriminant: 9, 0x1122_3344_5566_7788)])
    }
}

/// Reads a whole file, or returns nil when it cannot be opened.
func readFile(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
}
