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

/// The client side of a stream connection: frames each call with record marking, reads reply
/// records out of the byte stream, keeps the calls in flight by xid, completes each with its
/// reply in whatever order replies come, times them out, and fails them all when the
/// connection closes. All state lives on the channel's event loop.
///
/// Record marking is done here rather than by handlers of its own: the bytes read become
/// records, and records become written bytes, without another hop through the pipeline.
///
/// Timeouts cost no timer per call: one timer is set for the earliest deadline in flight, and
/// when it fires it fails the calls that are due and is set again for the next one. Calls with
/// equal timeouts have increasing deadlines, so a new call rarely moves the timer.
///
/// Flushes are coalesced while other calls are in flight: a batch of replies read at once
/// resumes a batch of callers on the event loop, and the calls they make next leave in one
/// `writev` at the end of that batch rather than one `write` each. A call made while nothing else
/// is in flight is flushed at once, so a sequential caller waits for nothing.
final class RPCStreamClientHandler: ChannelDuplexHandler, RPCCallSink {
    /// Bytes of the stream.
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutstandingCall
    /// Record-marked bytes.
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var reply: ReplyReceiver
        var deadline: NIODeadline
        var timeout: Duration
        /// The largest reply record accepted for the call.
        var maximumReplySize: Int
    }

    private var pending = XIDTable<Pending>()
    /// The timer for the earliest deadline, and that deadline.
    private var expiry: (timer: Scheduled<Void>, deadline: NIODeadline)?
    private let logger: Logger
    /// Reply records, reassembled from the bytes read.
    private var records: RecordReader
    /// The largest reply record accepted for a call that sets no limit of its own, and for a
    /// record whose xid is not known.
    private let maximumRecordSize: Int
    private let maximumFragmentSize: Int
    /// Whether a flush has been put off to the end of the event loop's current batch of tasks.
    private var flushScheduled = false
    /// Small calls written since the last flush, which leave together with it.
    private var batch = RecordBatch()
    /// The channel's allocator, looked up once.
    private var allocator = ByteBufferAllocator()

    func handlerAdded(context: ChannelHandlerContext) {
        allocator = context.channel.allocator
    }

    init(maximumRecordSize: Int, maximumFragmentSize: Int, logger: Logger) {
        self.records = RecordReader(maximumRecordSize: maximumRecordSize)
        self.maximumRecordSize = maximumRecordSize
        self.maximumFragmentSize = maximumFragmentSize
        self.logger = logger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        write(unwrapOutboundIn(data), context: context, promise: promise)
    }

    /// Registers `call` and writes it, record-marked (not flushed).
    func write(_ call: consuming OutstandingCall, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let deadline = context.eventLoop.now + TimeAmount(call.options.timeout)
        let replaced = pending.updateValue(
            Pending(
                reply: call.reply, deadline: deadline, timeout: call.options.timeout,
                maximumReplySize: call.options.maximumReplySize ?? maximumRecordSize),
            forKey: call.xid)
        replaced?.reply.fail(RPCError(code: .invalidReply, message: "another call took over xid \(call.xid)"))
        setExpiry(at: deadline, on: context.eventLoop)
        // The call is done with but for its message, which goes to framing unshared.
        let message = call.message
        _ = consume call
        if promise == nil, RecordBatch.accepts(message, maximumFragmentSize: maximumFragmentSize) {
            batch.append(message, allocator: allocator)
            return
        }
        writeBatch(context: context)
        RecordMarking.frame(consume message, maximumFragmentSize: maximumFragmentSize, allocator: allocator) {
            bytes, isLast in
            context.write(wrapOutboundOut(bytes), promise: isLast ? promise : nil)
        }
    }

    /// Hands the batched calls to the channel (not flushed).
    private func writeBatch(context: ChannelHandlerContext) {
        batch.take(allocator: allocator) { bytes in
            context.write(wrapOutboundOut(bytes), promise: nil)
        }
    }

    func flush(context: ChannelHandlerContext) {
        // `pending` holds the call just written: more than one means others are in flight,
        // whose replies may be resuming other callers that are about to write.
        guard pending.count > 1 else {
            writeBatch(context: context)
            context.flush()
            return
        }
        guard !flushScheduled else { return }
        flushScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.flushScheduled = false
            handler.writeBatch(context: context)
            context.flush()
        }
    }

    /// Makes sure the timer fires by `deadline`.
    private func setExpiry(at deadline: NIODeadline, on eventLoop: any EventLoop) {
        if let expiry, expiry.deadline <= deadline { return }
        expiry?.timer.cancel()
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let timer = eventLoop.scheduleTask(deadline: deadline) {
            loopBound.value.expireDueCalls(on: eventLoop)
        }
        expiry = (timer, deadline)
    }

    /// Fails the calls whose deadline has passed and sets the timer for the next one.
    private func expireDueCalls(on eventLoop: any EventLoop) {
        expiry = nil
        let now = eventLoop.now
        let (due, next) = splitByTime(pending, now: now) { $0.deadline }
        for xid in due {
            guard let entry = pending.removeValue(forKey: xid) else { continue }
            entry.reply.fail(RPCError(code: .timedOut, message: "no reply to xid \(xid) within \(entry.timeout)"))
        }
        if let next {
            setExpiry(at: next, on: eventLoop)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A call whose reply is over its limit is failed after the read, once it is known
        // whether the connection goes on.
        var refused: [(xid: UInt32?, size: Int, limit: Int)] = []
        do {
            try records.readReplies(
                unwrapInboundIn(data),
                limit: { xid in xid.flatMap { pending[$0]?.maximumReplySize } ?? maximumRecordSize },
                oversized: { xid, size, limit in refused.append((xid, size, limit)) },
                { record in receive(record) })
        } catch {
            let calls = refused.compactMap { entry in entry.xid.flatMap { pending.removeValue(forKey: $0) } }
            errorCaught(context: context, error: error)
            for (call, entry) in zip(calls, refused) {
                call.reply.fail(Self.replyTooLarge(xid: entry.xid ?? 0, size: entry.size, limit: entry.limit))
            }
            return
        }
        for entry in refused {
            refuse(xid: entry.xid, size: entry.size, limit: entry.limit)
        }
    }

    /// Completes the call `record` replies to.
    private func receive(_ record: ByteBuffer) {
        guard let xid = replyXID(of: record) else {
            logger.debug("dropping a record that is not a reply", metadata: ["bytes": "\(record.readableBytes)"])
            return
        }
        guard let entry = pending.removeValue(forKey: xid) else {
            logger.debug("dropping a reply with an unknown xid", metadata: ["xid": "\(xid)"])
            return
        }
        // A record whose first fragment was too short to carry its xid was held to the
        // connection's limit, not its call's: it is checked against the call's now.
        guard record.readableBytes <= entry.maximumReplySize else {
            entry.reply.fail(Self.replyTooLarge(xid: xid, size: record.readableBytes, limit: entry.maximumReplySize))
            return
        }
        entry.reply.succeed(record)
    }

    func cancel(xid: UInt32) {
        pending.removeValue(forKey: xid)?.reply.fail(CancellationError())
    }

    /// Fails the call a record too large for it replies to (the record's bytes are dropped as
    /// they come; the connection carries on).
    private func refuse(xid: UInt32?, size: Int, limit: Int) {
        guard let xid, let entry = pending.removeValue(forKey: xid) else {
            logger.debug(
                "dropping an oversized record that answers no call",
                metadata: ["bytes": "\(size)", "limit": "\(limit)"])
            return
        }
        entry.reply.fail(Self.replyTooLarge(xid: xid, size: size, limit: limit))
    }

    static func replyTooLarge(xid: UInt32, size: Int, limit: Int) -> RPCError {
        RPCError(
            code: .replyTooLarge,
            message: "the reply to xid \(xid) is at least \(size) bytes, over the limit of \(limit)"
                + " (raise it with RPCCallOptions.maximumReplySize)")
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RPCError(code: .connectionClosed, message: "the connection closed before the reply came"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("closing the connection after an error", metadata: ["error": "\(error)"])
        // The channel is closed before its callers hear of it, so that a caller that goes on
        // to make another call finds it closed and connects again.
        let calls = takeAll()
        context.close(promise: nil)
        let failure = RPCError(code: .connectionClosed, message: "the connection failed", cause: error)
        for call in calls {
            call.value.reply.fail(failure)
        }
    }

    private func failAll(_ error: RPCError) {
        for call in takeAll() {
            call.value.reply.fail(error)
        }
    }

    /// Takes every call in flight out of the table, and stops the timer.
    private func takeAll() -> [(xid: UInt32, value: Pending)] {
        let calls = pending.removeAll()
        expiry?.timer.cancel()
        expiry = nil
        return calls
    }
}

/// The client side of a datagram socket: one call per datagram, retransmitted by the call's
/// policy until its reply comes or its total timeout passes; replies matched by xid.
///
/// Retransmissions cost no timer per call: one timer is set for the earliest retransmission
/// (or final timeout) due, and when it fires it retransmits or fails the calls that are due and
/// is set again for the next. Calls made one after another with the same policy come due in the
/// order they were made, so a new call rarely moves the timer.
final class RPCDatagramClientHandler: ChannelDuplexHandler, RPCCallSink {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundIn = OutstandingCall
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private struct Pending {
        var reply: ReplyReceiver
        var message: ByteBuffer
        var retransmit: RPCRetransmitPolicy
        var timeout: Duration
        /// When the call's total timeout passes.
        var deadline: NIODeadline
        /// When it is sent again (or fails, if that is its deadline).
        var due: NIODeadline
        /// The wait after the next transmission.
        var interval: Duration
        var transmissions: Int
        /// The largest reply accepted (a datagram is never more than 64 KiB anyway).
        var maximumReplySize: Int
    }

    private var pending = XIDTable<Pending>()
    /// The timer for the earliest `due` in flight, and that time.
    private var expiry: (timer: Scheduled<Void>, due: NIODeadline)?
    private let remote: SocketAddress
    private let logger: Logger

    init(remote: SocketAddress, logger: Logger) {
        self.remote = remote
        self.logger = logger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        write(unwrapOutboundIn(data), context: context, promise: promise)
    }

    /// Registers `call` and writes its datagram (not flushed).
    func write(_ call: consuming OutstandingCall, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let now = context.eventLoop.now
        let retransmit = call.options.retransmit
        let deadline = now + TimeAmount(call.options.timeout)
        let message = call.message.joined
        let entry = Pending(
            reply: call.reply, message: message, retransmit: retransmit, timeout: call.options.timeout,
            deadline: deadline, due: min(now + TimeAmount(retransmit.initialInterval), deadline),
            interval: retransmit.interval(after: retransmit.initialInterval), transmissions: 1,
            maximumReplySize: call.options.maximumReplySize ?? Int.max)
        let replaced = pending.updateValue(entry, forKey: call.xid)
        replaced?.reply.fail(RPCError(code: .invalidReply, message: "another call took over xid \(call.xid)"))
        setExpiry(at: entry.due, context: context)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: remote, data: message)), promise: promise)
    }

    /// Makes sure the timer fires by `due`.
    private func setExpiry(at due: NIODeadline, context: ChannelHandlerContext) {
        if let expiry, expiry.due <= due { return }
        expiry?.timer.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(deadline: due) {
            let (handler, context) = loopBound.value
            handler.transmitDueCalls(context: context)
        }
        expiry = (timer, due)
    }

    /// Sends again the calls that are due, fails those past their timeout, and sets the timer
    /// for the next one.
    private func transmitDueCalls(context: ChannelHandlerContext) {
        expiry = nil
        let now = context.eventLoop.now
        var (due, next) = splitByTime(pending, now: now) { $0.due }
        var sent = false
        for xid in due {
            guard var entry = pending[xid] else { continue }
            if now >= entry.deadline {
                pending.removeValue(forKey: xid)
                entry.reply.fail(
                    RPCError(
                        code: .timedOut,
                        message: "no reply to xid \(xid) within \(entry.timeout) (\(entry.transmissions) transmissions)"
                    ))
                continue
            }
            entry.transmissions += 1
            entry.due = min(now + TimeAmount(entry.interval), entry.deadline)
            entry.interval = entry.retransmit.interval(after: entry.interval)
            pending[xid] = entry
            if next.map({ entry.due < $0 }) ?? true {
                next = entry.due
            }
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: remote, data: entry.message)), promise: nil)
            sent = true
        }
        if sent {
            context.flush()
        }
        if let next {
            setExpiry(at: next, context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let record = envelope.data
        guard let xid = replyXID(of: record) else {
            logger.debug("dropping a datagram that is not a reply", metadata: ["from": "\(envelope.remoteAddress)"])
            return
        }
        guard let entry = pending.removeValue(forKey: xid) else {
            logger.debug("dropping a reply with an unknown xid", metadata: ["xid": "\(xid)"])
            return
        }
        guard record.readableBytes <= entry.maximumReplySize else {
            entry.reply.fail(
                RPCStreamClientHandler.replyTooLarge(
                    xid: xid, size: record.readableBytes, limit: entry.maximumReplySize))
            return
        }
        entry.reply.succeed(record)
    }

    func cancel(xid: UInt32) {
        // Out of the table, so it is not sent again.
        pending.removeValue(forKey: xid)?.reply.fail(CancellationError())
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors (for example "connection refused") surface here; the retransmission timer
        // keeps trying until the call's timeout.
        logger.debug("datagram socket error", metadata: ["error": "\(error)"])
    }

    func channelInactive(context: ChannelHandlerContext) {
        let calls = pending.removeAll()
        expiry?.timer.cancel()
        expiry = nil
        for call in calls {
            call.value.reply.fail(RPCError(code: .connectionClosed, message: "the client socket closed"))
        }
        context.fireChannelInactive()
    }
}
