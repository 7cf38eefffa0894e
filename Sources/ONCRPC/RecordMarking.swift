public import NIOCore

/// The record marking of RFC 5531 §11 for stream transports: each record is sent as fragments,
/// each preceded by a 4-byte header whose top bit says "last fragment" and whose low 31 bits give
/// the fragment's length.
public enum RecordMarking {
    /// The "last fragment" bit of a fragment header.
    public static let lastFragmentBit: UInt32 = 0x8000_0000
    /// The largest fragment a header can describe.
    public static let maximumFragmentSize = 0x7FFF_FFFF
    /// Bytes a message buffer keeps free before its reader index so a single-fragment header
    /// can be written in place, without a copy or another buffer.
    public static let headroom = 4
    /// The largest record whose header is written into its own headroom; a larger one gets a
    /// separate header buffer, so that a shared record's storage is never copied to frame it.
    static let inPlaceHeaderLimit = 16 << 10
}

/// Reassembles RFC 5531 record-marked fragments into whole records.
///
/// A record may be split over any number of fragments; the decoder checks the record's running
/// size against ``maximumRecordSize`` as soon as each fragment header arrives, before buffering
/// any of it, so a header announcing 2 GiB costs only an error.
///
/// Fragments stay in the input buffer until the record's last one has arrived; the record is
/// then joined in place, by moving the later fragments over the headers between them, and
/// passed on as a slice of the input: no second buffer, however many fragments. A record in one
/// fragment is a slice with nothing moved.
public struct RecordMarkingDecoder: ByteToMessageDecoder {
    /// Whole records.
    public typealias InboundOut = ByteBuffer

    /// The error thrown for a record larger than the limit.
    public struct RecordTooLarge: Error, Hashable, Sendable, CustomStringConvertible {
        /// The size the record would have reached.
        public var size: Int
        /// The limit in force.
        public var maximum: Int
        public var description: String { "record of at least \(size) bytes exceeds the limit of \(maximum)" }
    }

    /// The error thrown for a record split into more fragments than the decoder holds.
    public struct TooManyFragments: Error, Hashable, Sendable, CustomStringConvertible {
        /// The limit in force.
        public var maximum: Int
        /// Says what was refused and the limit.
        public var description: String { "record split into more than \(maximum) fragments" }
    }

    /// The largest record accepted (the sum of its fragments).
    public let maximumRecordSize: Int

    /// The most fragments one record may have (16,384, or one per 16 bytes of
    /// ``maximumRecordSize`` if that is more): the fragments stay buffered until the last one
    /// comes, so a peer sending empty fragments must not be able to pile up headers.
    public let maximumFragmentCount: Int

    /// Bytes of the current record's complete fragments (headers included) at the start of the
    /// input; they are left there until the last fragment arrives.
    private var scanned = 0
    /// The payload bytes of those fragments.
    private var payload = 0
    /// How many fragments they are.
    private var fragments = 0
    /// The current record's limit and xid, once its first bytes have come (reply decoding).
    private var recordLimit: Int?
    private var recordXID: UInt32?
    /// Whether an oversized record is being dropped, how much of its current fragment is still
    /// to come, and whether that fragment is its last.
    private var skipping = false
    private var skipRemaining = 0
    private var skipIsLast = false
    /// The size of the record being dropped as far as its headers have announced, and how far
    /// it may go before the stream is given up on (twice the larger of ``maximumRecordSize``
    /// and the record's own limit): a peer may not keep a connection busy with one endless
    /// record.
    private var skipped = 0
    private var skipAllowance = 0
    /// Set when an oversized record already announced more than may be dropped: the next
    /// decode throws it, once the record's call has been told.
    private var pendingFailure: RecordTooLarge?

    /// The room made for an incomplete fragment before much of it has arrived; past that, up
    /// to eight times the bytes buffered.
    static let initialReservation = 64 << 10

    /// Creates a decoder that accepts records of at most `maximumRecordSize` bytes.
    public init(maximumRecordSize: Int = 4 << 20) {
        self.maximumRecordSize = maximumRecordSize
        self.maximumFragmentCount = max(16 << 10, maximumRecordSize / 16)
    }

    /// Passes on each whole record in the buffer.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let record = try decodeRecord(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(record))
        return .continue
    }

    /// Takes one whole record out of `buffer` if one is there (exposed for transports that do
    /// not use a channel pipeline, and for tests). Bytes of an incomplete record are left in
    /// `buffer`: pass the same stream again once more bytes have been appended to it.
    ///
    /// When `buffer` ends inside a fragment, room is made for the rest of it (as far as the bytes
    /// that have come justify), moving the bytes kept into a buffer of their own if `buffer` has
    /// too little. Pass `inputIsShared` when `buffer`'s storage is also held elsewhere, as a
    /// channel's pooled receive buffer is: the bytes kept then always move, so that appending
    /// the next read copies nothing twice and the receive buffer is free to be reused.
    public mutating func decodeRecord(from buffer: inout ByteBuffer, inputIsShared: Bool = false) throws
        -> ByteBuffer?
    {
        switch try decode(from: &buffer, inputIsShared: inputIsShared, perRecord: false, limit: { _ in 0 }) {
        case .record(let record): return record
        case .oversized, nil: return nil  // not reached: without a limit function, oversize throws
        }
    }

    /// What ``decodeReply(from:inputIsShared:limit:)`` found in the stream.
    package enum ReplyEvent {
        /// A whole record.
        case record(ByteBuffer)
        /// A record larger than its limit. Its bytes are dropped as they come, never buffered,
        /// and the records after it are read as usual.
        case oversized(xid: UInt32?, size: Int, limit: Int)
    }

    /// Takes one whole reply record out of `buffer`, as ``decodeRecord(from:inputIsShared:)``
    /// does, but with a limit for each record: `limit` is asked once per record, with the xid its
    /// first four bytes carry (or `nil` if its first fragment is shorter), as soon as those bytes
    /// have come. A record over its limit is reported once and then skipped without being
    /// buffered, so a client's call can fail alone while the connection carries on. A record
    /// that announces more than twice the larger of ``maximumRecordSize`` and its limit (a
    /// 2 GiB fragment header, fragments without end) is reported, and the next decode throws
    /// ``RecordTooLarge``: the connection must then be closed.
    package mutating func decodeReply(
        from buffer: inout ByteBuffer, inputIsShared: Bool, limit: (_ xid: UInt32?) -> Int
    ) throws -> ReplyEvent? {
        try decode(from: &buffer, inputIsShared: inputIsShared, perRecord: true, limit: limit)
    }

    @inline(__always)
    private mutating func decode(
        from buffer: inout ByteBuffer, inputIsShared: Bool, perRecord: Bool, limit: (_ xid: UInt32?) -> Int
    ) throws -> ReplyEvent? {
        if let pendingFailure {
            throw pendingFailure
        }
        while true {
            if skipping {
                // Dropping an oversized record: its bytes go as they come.
                let dropped = min(skipRemaining, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: dropped)
                skipRemaining -= dropped
                if skipRemaining > 0 { return nil }
                if skipIsLast {
                    skipping = false
                    fragments = 0
                    continue
                }
                guard let header = buffer.readInteger(endianness: .big, as: UInt32.self) else { return nil }
                fragments += 1
                if fragments > maximumFragmentCount {
                    throw TooManyFragments(maximum: maximumFragmentCount)
                }
                skipRemaining = Int(header & ~RecordMarking.lastFragmentBit)
                skipIsLast = header & RecordMarking.lastFragmentBit != 0
                skipped += skipRemaining
                if skipped > skipAllowance {
                    throw RecordTooLarge(size: skipped, maximum: skipAllowance)
                }
                continue
            }
            let start = buffer.readerIndex + scanned
            guard let header = buffer.getInteger(at: start, endianness: .big, as: UInt32.self) else {
                return nil
            }
            let length = Int(header & ~RecordMarking.lastFragmentBit)
            let isLast = header & RecordMarking.lastFragmentBit != 0
            if fragments >= maximumFragmentCount {
                throw TooManyFragments(maximum: maximumFragmentCount)
            }
            let recordMaximum: Int
            if perRecord {
                if let known = recordLimit {
                    recordMaximum = known
                } else if length < 4 {
                    recordMaximum = limit(nil)
                    recordLimit = recordMaximum
                } else if let xid = buffer.getInteger(at: start + 4, endianness: .big, as: UInt32.self) {
                    recordXID = xid
                    recordMaximum = limit(xid)
                    recordLimit = recordMaximum
                } else {
                    // The xid has not come yet: wait for it, keeping room as for any fragment.
                    reserve(missing: 4 + length - (buffer.readableBytes - scanned), in: &buffer, inputIsShared)
                    return nil
                }
                if length > recordMaximum - payload {
                    let event = ReplyEvent.oversized(xid: recordXID, size: payload + length, limit: recordMaximum)
                    // The fragments kept and this header go now, the rest as it comes.
                    buffer.moveReaderIndex(forwardBy: scanned + 4)
                    skipping = true
                    skipRemaining = length
                    skipIsLast = isLast
                    skipped = payload + length
                    let larger = max(maximumRecordSize, recordMaximum)
                    skipAllowance = larger > Int.max / 2 ? Int.max : 2 * larger
                    if skipped > skipAllowance {
                        pendingFailure = RecordTooLarge(size: skipped, maximum: skipAllowance)
                    }
                    fragments += 1
                    scanned = 0
                    payload = 0
                    recordLimit = nil
                    recordXID = nil
                    return event
                }
            } else if length > maximumRecordSize - payload {
                throw RecordTooLarge(size: payload + length, maximum: maximumRecordSize)
            }
            let missing = 4 + length - (buffer.readableBytes - scanned)
            guard missing <= 0 else {
                reserve(missing: missing, in: &buffer, inputIsShared)
                return nil
            }
            if isLast && fragments == 0 {
                buffer.moveReaderIndex(forwardBy: 4)
                recordLimit = nil
                recordXID = nil
                return .record(buffer.readSlice(length: length)!)
            }
            scanned += 4 + length
            payload += length
            fragments += 1
            if isLast {
                recordLimit = nil
                recordXID = nil
                return .record(joinFragments(in: &buffer))
            }
        }
    }

    /// Makes room for the `missing` bytes of the fragment `buffer` ends in.
    ///
    /// Room is made at once rather than step by step as reads arrive, but only as far as the
    /// bytes that have come justify: a bare header announcing a fragment at the record limit
    /// reserves 64 KiB, not the limit.
    private func reserve(missing: Int, in buffer: inout ByteBuffer, _ inputIsShared: Bool) {
        let justified = max(Self.initialReservation, 8 * buffer.readableBytes)
        let wanted = min(missing, justified)
        if inputIsShared || buffer.writableBytes < wanted {
            // Into a buffer of its own, holding only the readable bytes: growing the given one
            // would copy its storage from the start of its slice, which for a shared receive
            // buffer means bytes already read and capacity never written (up to a whole 1 MiB
            // read buffer for a few hundred kilobytes kept).
            var grown = ByteBufferAllocator().buffer(capacity: buffer.readableBytes + wanted)
            grown.writeImmutableBuffer(buffer)
            buffer = grown
        }
    }

    /// Joins the `fragments` complete fragments at the start of `buffer` into one record, in
    /// place, and takes it out of the buffer.
    private mutating func joinFragments(in buffer: inout ByteBuffer) -> ByteBuffer {
        let span = scanned
        buffer.withUnsafeMutableReadableBytes { bytes in
            let base = bytes.baseAddress!
            func fragmentLength(at offset: Int) -> Int {
                let header = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                return Int(header & ~RecordMarking.lastFragmentBit)
            }
            // The first fragment's bytes stay where they are; each later one moves down to
            // follow them, over the header between.
            var end = 4 + fragmentLength(at: 0)
            var next = end
            while next < span {
                let length = fragmentLength(at: next)
                (base + end).copyMemory(from: base + next + 4, byteCount: length)
                end += length
                next += 4 + length
            }
        }
        buffer.moveReaderIndex(forwardBy: 4)
        let record = buffer.readSlice(length: payload)!
        buffer.moveReaderIndex(forwardBy: span - 4 - payload)
        scanned = 0
        payload = 0
        fragments = 0
        return record
    }

    /// Drops a record cut short by the end of the stream.
    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        // A record cut short by the end of the stream is dropped: it has no reply to give.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.clear()
        scanned = 0
        payload = 0
        fragments = 0
        recordLimit = nil
        recordXID = nil
        skipping = false
        skipRemaining = 0
        return .needMoreData
    }
}

/// Frames outgoing records with RFC 5531 record marking, splitting each into fragments of at
/// most ``maximumFragmentSize`` bytes.
///
/// A record that fits in one fragment and has ``RecordMarking/headroom`` bytes free before its
/// reader index (as every message this library builds does) gets its header written in place.
/// A larger record gets its header in a buffer of its own, written before it in one gathered
/// write: writing into the record's storage would copy all of it if the storage is shared.
public final class RecordMarkingEncoder: ChannelOutboundHandler, Sendable {
    /// Whole records.
    public typealias OutboundIn = ByteBuffer
    /// Record-marked bytes.
    public typealias OutboundOut = ByteBuffer

    /// The largest fragment written.
    public let maximumFragmentSize: Int

    /// Creates an encoder that writes fragments of at most `maximumFragmentSize` bytes.
    public init(maximumFragmentSize: Int = 1 << 20) {
        precondition(maximumFragmentSize > 0 && maximumFragmentSize <= RecordMarking.maximumFragmentSize)
        self.maximumFragmentSize = maximumFragmentSize
    }

    /// Writes a record as fragments.
    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        RecordMarking.frame(
            Self.unwrapOutboundIn(data), maximumFragmentSize: maximumFragmentSize,
            allocator: context.channel.allocator
        ) { bytes, isLast in
            context.write(Self.wrapOutboundOut(bytes), promise: isLast ? promise : nil)
        }
    }
}

extension RecordMarking {
    /// Frames `record` as fragments of at most `maximumFragmentSize` bytes and hands the bytes to
    /// `write` in order, `isLast` set on the final buffer (the one whose write promise means
    /// "the record is written").
    ///
    /// A record that fits in one fragment and has ``headroom`` bytes free before its reader
    /// index (as every message this library builds does) gets its header written in place: one
    /// buffer. A larger record, or a record in several fragments, gets each header in a buffer
    /// of its own before a slice of the record, gathered by the socket in one `writev`: writing
    /// into the record's storage would copy all of it if the storage is shared.
    package static func frame(
        _ record: consuming ByteBuffer,
        maximumFragmentSize: Int,
        allocator: ByteBufferAllocator,
        _ write: (_ bytes: ByteBuffer, _ isLast: Bool) -> Void
    ) {
        let length = record.readableBytes
        if length <= maximumFragmentSize {
            let header = lastFragmentBit | UInt32(length)
            if length > inPlaceHeaderLimit {
                var framing = allocator.buffer(capacity: 4)
                framing.writeInteger(header, endianness: .big)
                write(framing, false)
                write(record, true)
            } else if record.readerIndex >= headroom {
                record.moveReaderIndex(to: record.readerIndex - headroom)
                record.setInteger(header, at: record.readerIndex, endianness: .big)
                write(record, true)
            } else {
                var framed = allocator.buffer(capacity: length + 4)
                framed.writeInteger(header, endianness: .big)
                framed.writeImmutableBuffer(record)
                write(framed, true)
            }
            return
        }
        frameFragments(of: [record], maximumFragmentSize: maximumFragmentSize, allocator: allocator, write)
    }

    /// Frames a record held in several buffers as fragments of at most `maximumFragmentSize`
    /// bytes and hands the bytes to `write` in order, as ``frame(_:maximumFragmentSize:allocator:_:)``
    /// does for one buffer.
    package static func frame(
        _ record: consuming RPCMessageBytes,
        maximumFragmentSize: Int,
        allocator: ByteBufferAllocator,
        _ write: (_ bytes: ByteBuffer, _ isLast: Bool) -> Void
    ) {
        guard !record.rest.isEmpty else {
            // Handing the only buffer over leaves it unshared when the caller gave up the
            // message: its header then goes into its headroom without copying it.
            let first = record.first
            _ = consume record
            frame(consume first, maximumFragmentSize: maximumFragmentSize, allocator: allocator, write)
            return
        }
        var parts = [record.first]
        parts.append(contentsOf: record.rest)
        frameFragments(of: parts, maximumFragmentSize: maximumFragmentSize, allocator: allocator, write)
    }

    /// Frames the record held in `parts` as fragments of at most `maximumFragmentSize` bytes:
    /// each header in a 4-byte buffer of its own, then slices of the parts (a fragment may span
    /// several), none of them copied.
    private static func frameFragments(
        of parts: [ByteBuffer],
        maximumFragmentSize: Int,
        allocator: ByteBufferAllocator,
        _ write: (_ bytes: ByteBuffer, _ isLast: Bool) -> Void
    ) {
        var parts = parts.filter { $0.readableBytes > 0 }
        var remaining = parts.reduce(0) { $0 + $1.readableBytes }
        var index = 0
        repeat {
            let size = min(remaining, maximumFragmentSize)
            remaining -= size
            var header = allocator.buffer(capacity: 4)
            header.writeInteger(UInt32(size) | (remaining == 0 ? lastFragmentBit : 0), endianness: .big)
            write(header, remaining == 0 && size == 0)
            var needed = size
            while needed > 0 {
                let take = min(needed, parts[index].readableBytes)
                let slice = parts[index].readSlice(length: take)!
                if parts[index].readableBytes == 0 {
                    index += 1
                }
                needed -= take
                write(slice, remaining == 0 && needed == 0)
            }
        } while remaining > 0
    }

    /// Appends `record` to `output` as record-marked fragments of at most `maximumFragmentSize`
    /// bytes (an empty record is one empty last fragment).
    public static func frame(_ record: ByteBuffer, into output: inout ByteBuffer, maximumFragmentSize: Int) {
        if record.readableBytes <= maximumFragmentSize {
            // One fragment, the common case: no slicing.
            output.writeInteger(lastFragmentBit | UInt32(record.readableBytes), endianness: .big)
            output.writeImmutableBuffer(record)
            return
        }
        var remaining = record
        repeat {
            let size = min(remaining.readableBytes, maximumFragmentSize)
            let isLast = size == remaining.readableBytes
            output.writeInteger(UInt32(size) | (isLast ? lastFragmentBit : 0), endianness: .big)
            output.writeImmutableBuffer(remaining.readSlice(length: size)!)
        } while remaining.readableBytes > 0
    }
}
