public import NIOCore
import XDR

/// An RPC message as the buffers that hold it, in order, for transports that write with
/// gather I/O.
///
/// Most messages are one buffer. Opaque data and strings of at least
/// ``referenceThreshold`` bytes that arguments or results hand over as `ByteBuffer`s are
/// referenced rather than copied when the message is built: the message is then the bytes
/// before such a buffer, the buffer itself, the bytes after it, and so on. A stream transport
/// writes them as they are (one `writev`); a datagram transport joins them.
public struct RPCMessageBytes: Sendable {
    /// Opaque data and strings given as a `ByteBuffer` of at least this many bytes (64 KiB) are
    /// referenced by the messages ``RPCClient`` and the server build, not copied into them
    /// (unless the message's buffer already has room for them).
    public static let referenceThreshold = XDRWriter.sharedReferenceThreshold

    /// The first buffer. In messages this library builds it keeps ``RecordMarking/headroom``
    /// free bytes before its reader index.
    public var first: ByteBuffer
    /// The buffers after the first, in order; empty for a message in one buffer.
    public var rest: [ByteBuffer]

    /// A message in `first` followed by `rest`.
    public init(first: ByteBuffer, rest: [ByteBuffer] = []) {
        self.first = first
        self.rest = rest
    }

    /// The message's length in bytes.
    public var readableBytes: Int {
        rest.reduce(first.readableBytes) { $0 + $1.readableBytes }
    }

    /// The message in one buffer: `first` itself when there is nothing after it, otherwise a
    /// copy of all the bytes that keeps `first`'s free bytes before the reader index.
    public var joined: ByteBuffer {
        guard let last = rest.last else { return first }
        return XDRWriter.join([first] + rest.dropLast(), last)
    }

    /// The bytes `writer` has written, referenced buffers included.
    init(_ writer: XDRWriter) {
        (first, rest) = writer.buffers
    }
}
