import NIOCore
import Testing
import XDR

@Suite("XDRWriter: large buffers referenced, not copied")
struct ReferencedBufferTests {
    /// Writes the same items (with a 21-byte opaque and a 60-byte string given as buffers, and
    /// a 4-byte opaque below the threshold) to `writer`.
    static func writeItems(to writer: inout XDRWriter) throws {
        writer.writeUInt32(0xAABB_CCDD)
        try writer.writeVariableOpaque(ByteBuffer(bytes: Array(1...21)))
        try writer.writeVariableOpaque(ByteBuffer(bytes: [9, 9, 9, 9]))
        try writer.writeStringBytes(ByteBuffer(string: String(repeating: "x", count: 60)), maxLength: 255)
        writer.writeUInt64(7)
    }

    static func headroomWriter(threshold: Int) -> XDRWriter {
        // Room for the headroom, the first word and the opaque's length, not for its bytes.
        var writer = XDRWriter(capacity: 12)
        writer.referenceThreshold = threshold
        writer.buffer.moveWriterIndex(forwardBy: 4)
        writer.buffer.moveReaderIndex(forwardBy: 4)
        return writer
    }

    @Test func referencedBuffersSitBetweenTheBytesAroundThemAndJoinToTheCopiedEncoding() throws {
        var copying = Self.headroomWriter(threshold: .max)
        try Self.writeItems(to: &copying)
        var referencing = Self.headroomWriter(threshold: 16)
        try Self.writeItems(to: &referencing)

        let (first, rest) = referencing.buffers
        // uint + opaque length | 21 bytes | pad, small opaque, string length | 60 bytes | hyper
        #expect(rest.map(\.readableBytes) == [21, 3 + 8 + 4, 60, 8])
        #expect(first.readableBytes == 8)
        #expect(first.readerIndex == 4)
        #expect(rest[0] == ByteBuffer(bytes: Array(1...21)))
        #expect(copying.buffers.rest.isEmpty)

        let joined = referencing.buffer
        #expect(joined == copying.buffer)
        #expect(joined.readerIndex == 4)
        var concatenated = first
        for part in rest { concatenated.writeImmutableBuffer(part) }
        #expect(concatenated == copying.buffer)
    }

    @Test func changingTheBufferOfAReferencingWriterJoinsItFirst() throws {
        var copying = Self.headroomWriter(threshold: .max)
        var referencing = Self.headroomWriter(threshold: 16)
        try Self.writeItems(to: &copying)
        try Self.writeItems(to: &referencing)
        copying.buffer.writeInteger(UInt16(0x0102))
        referencing.buffer.writeInteger(UInt16(0x0102))
        #expect(referencing.buffers.rest.isEmpty)
        copying.writeUInt32(5)
        referencing.writeUInt32(5)
        #expect(referencing.buffer == copying.buffer)
    }

    @Test func aLargeBufferThatFitsIsCopied() throws {
        var writer = XDRWriter(capacity: 256)
        writer.referenceThreshold = 16
        try writer.writeVariableOpaque(ByteBuffer(bytes: Array(1...100)))
        #expect(writer.buffers.rest.isEmpty)
        #expect(writer.buffer.readableBytes == 104)
    }

    @Test func aWriterCopiesEverythingByDefault() throws {
        var writer = XDRWriter()
        try writer.writeVariableOpaque(ByteBuffer(repeating: 1, count: 1 << 20))
        #expect(writer.buffers.rest.isEmpty)
        #expect(writer.buffer.readableBytes == 4 + (1 << 20))
    }
}
