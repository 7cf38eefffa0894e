import NIOCore
import ONCRPC
import Testing

@testable import ONCRPCNIOTransport

@Suite("Small records written together")
struct RecordBatchTests {
    /// A message of `count` bytes of `byte`, with room for its record mark before it.
    static func message(_ byte: UInt8, count: Int) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count + RecordMarking.headroom)
        buffer.moveWriterIndex(forwardBy: RecordMarking.headroom)
        buffer.moveReaderIndex(forwardBy: RecordMarking.headroom)
        buffer.writeRepeatingByte(byte, count: count)
        return buffer
    }

    static func address(_ buffer: ByteBuffer) -> UnsafeRawPointer? {
        buffer.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func aLoneRecordLeavesInItsOwnBufferFramedInPlace() {
        var batch = RecordBatch()
        let message = Self.message(7, count: 40)
        let start = Self.address(message)! - RecordMarking.headroom
        // Given up, as the handlers give up their messages: nothing else holds its storage.
        batch.append(RPCMessageBytes(first: consume message), allocator: ByteBufferAllocator())
        var written: [ByteBuffer] = []
        batch.take(allocator: ByteBufferAllocator()) { written.append($0) }
        #expect(written.count == 1)
        #expect(Self.address(written[0]) == start, "framed in its headroom, not copied")
        #expect(
            written[0].getInteger(at: written[0].readerIndex, as: UInt32.self) == RecordMarking.lastFragmentBit | 40)
        #expect(written[0].readableBytes == 44)
        var nothing = 0
        batch.take(allocator: ByteBufferAllocator()) { _ in nothing += 1 }
        #expect(nothing == 0)
    }

    @Test func severalRecordsLeaveInOneBufferEachFramed() {
        var batch = RecordBatch()
        for (index, count) in [12, 0, 300].enumerated() {
            batch.append(
                RPCMessageBytes(first: Self.message(UInt8(index), count: count)), allocator: ByteBufferAllocator())
        }
        var written: [ByteBuffer] = []
        batch.take(allocator: ByteBufferAllocator()) { written.append($0) }
        #expect(written.count == 1)
        var bytes = written[0]
        var expected = ByteBuffer()
        for (index, count) in [12, 0, 300].enumerated() {
            expected.writeInteger(RecordMarking.lastFragmentBit | UInt32(count))
            expected.writeRepeatingByte(UInt8(index), count: count)
        }
        #expect(bytes == expected)
        bytes.clear()
    }

    @Test func onlySmallOneBufferRecordsWithinAFragmentAreBatched() {
        let small = RPCMessageBytes(first: Self.message(1, count: RecordBatch.recordLimit))
        let large = RPCMessageBytes(first: Self.message(1, count: RecordBatch.recordLimit + 1))
        let parts = RPCMessageBytes(first: Self.message(1, count: 8), rest: [Self.message(2, count: 8)])
        #expect(RecordBatch.accepts(small, maximumFragmentSize: 1 << 20))
        #expect(!RecordBatch.accepts(large, maximumFragmentSize: 1 << 20))
        #expect(!RecordBatch.accepts(parts, maximumFragmentSize: 1 << 20))
        #expect(!RecordBatch.accepts(small, maximumFragmentSize: 16))
    }
}
