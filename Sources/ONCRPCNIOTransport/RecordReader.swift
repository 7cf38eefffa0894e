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
        var buffer: ByteBuffer
        // A read's own buffer is NIO's pooled receive buffer: what is kept of it moves to a
        // buffer of ours (see `decodeRecord`), which later reads are appended to.
        let inputIsShared: Bool
        if var partial {
            self.partial = nil
            partial.writeImmutableBuffer(bytes)
            buffer = partial
            inputIsShared = false
        } else {
            buffer = bytes
            inputIsShared = true
        }
        while let record = try decoder.decodeRecord(from: &buffer, inputIsShared: inputIsShared) {
            body(record)
        }
        if buffer.readableBytes > 0 {
            partial = buffer
        }
    }
}
