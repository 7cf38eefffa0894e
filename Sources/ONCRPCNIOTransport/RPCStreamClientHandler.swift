import Logging
import NIOCore
import ONCRPC

/// The client side of a stream connection: frames each call with record marking, reads reply
/// records out of the byte stream, keeps the calls in flight by xid, completes each with its
/// reply in whatever order replies come, times them out, and fails them all when the
/// connection closes. All state lives on the channel's event loop.
///
/// Record marking is done here rather than by handlers of its own: the bytes read become
/// records, and records become written bytes, without another hop through the pipeline.
///
/// The calls in flight, the one timeout timer's schedule and the put-off flush are a
/// ``StreamClientStateMachine``; this class does what it answers on the channel.
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

    private var calls = StreamClientStateMachine()
    /// The one timer for the calls' timeouts, while it is set.
    private var timer: Scheduled<Void>?
    private let logger: Logger
    /// Reply records, reassembled from the bytes read.
    private var records: RecordReader
    /// The largest reply record accepted for a call that sets no limit of its own, and for a
    /// record whose xid is not known.
    private let maximumRecordSize: Int
    private let maximumFragmentSize: Int
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
        let (replaced, timerAction) = calls.callWritten(
            xid: call.xid,
            StreamClientStateMachine.Call(
                reply: call.reply, deadline: deadline, timeout: call.options.timeout,
                maximumReplySize: call.options.maximumReplySize ?? maximumRecordSize))
        replaced?.reply.fail(RPCError(code: .invalidReply, message: "another call took over xid \(call.xid)"))
        apply(timerAction, on: context.eventLoop)
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
        switch calls.flushRequested() {
        case .now:
            writeBatch(context: context)
            context.flush()
        case .alreadyScheduled:
            break
        case .atEndOfBatch:
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.calls.scheduledFlushRan()
                handler.writeBatch(context: context)
                context.flush()
            }
        }
    }

    /// Sets the timer as the state machine says.
    private func apply(_ action: ClientTimerAction, on eventLoop: any EventLoop) {
        guard case .schedule(let deadline) = action else { return }
        timer?.cancel()
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        timer = eventLoop.scheduleTask(deadline: deadline) {
            loopBound.value.timerFired(on: eventLoop)
        }
    }

    /// Fails the calls whose deadline has passed and sets the timer for the next one.
    private func timerFired(on eventLoop: any EventLoop) {
        timer = nil
        let (timedOut, timerAction) = calls.timerFired(now: eventLoop.now)
        for (xid, call) in timedOut {
            call.reply.fail(RPCError(code: .timedOut, message: "no reply to xid \(xid) within \(call.timeout)"))
        }
        apply(timerAction, on: eventLoop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A call whose reply is over its limit is failed after the read, once it is known
        // whether the connection goes on.
        var refused: [(xid: UInt32?, size: Int, limit: Int)] = []
        do {
            try records.readReplies(
                unwrapInboundIn(data),
                limit: { xid in xid.flatMap { calls.maximumReplySize(of: $0) } ?? maximumRecordSize },
                oversized: { xid, size, limit in refused.append((xid, size, limit)) },
                { record in receive(record) })
        } catch {
            let tooLarge = refused.compactMap { entry in entry.xid.flatMap { calls.replyArrived(xid: $0) } }
            errorCaught(context: context, error: error)
            for (call, entry) in zip(tooLarge, refused) {
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
        guard let entry = calls.replyArrived(xid: xid) else {
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
        calls.cancelled(xid: xid)?.reply.fail(CancellationError())
    }

    /// Fails the call a record too large for it replies to (the record's bytes are dropped as
    /// they come; the connection carries on).
    private func refuse(xid: UInt32?, size: Int, limit: Int) {
        guard let xid, let entry = calls.replyArrived(xid: xid) else {
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
        let inFlight = takeAll()
        context.close(promise: nil)
        let failure = RPCError(code: .connectionClosed, message: "the connection failed", cause: error)
        for call in inFlight {
            call.value.reply.fail(failure)
        }
    }

    private func failAll(_ error: RPCError) {
        for call in takeAll() {
            call.value.reply.fail(error)
        }
    }

    /// Takes every call in flight out of the table, and stops the timer.
    private func takeAll() -> [(xid: UInt32, value: StreamClientStateMachine.Call)] {
        timer?.cancel()
        timer = nil
        return calls.connectionEnded()
    }
}

