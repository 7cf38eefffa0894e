import NIOCore
import ONCRPC
import Testing

@testable import ONCRPCNIOTransport

@Suite("Records read out of a stream by the stream handlers")
struct RecordReaderTests {
    static let records: [[UInt8]] = [Array(0..<40), [], Array(repeating: 0xCD, count: 90), Array("last".utf8)]

    /// The records, record-marked in fragments of at most 32 bytes, as one stream.
    static func stream() -> ByteBuffer {
        var stream = ByteBuffer()
        for record in records {
            RecordMarking.frame(ByteBuffer(bytes: record), into: &stream, maximumFragmentSize: 32)
        }
        return stream
    }

    @Test func everySplitOfTheStreamIntoTwoReadsGivesTheSameRecords() throws {
        let stream = Self.stream()
        for split in 0...stream.readableBytes {
            var reader = RecordReader(maximumRecordSize: 1024)
            var read: [[UInt8]] = []
            try reader.read(stream.getSlice(at: 0, length: split)!) { read.append(Array(buffer: $0)) }
            try reader.read(stream.getSlice(at: split, length: stream.readableBytes - split)!) {
                read.append(Array(buffer: $0))
            }
            #expect(read == Self.records, "split at \(split)")
        }
    }

    @Test func aStreamReadAByteAtATimeGivesTheSameRecords() throws {
        let stream = Self.stream()
        var reader = RecordReader(maximumRecordSize: 1024)
        var read: [[UInt8]] = []
        for offset in 0..<stream.readableBytes {
            try reader.read(stream.getSlice(at: offset, length: 1)!) { read.append(Array(buffer: $0)) }
        }
        #expect(read == Self.records)
    }

    @Test func aRecordOverTheLimitIsAnErrorAtItsHeader() throws {
        var reader = RecordReader(maximumRecordSize: 64)
        var header = ByteBuffer()
        header.writeInteger(RecordMarking.lastFragmentBit | 65, as: UInt32.self)
        #expect(throws: RecordMarkingDecoder.RecordTooLarge.self) {
            try reader.read(header) { _ in Issue.record("no record expected") }
        }
    }
}
