import Logging
import NIOCore
import ONCRPC

/// The xid of `record` if it is a reply message (`xid`, then `REPLY`), or `nil`.
func replyXID(of record: ByteBuffer) -> UInt32? {
    guard let xid = record.getInteger(at: record.readerIndex, endianness: .big, as: UInt32.self),
        record.getInteger(at: record.readerIndex + 4, endianness: .big, as: UInt32.self)
            == RPCMessageType.reply.rawValue
    else { return nil }
    return xid
}

/// The xids of the calls in `pending` whose `time` has come, and the earliest `time` of the
/// others (when the one timer of a client handler must fire next).
func splitByTime<Entry>(
    _ pending: XIDTable<Entry>, now: NIODeadline, time: (Entry) -> NIODeadline
) -> (due: [UInt32], next: NIODeadline?) {
    var due: [UInt32] = []
    var next: NIODeadline? = nil
    pending.forEach { xid, entry in
        let time = time(entry)
        if time <= now {
            due.append(xid)
        } else if next.map({ time < $0 }) ?? true {
            next = time
        }
    }
    return (due, next)
}

/// Where the reply to a call goes: a promise, or the continuation of the task that made the
/// call (when it was made on the channel's event loop: one resumption, no future callbacks).
enum ReplyReceiver {
    case promise(EventLoopPromise<ByteBuffer>)
    /// Resumed exactly once: the handler owns it from the moment it registers the call.
    case continuation(UnsafeContinuation<ByteBuffer, any Error>)

    func succeed(_ reply: ByteBuffer) {
        switch self {
        case .promise(let promise): promise.succeed(reply)
        case .continuation(let continuation): continuation.resume(returning: reply)
        }
    }

    func fail(_ error: any Error) {
        switch self {
        case .promise(let promise): promise.fail(error)
        case .continuation(let continuation): continuation.resume(throwing: error)
        }
    }
}

/// A client handler that takes calls straight from its connection, without a trip through the
/// pipeline (which boxes each call in an `NIOAny` and casts it back).
protocol RPCCallSink: ChannelOutboundHandler, SendableMetatype {
    /// Registers `call` and writes its bytes (not flushed).
    func write(_ call: consuming OutstandingCall, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?)
    /// Drops the call `xid` if it is still in flight and fails it with `CancellationError`:
    /// its task was cancelled. A reply that comes later is dropped as one to an unknown xid.
    func cancel(xid: UInt32)
}

extension RPCCallSink {
    /// Writes and flushes `call` as `writeAndFlush` through the pipeline would. Called on the
    /// channel's event loop only, with this handler's `context`, while the channel is active.
    func send(_ call: consuming OutstandingCall, context: ChannelHandlerContext) {
        write(call, context: context, promise: nil)
        flush(context: context)
    }
}

/// One call handed to a client channel: its message, xid, options and where the reply goes.
struct OutstandingCall {
    var xid: UInt32
    var message: RPCMessageBytes
    var options: RPCCallOptions
    var reply: ReplyReceiver
}

/// What a client handler does with its one timer after an event.
enum ClientTimerAction {
    case none
    /// Cancel the timer if one is set, and set it to fire then.
    case schedule(NIODeadline)
}
