import NIOCore
import ONCRPC

/// Small records written close together, which go to NIO as one write when the stream handler
/// flushes.
///
/// Each buffer written to a channel costs NIO a pending-write entry, a trip through the
/// pipeline, an `iovec` and its completion bookkeeping: more than copying the few dozen bytes of
/// a small call or reply. Calls and replies written close together (the calls of a batch of
/// resumed callers, the replies to the calls of one read) thus leave as one buffer, each framed
/// as one fragment. A record written alone (a sequential caller's) is not copied: it leaves in
/// its own buffer, its header written into its headroom. Larger records, and records of several
/// buffers, are written on their own, after the batch.
struct RecordBatch {
    /// Records of up to this many bytes are batched.
    static let recordLimit = 2048
    /// The room a batch of several records starts with.
    static let initialCapacity = 4096

    /// The first record, kept as it is until a second one comes.
    private var single: ByteBuffer?
    /// The records framed one after another, once there are two or more.
    private var framed: ByteBuffer?

    /// Whether `record` is batched rather than written on its own.
    static func accepts(_ record: borrowing RPCMessageBytes, maximumFragmentSize: Int) -> Bool {
        let length = record.first.readableBytes
        return record.rest.isEmpty && length <= recordLimit && length <= maximumFragmentSize
    }

    /// Adds `record`, which ``accepts(_:maximumFragmentSize:)``.
    mutating func append(_ record: consuming RPCMessageBytes, allocator: ByteBufferAllocator) {
        let bytes = record.first
        _ = consume record
        if framed == nil {
            guard let first = single.take() else {
                single = consume bytes
                return
            }
            framed = allocator.buffer(capacity: Self.initialCapacity)
            RecordMarking.frame(first, into: &framed!, maximumFragmentSize: Self.recordLimit)
        }
        RecordMarking.frame(bytes, into: &framed!, maximumFragmentSize: Self.recordLimit)
    }

    /// Hands the records batched so far to `write`, if there are any: a lone record framed in
    /// its own buffer, several as the one buffer they were framed into.
    mutating func take(allocator: ByteBufferAllocator, _ write: (ByteBuffer) -> Void) {
        if let single = single.take() {
            // An accepted record fits in one fragment of at most `recordLimit` bytes.
            RecordMarking.frame(consume single, maximumFragmentSize: Self.recordLimit, allocator: allocator) {
                bytes, _ in write(bytes)
            }
        } else if let framed = framed.take() {
            write(framed)
        }
    }
}
