import NIOCore
import NIOEmbedded
import NIOTestUtils
import ONCRPC
import Testing

@Suite("RFC 5531 §11 record marking")
struct RecordMarkingTests {
    static func framed(_ record: [UInt8], fragmentSize: Int) -> ByteBuffer {
        var output = ByteBuffer()
        RecordMarking.frame(ByteBuffer(bytes: record), into: &output, maximumFragmentSize: fragmentSize)
        return output
    }

    @Test func verifierAcceptsMultiFragmentRecords() throws {
        let records: [[UInt8]] = [
            Array(0..<100), [], Array(repeating: 0xAB, count: 600), Array("hello".utf8),
        ]
        for fragmentSize in [1, 7, 4096] {
            var input = ByteBuffer()
            for record in records {
                var framed = Self.framed(record, fragmentSize: fragmentSize)
                input.writeBuffer(&framed)
            }
            try ByteToMessageDecoderVerifier.verifyDecoder(
                inputOutputPairs: [(input, records.map { ByteBuffer(bytes: $0) })],
                decoderFactory: { RecordMarkingDecoder(maximumRecordSize: 1 << 20) })
        }
    }

    @Test func fragmentSizesOnTheWire() throws {
        let record = Array(0..<20) as [UInt8]
        let framed = Self.framed(record, fragmentSize: 7)
        var bytes = framed
        var sizes: [(UInt32, Bool)] = []
        while let header = bytes.readInteger(endianness: .big, as: UInt32.self) {
            let size = header & 0x7FFF_FFFF
            sizes.append((size, header & 0x8000_0000 != 0))
            bytes.moveReaderIndex(forwardBy: Int(size))
        }
        #expect(sizes.map(\.0) == [7, 7, 6])
        #expect(sizes.map(\.1) == [false, false, true])
    }

    @Test func oversizeHeaderCostsOnlyAnError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RecordMarkingDecoder(maximumRecordSize: 1 << 20)))
        var header = ByteBuffer()
        header.writeInteger(UInt32(0x8000_0000 | 0x7FFF_FFFF), endianness: .big)  // "2 GiB, last fragment"
        #expect(throws: RecordMarkingDecoder.RecordTooLarge.self) { try channel.writeInbound(header) }
        _ = try? channel.finish()
    }

    @Test func aBareHeaderReservesLittleAndRoomGrowsWithTheBytesThatCome() throws {
        // A header announcing a fragment at the 16 MiB limit, then 1 KiB of it: the buffer must
        // not grow to the announced size on the header's word alone.
        var decoder = RecordMarkingDecoder(maximumRecordSize: 16 << 20)
        var input = ByteBuffer()
        input.writeInteger(RecordMarking.lastFragmentBit | UInt32((16 << 20) - 4))
        input.writeRepeatingByte(1, count: 1024)
        #expect(try decoder.decodeRecord(from: &input) == nil)
        #expect(input.capacity <= 128 << 10)
        // Once a fair part of it is there, room for the rest is made at once.
        input.writeRepeatingByte(2, count: (4 << 20) - 1024)
        #expect(try decoder.decodeRecord(from: &input) == nil)
        #expect(input.capacity >= (16 << 20))
        input.writeRepeatingByte(3, count: (12 << 20) - 4)
        let record = try #require(try decoder.decodeRecord(from: &input))
        #expect(record.readableBytes == (16 << 20) - 4)
        #expect(record.getInteger(at: record.readerIndex + record.readableBytes - 1, as: UInt8.self) == 3)
    }

    @Test func anIncompleteFragmentInASharedReadBufferKeepsOnlyItsOwnBytes() throws {
        // A 1 MiB read buffer, as a socket read hands it over (its storage also held by the
        // reader that will reuse it): 960 KiB of records already taken out of it, then a header
        // announcing 512 KiB and 8 KiB of that fragment. Making room for the rest must copy
        // those 8 KiB (and their header) alone, not the storage from its start.
        var read = ByteBufferAllocator().buffer(capacity: 1 << 20)
        read.writeRepeatingByte(9, count: 960 << 10)
        read.writeInteger(RecordMarking.lastFragmentBit | UInt32(512 << 10))
        read.writeRepeatingByte(4, count: 8 << 10)
        let heldBySocket = read
        read.moveReaderIndex(forwardBy: 960 << 10)
        var decoder = RecordMarkingDecoder(maximumRecordSize: 1 << 20)
        #expect(try decoder.decodeRecord(from: &read) == nil)
        #expect(read.readerIndex == 0)
        #expect(read.readableBytes == 4 + (8 << 10))
        #expect(read.writableBytes >= 64 << 10)
        #expect(read.capacity < 1 << 20)
        #expect(heldBySocket.readableBytes == (960 << 10) + 4 + (8 << 10))
        read.writeRepeatingByte(5, count: (512 - 8) << 10)
        let record = try #require(try decoder.decodeRecord(from: &read))
        #expect(record.readableBytes == 512 << 10)
        #expect(record.getInteger(at: record.readerIndex, as: UInt8.self) == 4)
        #expect(record.getInteger(at: record.readerIndex + (512 << 10) - 1, as: UInt8.self) == 5)
    }

    @Test func anIncompleteFragmentLeavesASharedReadBufferEvenWithRoomToSpare() throws {
        // A 2 MiB read buffer holding the start of a 1 MiB record: it has room for the rest, but
        // it is the socket's, which reuses it for the next read. With `inputIsShared` the bytes
        // kept move to a buffer of their own with room for the rest, so appending the next read
        // neither copies them again nor keeps the read buffer from being reused; without it
        // they stay in place.
        func startOfRecord() -> ByteBuffer {
            var read = ByteBufferAllocator().buffer(capacity: 2 << 20)
            read.writeInteger(RecordMarking.lastFragmentBit | UInt32(1 << 20))
            read.writeRepeatingByte(6, count: 300 << 10)
            return read
        }
        func address(_ buffer: ByteBuffer) -> UnsafeRawPointer? {
            buffer.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
        }
        let heldBySocket = startOfRecord()
        var kept = heldBySocket
        var decoder = RecordMarkingDecoder(maximumRecordSize: 4 << 20)
        #expect(try decoder.decodeRecord(from: &kept, inputIsShared: true) == nil)
        #expect(address(kept) != address(heldBySocket))
        #expect(kept.readableBytes == 4 + (300 << 10))
        #expect(kept.writableBytes >= (1 << 20) - (300 << 10))
        let storage = address(kept)
        kept.writeRepeatingByte(7, count: (1 << 20) - (300 << 10))
        #expect(address(kept) == storage, "the rest was appended where room was made for it")
        let record = try #require(try decoder.decodeRecord(from: &kept))
        #expect(record.readableBytes == 1 << 20)
        #expect(record.getInteger(at: record.readerIndex + (1 << 20) - 1, as: UInt8.self) == 7)

        let ownStorage = startOfRecord()
        var inPlace = ownStorage
        var another = RecordMarkingDecoder(maximumRecordSize: 4 << 20)
        #expect(try another.decodeRecord(from: &inPlace) == nil)
        #expect(address(inPlace) == address(ownStorage))
    }

    @Test func limitAppliesToTheSumOfFragments() throws {
        var decoder = RecordMarkingDecoder(maximumRecordSize: 10)
        var input = Self.framed(Array(repeating: 1, count: 12), fragmentSize: 6)
        #expect(throws: RecordMarkingDecoder.RecordTooLarge.self) { _ = try decoder.decodeRecord(from: &input) }
        var exact = Self.framed(Array(repeating: 1, count: 10), fragmentSize: 6)
        var fresh = RecordMarkingDecoder(maximumRecordSize: 10)
        #expect(try fresh.decodeRecord(from: &exact)?.readableBytes == 10)
    }

    @Test func fragmentsArriveByteByByteAndJoinInPlace() throws {
        // Fragments of 1, 0, 5 and 3 bytes then a second record, fed one byte at a time: each
        // record comes out whole, the second one unaffected by the joining of the first.
        var wire = ByteBuffer()
        for (length, last) in [(1, false), (0, false), (5, false), (3, true)] {
            wire.writeInteger(UInt32(length) | (last ? RecordMarking.lastFragmentBit : 0))
            wire.writeBytes((0..<length).map { UInt8(10 * length + $0) })
        }
        wire.writeImmutableBuffer(Self.framed([7, 8, 9], fragmentSize: 2))
        var decoder = RecordMarkingDecoder(maximumRecordSize: 64)
        var input = ByteBuffer()
        var records: [ByteBuffer] = []
        while let byte = wire.readInteger(as: UInt8.self) {
            input.writeInteger(byte)
            while let record = try decoder.decodeRecord(from: &input) { records.append(record) }
        }
        #expect(records == [ByteBuffer(bytes: [10, 50, 51, 52, 53, 54, 30, 31, 32]), ByteBuffer(bytes: [7, 8, 9])])
        #expect(input.readableBytes == 0)
    }

    @Test func endlessEmptyFragmentsAreRefused() throws {
        // Empty fragments add nothing to a record's size but must not pile up without bound.
        var decoder = RecordMarkingDecoder(maximumRecordSize: 1024)
        #expect(decoder.maximumFragmentCount == 16 << 10)
        var input = ByteBuffer()
        #expect(throws: RecordMarkingDecoder.TooManyFragments.self) {
            for _ in 0..<100_000 {
                input.writeInteger(UInt32(0))
                _ = try decoder.decodeRecord(from: &input)
            }
        }
        #expect(input.readableBytes <= 4 * (16 << 10) + 4)
    }

    @Test(arguments: [1, 7, 4096])
    func encoderSplitsRecords(_ fragmentSize: Int) throws {
        let channel = EmbeddedChannel(handler: RecordMarkingEncoder(maximumFragmentSize: fragmentSize))
        let record = ByteBuffer(bytes: (0..<10_000).map { UInt8(truncatingIfNeeded: $0) })
        try channel.writeOutbound(record)
        var wire = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) {
            wire.writeBuffer(&chunk)
        }
        var decoder = RecordMarkingDecoder(maximumRecordSize: 1 << 20)
        let decoded = try decoder.decodeRecord(from: &wire)
        #expect(decoded == record)
        #expect(wire.readableBytes == 0)
        #expect(try channel.finish().isClean)
    }

    @Test func headroomIsUsedInPlace() throws {
        let channel = EmbeddedChannel(handler: RecordMarkingEncoder())
        var message = ByteBuffer()
        message.writeRepeatingByte(0, count: 4)
        message.moveReaderIndex(forwardBy: 4)
        message.writeBytes([1, 2, 3, 4, 5, 6, 7, 8])
        try channel.writeOutbound(message)
        let wire = try channel.readOutbound(as: ByteBuffer.self)
        #expect(wire.map { Array($0.readableBytesView) } == [0x80, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test(arguments: [5, 16, 1 << 20])
    func aRecordInSeveralBuffersIsFramedWithoutJoiningThem(fragmentSize: Int) throws {
        // 10 bytes with 4 free before them, then 70, none, and 3: the framed bytes must be the
        // same as for the record in one buffer, and only the last write marked last.
        var first = ByteBuffer()
        first.writeRepeatingByte(0, count: 4)
        first.moveReaderIndex(forwardBy: 4)
        first.writeBytes(Array(0..<10))
        let rest = [ByteBuffer(bytes: Array(10..<80)), ByteBuffer(), ByteBuffer(bytes: Array(80..<83))]
        let message = RPCMessageBytes(first: first, rest: rest)
        #expect(message.readableBytes == 83)
        #expect(message.joined == ByteBuffer(bytes: Array(0..<83)))
        #expect(message.joined.readerIndex == 4)

        var writes: [(ByteBuffer, Bool)] = []
        RecordMarking.frame(message, maximumFragmentSize: fragmentSize, allocator: ByteBufferAllocator()) {
            writes.append(($0, $1))
        }
        #expect(writes.map(\.1) == Array(repeating: false, count: writes.count - 1) + [true])
        var wire = ByteBuffer()
        for (bytes, _) in writes { wire.writeImmutableBuffer(bytes) }
        #expect(wire == Self.framed(Array(0..<83), fragmentSize: fragmentSize))
        // In one fragment: the header, then the buffers as they are (the empty one left out).
        if fragmentSize == 1 << 20 {
            #expect(writes.map(\.0.readableBytes) == [4, 10, 70, 3])
        }
    }

    /// A message with headroom, as the client and server build them.
    static func message(_ body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        buffer.moveWriterIndex(forwardBy: RecordMarking.headroom)
        buffer.moveReaderIndex(forwardBy: RecordMarking.headroom)
        buffer.writeBytes(body)
        return buffer
    }

    static func baseAddress(_ buffer: ByteBuffer) -> UInt {
        buffer.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
    }

    @Test func aMessageGivenUpIsFramedInItsOwnHeadroomAndOneKeptIsCopied() throws {
        let body: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let expected: [UInt8] = [0x80, 0, 0, 8] + body

        let given = Self.message(body)
        let givenAddress = Self.baseAddress(given)
        var written: [ByteBuffer] = []
        RecordMarking.frame(RPCMessageBytes(first: consume given), maximumFragmentSize: 1 << 20, allocator: .init()) {
            bytes, _ in written.append(bytes)
        }
        #expect(written.count == 1)
        #expect(written.first.map { Array($0.readableBytesView) } == expected)
        #expect(written.first.map(Self.baseAddress) == givenAddress, "the header did not go into the headroom in place")

        // A message still held elsewhere must not change under its holder: it is copied.
        let kept = Self.message(body)
        written = []
        RecordMarking.frame(RPCMessageBytes(first: kept), maximumFragmentSize: 1 << 20, allocator: .init()) {
            bytes, _ in written.append(bytes)
        }
        #expect(written.first.map { Array($0.readableBytesView) } == expected)
        #expect(Array(kept.readableBytesView) == body)
        #expect(written.first.map(Self.baseAddress) != Self.baseAddress(kept))
    }
}

/// Reply records with a limit per record: one over its limit is reported once, dropped as its
/// bytes come, and the records after it read as usual.
@Suite("Record marking with a limit per reply record")
struct ReplyRecordLimitTests {
    /// A record whose first four bytes are `xid`, `size` bytes in all.
    static func record(xid: UInt32, size: Int, fill: UInt8) -> [UInt8] {
        var bytes = withUnsafeBytes(of: xid.bigEndian, Array.init)
        bytes += Array(repeating: fill, count: size - 4)
        return bytes
    }

    /// Everything `decodeReply` reports for `stream` fed in pieces of `piece` bytes.
    static func events(
        _ stream: ByteBuffer, piece: Int, maximum: Int = 100, limit: @escaping (UInt32?) -> Int
    ) throws -> [String] {
        var decoder = RecordMarkingDecoder(maximumRecordSize: maximum)
        var buffer = ByteBuffer()
        var events: [String] = []
        var rest = stream
        while rest.readableBytes > 0 {
            var next = rest.readSlice(length: min(piece, rest.readableBytes))!
            buffer.writeBuffer(&next)
            while let event = try decoder.decodeReply(from: &buffer, inputIsShared: false, limit: limit) {
                switch event {
                case .record(let record):
                    events.append("record \(record.readableBytes) \(record.getInteger(at: record.readerIndex) as UInt32? ?? 0)")
                case .oversized(let xid, let size, let limit):
                    events.append("oversized \(xid.map(String.init) ?? "-") \(size) \(limit)")
                }
            }
            buffer.discardReadBytes()
        }
        return events
    }

    @Test func anOversizedRecordIsSkippedAndTheNextOneRead() throws {
        var stream = ByteBuffer()
        RecordMarking.frame(
            ByteBuffer(bytes: Self.record(xid: 7, size: 150, fill: 0xEE)), into: &stream, maximumFragmentSize: 40)
        RecordMarking.frame(ByteBuffer(bytes: Self.record(xid: 8, size: 20, fill: 1)), into: &stream, maximumFragmentSize: 40)
        for piece in [1, 3, 7, 64, 1000] {
            let events = try Self.events(stream, piece: piece) { xid in xid == 7 ? 60 : 100 }
            // Reported when the running size first passes 60: at the second 40-byte fragment.
            #expect(events == ["oversized 7 80 60", "record 20 8"], "piece \(piece)")
        }
    }

    @Test func theLimitComesFromTheRecordsXID() throws {
        var stream = ByteBuffer()
        RecordMarking.frame(ByteBuffer(bytes: Self.record(xid: 1, size: 90, fill: 2)), into: &stream, maximumFragmentSize: 1000)
        RecordMarking.frame(ByteBuffer(bytes: Self.record(xid: 2, size: 90, fill: 3)), into: &stream, maximumFragmentSize: 1000)
        let events = try Self.events(stream, piece: 5) { xid in xid == 2 ? 100 : 50 }
        #expect(events == ["oversized 1 90 50", "record 90 2"])
    }

    @Test func aFirstFragmentShorterThanAnXIDAsksWithoutOne() throws {
        var stream = ByteBuffer()
        stream.writeInteger(UInt32(2))
        stream.writeBytes([9, 9])
        stream.writeInteger(UInt32(10) | RecordMarking.lastFragmentBit)
        stream.writeRepeatingByte(4, count: 10)
        let events = try Self.events(stream, piece: 1) { xid in xid == nil ? 8 : 100 }
        #expect(events == ["oversized - 12 8"])
    }

    @Test func aRecordAnnouncingMoreThanTwiceTheLimitEndsTheStream() throws {
        var stream = ByteBuffer()
        stream.writeInteger(UInt32(0x7FFF_FFFF))
        stream.writeInteger(UInt32(5))
        stream.writeRepeatingByte(0, count: 8)
        var decoder = RecordMarkingDecoder(maximumRecordSize: 100)
        let event = try decoder.decodeReply(from: &stream, inputIsShared: false) { _ in 100 }
        guard case .oversized(5, 0x7FFF_FFFF, 100)? = event else {
            Issue.record("expected the record to be reported, got \(String(describing: event))")
            return
        }
        #expect(throws: RecordMarkingDecoder.RecordTooLarge.self) {
            _ = try decoder.decodeReply(from: &stream, inputIsShared: false) { _ in 100 }
        }
    }

    @Test func droppedFragmentsWithoutEndStopAtTwiceTheLimit() throws {
        var decoder = RecordMarkingDecoder(maximumRecordSize: 100)
        var stream = ByteBuffer()
        stream.writeInteger(UInt32(30))
        stream.writeInteger(UInt32(1))
        stream.writeRepeatingByte(0, count: 26)
        var reported = 0
        #expect(throws: RecordMarkingDecoder.RecordTooLarge.self) {
            for _ in 0..<100 {
                while let event = try decoder.decodeReply(from: &stream, inputIsShared: false, limit: { _ in 50 }) {
                    if case .oversized = event { reported += 1 }
                }
                stream.writeInteger(UInt32(30))
                stream.writeRepeatingByte(0, count: 30)
            }
        }
        #expect(reported == 1)
    }
}
