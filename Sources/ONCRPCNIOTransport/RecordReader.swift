import NIOCore
import ONCRPC

/// Reads records out of a stream's bytes for the stream handlers: each read's bytes are decoded
/// where they are, and only the bytes of an incomplete record are kept (joined with the next
/// read's).
///
/// Nothing of a read that ended on a record boundary is kept, so NIO's pooled receive buffer
/// is unshared again once the records cut from it are released, and the next read reuses it
/// rather than allocating another (a byte-to-message processor that holds on to its last input
/// costs two allocations per read).
struct RecordReader {
    private var decoder: RecordMarkingDecoder
    /// The bytes of a record not yet complete.
    private var partial: ByteBuffer?

    /// Whether the bytes read so far end inside a record (some of it has come, not all).
    var isMidRecord: Bool { partial != nil }

    init(maximumRecordSize: Int) {
        decoder = RecordMarkingDecoder(maximumRecordSize: maximumRecordSize)
    }

    /// Passes each record completed by `bytes` to `body`, in order. Throws (and keeps nothing)
    /// when the stream breaks the record limits: the connection must then be closed.
    mutating func read(_ bytes: ByteBuffer, _ body: (ByteBuffer) -> Void) throws {
        var (buffer, inputIsShared) = joined(with: bytes)
        while let record = try decoder.decodeRecord(from: &buffer, inputIsShared: inputIsShared) {
            body(record)
        }
        keep(buffer)
    }

    /// Passes each reply record completed by `bytes` to `body`, in order, and each record over
    /// the limit `limit` gives for its xid to `oversized` (its bytes are dropped as they come;
    /// the records after it are read as usual). Throws (and keeps nothing) when the stream
    /// splits a record into too many fragments: the connection must then be closed.
    mutating func readReplies(
        _ bytes: ByteBuffer,
        limit: (_ xid: UInt32?) -> Int,
        oversized: (_ xid: UInt32?, _ size: Int, _ limit: Int) -> Void,
        _ body: (ByteBuffer) -> Void
    ) throws {
        var (buffer, inputIsShared) = joined(with: bytes)
        while let event = try decoder.decodeReply(from: &buffer, inputIsShared: inputIsShared, limit: limit) {
            switch event {
            case .record(let record): body(record)
            case .oversized(let xid, let size, let maximum): oversized(xid, size, maximum)
            }
        }
        keep(buffer)
    }

    /// The bytes to decode: those kept from earlier reads followed by `bytes`, or `bytes` alone.
    @inline(__always)
    private mutating func joined(with bytes: ByteBuffer) -> (ByteBuffer, inputIsShared: Bool) {
        // A read's own buffer is NIO's pooled receive buffer: what is kept of it moves to a
        // buffer of ours (see `decodeRecord`), which later reads are appended to.
        if var partial {
            self.partial = nil
            partial.writeImmutableBuffer(bytes)
            return (partial, false)
        }
        return (bytes, true)
    }

    @inline(__always)
    private mutating func keep(_ buffer: ByteBuffer) {
        if buffer.readableBytes > 0 {
            partial = buffer
        }
    }
}
