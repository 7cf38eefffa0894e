import Logging
import NIOCore
import ONCRPC

/// The server side of one stream connection, on its event loop: reads call records out of the
/// byte stream (record marking is done here, not by handlers of its own, so a record goes from
/// the read to its dispatch and its reply to the socket without another pipeline hop) and
/// dispatches each where it arrives. Calls answered without a handler are answered at once; the
/// calls of one read that need a handler run in a task started in place on the connection's
/// event loop, one after another while their handlers do not suspend (those are answered at
/// once too); a handler that suspends leaves the calls after it to another task. Each reply is
/// written when its call finishes, in whatever order calls finish; small replies written
/// together leave in one buffer (``RecordBatch``). While `maximumCallsInFlight` calls run,
/// records already read wait in order (a single read can hold many) and reading pauses until
/// they are dispatched.
///
/// It also keeps the connection's deadlines, from the reads and calls it sees (no handler of
/// their own, so a read makes no extra hop through the pipeline and no second pass over its
/// fragment headers): the connection is closed when a record takes longer than `recordTimeout`
/// to arrive (a client trickling bytes cannot hold it forever), or when for `idleTimeout`
/// nothing has been received and no call has been in flight. There is no timer per call: one for
/// idleness, rescheduled from the last activity when it fires, and one armed only while a read
/// has ended in the middle of a record.
///
/// The connection ends when the peer closes it, on a stream error (a bad record), or after
/// ``ChannelEvent/inputClosed`` (the transport's graceful shutdown) once the calls in flight are
/// answered. When the connection closes with calls still running (the peer left, or the server
/// stops at once), their tasks are cancelled: no one can receive their replies. `finished`
/// succeeds when the connection is closed and no handler is running.
///
/// The connection's state is in two types of their own: ``ServerConnectionStateMachine`` (calls
/// in flight, records waiting, reads held back, draining and closing) and
/// ``ServerConnectionDeadlines`` (the idle and record timeouts); this class turns their answers
/// into channel operations and keeps what belongs to the wire (the record reader, the reply
/// batch, the timers).
final class RPCServerStreamHandler: ChannelDuplexHandler {
    /// Bytes of the stream.
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    /// Record-marked bytes.
    typealias OutboundOut = ByteBuffer

    private let dispatcher: RPCDispatcher
    private let peer: RPCPeer
    private let logger: Logger
    /// Succeeds when the channel is closed and no call is in flight.
    let finished: EventLoopPromise<Void>

    private var connection: ServerConnectionStateMachine
    private var deadlines: ServerConnectionDeadlines
    /// The tasks of the calls in flight.
    private let tasks: HandlerTasks
    /// Whether replies have been written since the last flush.
    private var unflushed = false
    /// Small replies written since the last flush, which leave together with it.
    private var batch = RecordBatch()
    /// The channel's allocator, looked up once.
    private var allocator = ByteBufferAllocator()
    /// Set while ``runQueuedCalls(context:)`` runs: replies then wait for its caller's flush.
    private var runningQueuedCalls = false
    /// Whether a call finished during the current ``runQueuedCalls(context:)``.
    private var completedWhileRunningQueuedCalls = false
    private var context: ChannelHandlerContext?
    /// What a handler's task calls with its reply, made once per connection (in
    /// `handlerAdded`, dropped in `handlerRemoved`) rather than once per call.
    private var completion: HandlerTasks.Completion?
    /// Call records, reassembled from the bytes read.
    private var records: RecordReader
    private let maximumFragmentSize: Int

    private var idleTimer: Scheduled<Void>?
    private var recordTimer: Scheduled<Void>?

    init(
        dispatcher: RPCDispatcher, peer: RPCPeer, maximumCallsInFlight: Int, maximumRecordSize: Int,
        maximumFragmentSize: Int, idleTimeout: Duration?, recordTimeout: Duration?, eventLoop: any EventLoop,
        logger: Logger
    ) {
        self.deadlines = ServerConnectionDeadlines(
            idleTimeout: idleTimeout.map(TimeAmount.init), recordTimeout: recordTimeout.map(TimeAmount.init),
            now: .now())
        self.connection = ServerConnectionStateMachine(maximumCallsInFlight: maximumCallsInFlight)
        self.records = RecordReader(maximumRecordSize: maximumRecordSize)
        self.maximumFragmentSize = maximumFragmentSize
        self.dispatcher = dispatcher
        self.peer = peer
        self.tasks = HandlerTasks(executor: EventLoopTaskExecutor(eventLoop: eventLoop))
        self.logger = logger
        self.finished = eventLoop.makePromise()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.allocator = context.channel.allocator
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.completion = { reply in loopBound.value.complete(reply) }
        // An accepted connection may already be active when the pipeline is built.
        if context.channel.isActive {
            startIdleClock(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        startIdleClock(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // Tasks still running keep their own reference to the closure.
        self.completion = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard connection.acceptsRecords else { return }
        // One clock reading per read, for the deadlines and the calls answered during it.
        let now = NIODeadline.now()
        let wasMidRecord = records.isMidRecord
        var completedRecord = false
        do {
            try records.read(unwrapInboundIn(data)) { record in
                completedRecord = true
                if case .dispatch = connection.recordRead(record) {
                    dispatch(record, context: context)
                }
            }
        } catch {
            errorCaught(context: context, error: error)
        }
        if let check = deadlines.bytesRead(
            at: now, wasMidRecord: wasMidRecord, completedRecord: completedRecord, isMidRecord: records.isMidRecord)
        {
            scheduleRecordCheck(context: context, at: check)
        }
        runQueuedCalls(context: context, now: now)
    }

    /// Runs the calls `dispatch` queued for their handlers (see ``HandlerTasks/runQueued()``: the
    /// calls of one read share a task while their handlers do not suspend). Handlers that
    /// finish at once free room for records waiting for it, which are dispatched and run in turn.
    /// `now`, when given, is a clock reading just taken, which the calls answered here share.
    private func runQueuedCalls(context: ChannelHandlerContext, now: NIODeadline? = nil) {
        guard !runningQueuedCalls else { return }
        runningQueuedCalls = true
        completedWhileRunningQueuedCalls = false
        defer {
            runningQueuedCalls = false
            // One clock reading for all the calls answered here.
            if completedWhileRunningQueuedCalls {
                deadlines.activity(at: now ?? .now())
            }
        }
        repeat {
            tasks.runQueued()
            while let record = connection.nextWaitingRecord() {
                dispatch(record, context: context)
            }
        } while tasks.hasQueued
    }

    /// Writes `reply` as a record-marked record (not flushed): a small one into the batch of
    /// replies that leaves with the next flush, a larger one on its own after that batch.
    private func write(_ reply: consuming RPCMessageBytes, context: ChannelHandlerContext) {
        if RecordBatch.accepts(reply, maximumFragmentSize: maximumFragmentSize) {
            batch.append(reply, allocator: allocator)
            return
        }
        writeBatch(context: context)
        RecordMarking.frame(reply, maximumFragmentSize: maximumFragmentSize, allocator: allocator) { bytes, _ in
            context.write(wrapOutboundOut(bytes), promise: nil)
        }
    }

    /// Hands the batched replies to the channel (not flushed).
    private func writeBatch(context: ChannelHandlerContext) {
        batch.take(allocator: allocator) { bytes in
            context.write(wrapOutboundOut(bytes), promise: nil)
        }
    }

    /// Writes the batched replies and flushes.
    private func flushReplies(context: ChannelHandlerContext) {
        writeBatch(context: context)
        context.flush()
    }

    private func dispatch(_ record: ByteBuffer, context: ChannelHandlerContext) {
        let reply: RPCMessageBytes?
        switch dispatcher.start(record: record, peer: peer) {
        case .finished(let finished):
            reply = finished.map { RPCMessageBytes(first: $0) }
        case .pending(let call):
            // Run with the other calls of this read once they are all dispatched.
            guard let completion else { return }
            connection.callStarted()
            tasks.enqueue(call, completion: completion)
            return
        }
        // The reply is handed over (`consume`): nothing else holds it, so framing writes its
        // header in place instead of copying it.
        if let reply = consume reply {
            write(reply, context: context)
            unflushed = true
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            flushReplies(context: context)
        }
        context.fireChannelReadComplete()
    }

    /// A handler finished: write its reply. Outside ``runQueuedCalls(context:)`` (the handler
    /// had suspended), also dispatch and run the records waiting for room, flush, read again
    /// once none wait, and close a draining connection once nothing is in flight.
    private func complete(_ reply: consuming RPCMessageBytes?) {
        let action = connection.callFinished()
        if runningQueuedCalls {
            completedWhileRunningQueuedCalls = true
        } else {
            deadlines.activity(at: .now())
        }
        guard case .writeReply = action, let context else {
            finishIfIdle()
            return
        }
        if let reply = consume reply {
            write(reply, context: context)
        }
        if runningQueuedCalls {
            // Answered while its read is handled: flushed with the others of the read.
            unflushed = true
            return
        }
        while let record = connection.nextWaitingRecord() {
            dispatch(record, context: context)
        }
        runQueuedCalls(context: context)
        unflushed = false
        flushReplies(context: context)
        if connection.readMayResume() {
            context.read()
        }
        if connection.isDrained {
            context.close(promise: nil)
        }
        finishIfIdle()
    }

    func read(context: ChannelHandlerContext) {
        if case .read = connection.readRequested() {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // No more calls: answer the ones in flight and those already read, then close.
            let closeNow = connection.inputClosed()
            if unflushed {
                unflushed = false
                flushReplies(context: context)
            }
            if closeNow {
                context.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("closing the connection after an error", metadata: ["peer": "\(peer)", "error": "\(error)"])
        connection.streamFailed()
        context.close(promise: nil)
    }

    /// Starts counting idleness from now, once per connection.
    private func startIdleClock(context: ChannelHandlerContext) {
        if let check = deadlines.connectionActive(now: .now()) {
            scheduleIdleCheck(context: context, at: check)
        }
    }

    /// Runs `check` on this handler at `deadline`, on the event loop.
    private func schedule(
        at deadline: NIODeadline, context: ChannelHandlerContext,
        _ check: @escaping @Sendable (RPCServerStreamHandler, ChannelHandlerContext) -> Void
    ) -> Scheduled<Void> {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        return context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            check(handler, context)
        }
    }

    private func scheduleIdleCheck(context: ChannelHandlerContext, at deadline: NIODeadline) {
        idleTimer = schedule(at: deadline, context: context) { $0.checkIdle(context: $1) }
    }

    private func checkIdle(context: ChannelHandlerContext) {
        guard connection.state != .closed else { return }
        // Busy, the record timeout or the calls govern.
        let busy = records.isMidRecord || connection.hasCallsInFlight
        switch deadlines.idleCheck(now: .now(), busy: busy) {
        case .close:
            logger.debug("closing an idle connection", metadata: ["peer": "\(peer)"])
            context.close(promise: nil)
        case .checkAgain(let deadline):
            scheduleIdleCheck(context: context, at: deadline)
        case .none:
            break
        }
    }

    private func scheduleRecordCheck(context: ChannelHandlerContext, at deadline: NIODeadline) {
        recordTimer = schedule(at: deadline, context: context) { $0.checkRecord(context: $1) }
    }

    private func checkRecord(context: ChannelHandlerContext) {
        recordTimer = nil
        guard connection.state != .closed else { return }
        switch deadlines.recordCheck(now: .now(), isMidRecord: records.isMidRecord) {
        case .close:
            logger.debug("closing a connection whose record arrives too slowly", metadata: ["peer": "\(peer)"])
            context.close(promise: nil)
        case .checkAgain(let deadline):
            scheduleRecordCheck(context: context, at: deadline)
        case .none:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        recordTimer?.cancel()
        idleTimer = nil
        recordTimer = nil
        connection.channelClosed(cancelledCalls: tasks.cancelAll())
        finishIfIdle()
        context.fireChannelInactive()
    }

    private func finishIfIdle() {
        if connection.isFinished {
            finished.succeed()
        }
    }
}
