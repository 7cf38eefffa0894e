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
}

/// Reassembles RFC 5531 record-marked fragments into whole records.
///
/// A record may be split over any number of fragments; the decoder checks the record's running
/// size against ``maximumRecordSize`` as soon as each fragment header arrives, before buffering
/// any of it, so a header announcing 2 GiB costs only an error.
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

    /// The largest record accepted (the sum of its fragments).
    public let maximumRecordSize: Int

    /// Fragments of the current record received so far (only when a record has several).
    private var partial: ByteBuffer?

    /// Creates a decoder that accepts records of at most `maximumRecordSize` bytes.
    public init(maximumRecordSize: Int = 4 << 20) {
        self.maximumRecordSize = maximumRecordSize
    }

    /// Passes on each whole record in the buffer.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let record = try decodeRecord(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(record))
        return .continue
    }

    /// Takes one whole record out of `buffer` if one is there (exposed for transports that do
    /// not use a channel pipeline, and for tests).
    public mutating func decodeRecord(from buffer: inout ByteBuffer) throws -> ByteBuffer? {
        while true {
            guard let header = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
                return nil
            }
            let length = Int(header & ~RecordMarking.lastFragmentBit)
            let isLast = header & RecordMarking.lastFragmentBit != 0
            let sizeSoFar = partial?.readableBytes ?? 0
            if length > maximumRecordSize - sizeSoFar {
                throw RecordTooLarge(size: sizeSoFar + length, maximum: maximumRecordSize)
            }
            guard buffer.readableBytes >= 4 + length else { return nil }
            buffer.moveReaderIndex(forwardBy: 4)
            let fragment = buffer.readSlice(length: length)!
            if isLast {
                if var assembled = partial {
                    partial = nil
                    assembled.writeImmutableBuffer(fragment)
                    return assembled
                }
                return fragment
            }
            if partial == nil {
                var first = ByteBufferAllocator().buffer(capacity: min(length * 2, maximumRecordSize))
                first.writeImmutableBuffer(fragment)
                partial = first
            } else {
                partial!.writeImmutableBuffer(fragment)
            }
        }
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
        partial = nil
        return .needMoreData
    }
}

/// Frames outgoing records with RFC 5531 record marking, splitting each into fragments of at
/// most ``maximumFragmentSize`` bytes.
///
/// A record that fits in one fragment and has ``RecordMarking/headroom`` bytes free before its
/// reader index (as every message this library builds does) gets its header written in place.
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
        var record = Self.unwrapOutboundIn(data)
        let length = record.readableBytes
        if length <= maximumFragmentSize {
            let header = RecordMarking.lastFragmentBit | UInt32(length)
            if record.readerIndex >= RecordMarking.headroom {
                record.moveReaderIndex(to: record.readerIndex - RecordMarking.headroom)
                record.setInteger(header, at: record.readerIndex, endianness: .big)
                context.write(Self.wrapOutboundOut(record), promise: promise)
            } else {
                var framed = context.channel.allocator.buffer(capacity: length + 4)
                framed.writeInteger(header, endianness: .big)
                framed.writeImmutableBuffer(record)
                context.write(Self.wrapOutboundOut(framed), promise: promise)
            }
            return
        }
        // Several fragments: each header is written before a slice of the record, so the
        // record's bytes are not copied (the socket gathers them in one writev).
        var remaining = record
        repeat {
            let size = min(remaining.readableBytes, maximumFragmentSize)
            let isLast = size == remaining.readableBytes
            var header = context.channel.allocator.buffer(capacity: 4)
            header.writeInteger(UInt32(size) | (isLast ? RecordMarking.lastFragmentBit : 0), endianness: .big)
            context.write(Self.wrapOutboundOut(header), promise: nil)
            context.write(Self.wrapOutboundOut(remaining.readSlice(length: size)!), promise: isLast ? promise : nil)
        } while remaining.readableBytes > 0
    }
}

extension RecordMarking {
    /// Appends `record` to `output` as record-marked fragments of at most `maximumFragmentSize`
    /// bytes (an empty record is one empty last fragment).
    public static func frame(_ record: ByteBuffer, into output: inout ByteBuffer, maximumFragmentSize: Int) {
        var remaining = record
        repeat {
            let size = min(remaining.readableBytes, maximumFragmentSize)
            let isLast = size == remaining.readableBytes
            output.writeInteger(UInt32(size) | (isLast ? lastFragmentBit : 0), endianness: .big)
            output.writeImmutableBuffer(remaining.readSlice(length: size)!)
        } while remaining.readableBytes > 0
    }
}
