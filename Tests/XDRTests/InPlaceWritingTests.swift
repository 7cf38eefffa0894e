import NIOCore
import Testing
import XDR

/// The writer's fast paths for strings and opaque data (one capacity check, the last word zeroed
/// before the data is copied over it, short data copied inline) and the writing of values in
/// place (`encode(contentsOf:to:)`, `writeString(inPlace:)`, `writeVariableOpaque(inPlace:)`,
/// `writeFixedOpaque(inPlace:length:)`).
@Suite("XDRWriter: data written in place, padded over stale memory")
struct InPlaceWritingTests {
    /// A writer whose buffer memory holds 0xAA everywhere past the writer index, as a reused
    /// buffer does after `clear()`: padding the writer does not store would show as 0xAA.
    static func staleWriter(capacity: Int) -> XDRWriter {
        var buffer = ByteBufferAllocator().buffer(capacity: capacity)
        buffer.writeRepeatingByte(0xAA, count: buffer.capacity)
        buffer.clear()
        return XDRWriter(buffer: buffer)
    }

    /// `length` big-endian (when `prefixed`), then `bytes`, then zeros to a multiple of four.
    static func expected(_ bytes: [UInt8], prefixed: Bool) -> [UInt8] {
        var out: [UInt8] = []
        if prefixed {
            out += withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { Array($0) }
        }
        out += bytes
        out += [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4)
        return out
    }

    /// Data of every length from 0 to 100 bytes (the inline copy covers 8 to 64), with a
    /// different byte at each position so that a misplaced or overlapping word shows.
    static let samples: [[UInt8]] = (0...100).map { length in
        (0..<length).map { UInt8(truncatingIfNeeded: 1 &+ $0 &* 7) }
    }

    @Test(arguments: [4096, 1])
    func everyWayOfWritingDataPadsWithZerosOverStaleBytes(capacity: Int) throws {
        for bytes in Self.samples {
            let length = bytes.count
            let string = String(decoding: bytes.map { $0 % 64 + 48 }, as: UTF8.self)
            let buffer = ByteBuffer(bytes: bytes)
            var writer = Self.staleWriter(capacity: capacity)
            try writer.writeString(string)
            try writer.writeVariableOpaque(buffer)
            try writer.writeVariableOpaque(bytes: bytes)
            try writer.writeFixedOpaque(buffer, length: length)
            try writer.writeFixedOpaque(bytes: bytes, length: length)
            try writer.writeVariableOpaque(inPlace: buffer)
            try writer.writeFixedOpaque(inPlace: buffer, length: length)
            try writer.writeString(inPlace: string)
            let variable = Self.expected(bytes, prefixed: true)
            let fixed = Self.expected(bytes, prefixed: false)
            let text = Self.expected(Array(string.utf8), prefixed: true)
            let expected = text + variable + variable + fixed + fixed + variable + fixed + text
            #expect(Array(writer.buffer.readableBytesView) == expected, "length \(length), capacity \(capacity)")
        }
    }

    @Test func dataInPlaceIsCheckedLikeDataByValue() throws {
        var writer = XDRWriter()
        let five = ByteBuffer(bytes: [1, 2, 3, 4, 5])
        #expect(throws: XDREncodingError.self) { try writer.writeVariableOpaque(inPlace: five, maxLength: 4) }
        #expect(throws: XDREncodingError.self) { try writer.writeFixedOpaque(inPlace: five, length: 4) }
        #expect(throws: XDREncodingError.self) { try writer.writeFixedOpaque(inPlace: five, length: 6) }
        #expect(throws: XDREncodingError.self) { try writer.writeString(inPlace: "five!", maxLength: 4) }
        #expect(writer.buffer.readableBytes == 0)
    }

    @Test func largeDataInPlaceIsStillReferencedWhenItDoesNotFit() throws {
        var writer = XDRWriter(capacity: 16)
        writer.referenceThreshold = 1024
        let large = ByteBuffer(repeating: 0x5A, count: 4099)
        try writer.writeVariableOpaque(inPlace: large)
        writer.writeUInt32(7)
        let (first, rest) = writer.buffers
        // The length word, the referenced buffer itself, then its one byte of padding and the
        // next word.
        #expect(first.readableBytes == 4)
        #expect(rest.count == 2)
        #expect(rest[0] == large)
        #expect(Array(rest[1].readableBytesView) == [0, 0, 0, 0, 7])
    }

    /// A type with only the default `encode(contentsOf:to:)`, which writes each element with
    /// `encode(to:)`.
    struct Pair: XDREncodable {
        var name: String
        var data: ByteBuffer
        func encode(to writer: inout XDRWriter) throws {
            try writer.writeString(name)
            try writer.writeVariableOpaque(data)
        }
    }

    @Test func arraysOfTypesWithTheDefaultInPlaceEncoderWriteEachElement() throws {
        let pairs = (0..<5).map {
            Pair(name: String(repeating: "n", count: $0 * 5), data: ByteBuffer(bytes: Array(0..<UInt8($0 * 3))))
        }
        var writer = Self.staleWriter(capacity: 8)
        try writer.writeArray(pairs)
        var expected: [UInt8] = [0, 0, 0, 5]
        for pair in pairs {
            expected += Self.expected(Array(pair.name.utf8), prefixed: true)
            expected += Self.expected(Array(pair.data.readableBytesView), prefixed: true)
        }
        #expect(Array(writer.buffer.readableBytesView) == expected)
    }
}
