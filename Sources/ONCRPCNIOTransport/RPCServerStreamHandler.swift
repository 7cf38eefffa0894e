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
/// written when its call finishes, in whatever order calls finish. While `maximumCallsInFlight` calls run, records already read
/// wait in order (a single read can hold many) and reading pauses until they are dispatched.
///
/// The connection ends when the peer closes it, on a stream error (a bad record), or after
/// ``ChannelEvent/inputClosed`` (the transport's graceful shutdown) once the calls in flight are
/// answered. When the connection closes with calls still running (the peer left, or the server
/// stops at once), their tasks are cancelled: no one can receive their replies. `finished`
/// succeeds when the connection is closed and no handler is running.
final class RPCServerStreamHandler: ChannelDuplexHandler {
    /// Bytes of the stream.
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    /// Record-marked bytes.
    typealias OutboundOut = ByteBuffer

    private let dispatcher: RPCDispatcher
    private let peer: RPCPeer
    private let maximumCallsInFlight: Int
    private let logger: Logger
    /// Succeeds when the channel is closed and no call is in flight.
    let finished: EventLoopPromise<Void>

    private var inFlight = 0
    /// The tasks of the calls in flight.
    private let tasks: HandlerTasks
    /// Records read while at the in-flight limit, dispatched in order as calls finish.
    private var waiting = CircularBuffer<ByteBuffer>()
    private var readHeldBack = false
    private var draining = false
    private var active = true
    private var unflushed = false
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

    init(
        dispatcher: RPCDispatcher, peer: RPCPeer, maximumCallsInFlight: Int, maximumRecordSize: Int,
        maximumFragmentSize: Int, eventLoop: any EventLoop, logger: Logger
    ) {
        self.records = RecordReader(maximumRecordSize: maximumRecordSize)
        self.maximumFragmentSize = maximumFragmentSize
        self.dispatcher = dispatcher
        self.peer = peer
        self.maximumCallsInFlight = maximumCallsInFlight
        self.tasks = HandlerTasks(executor: EventLoopTaskExecutor(eventLoop: eventLoop))
        self.logger = logger
        self.finished = eventLoop.makePromise()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.completion = { reply in loopBound.value.complete(reply) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // Tasks still running keep their own reference to the closure.
        self.completion = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !draining else { return }
        do {
            try records.read(unwrapInboundIn(data)) { record in
                guard !draining else { return }
                if inFlight >= maximumCallsInFlight {
                    waiting.append(record)
                } else {
                    dispatch(record, context: context)
                }
            }
        } catch {
            errorCaught(context: context, error: error)
        }
        runQueuedCalls(context: context)
    }

    /// Runs the calls `dispatch` queued for their handlers (see ``HandlerTasks/runQueued()``: the
    /// calls of one read share a task while their handlers do not suspend). Handlers that
    /// finish at once free room for records waiting for it, which are dispatched and run in turn.
    private func runQueuedCalls(context: ChannelHandlerContext) {
        guard !runningQueuedCalls else { return }
        runningQueuedCalls = true
        completedWhileRunningQueuedCalls = false
        defer {
            runningQueuedCalls = false
            // One clock reading for all the calls answered here.
            if completedWhileRunningQueuedCalls {
                lastCompletion = .now()
            }
        }
        repeat {
            tasks.runQueued()
            while active, inFlight < maximumCallsInFlight, let record = waiting.popFirst() {
                dispatch(record, context: context)
            }
        } while tasks.hasQueued
    }

    /// Writes `reply` as a record-marked record (not flushed).
    private func write(_ reply: consuming RPCMessageBytes, context: ChannelHandlerContext) {
        RecordMarking.frame(reply, maximumFragmentSize: maximumFragmentSize, allocator: context.channel.allocator) {
            bytes, _ in
            context.write(wrapOutboundOut(bytes), promise: nil)
        }
    }

    private func dispatch(_ record: ByteBuffer, context: ChannelHandlerContext) {
        let reply: RPCMessageBytes?
        switch dispatcher.start(record: record, peer: peer) {
        case .finished(let finished):
            reply = finished.map { RPCMessageBytes(first: $0) }
        case .pending(let call):
            // Run with the other calls of this read once they are all dispatched.
            guard let completion else { return }
            inFlight += 1
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
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// A handler finished: write its reply. Outside ``runQueuedCalls(context:)`` (the handler
    /// had suspended), also dispatch and run the records waiting for room, flush, read again
    /// once none wait, and close a draining connection once nothing is in flight.
    private func complete(_ reply: consuming RPCMessageBytes?) {
        inFlight -= 1
        if runningQueuedCalls {
            completedWhileRunningQueuedCalls = true
        } else {
            lastCompletion = .now()
        }
        guard let context, active else {
            waiting.removeAll()
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
        while inFlight < maximumCallsInFlight, let record = waiting.popFirst() {
            dispatch(record, context: context)
        }
        runQueuedCalls(context: context)
        unflushed = false
        context.flush()
        if readHeldBack, waiting.isEmpty, inFlight < maximumCallsInFlight, !draining {
            readHeldBack = false
            context.read()
        }
        if draining, inFlight == 0, waiting.isEmpty {
            context.close(promise: nil)
        }
        finishIfIdle()
    }

    func read(context: ChannelHandlerContext) {
        if inFlight >= maximumCallsInFlight || !waiting.isEmpty || draining {
            readHeldBack = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // No more calls: answer the ones in flight and those already read, then close.
            draining = true
            if inFlight == 0, waiting.isEmpty {
                context.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("closing the connection after an error", metadata: ["peer": "\(peer)", "error": "\(error)"])
        draining = true
        context.close(promise: nil)
    }

    /// When the last call handled by a task finished (the idle timeout counts from then too).
    private(set) var lastCompletion = NIODeadline.uptimeNanoseconds(0)

    /// Whether a call is running or waiting for room (the idle timeout does not apply then).
    var hasCallsInFlight: Bool {
        inFlight > 0 || !waiting.isEmpty
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        draining = true
        waiting.removeAll()
        inFlight -= tasks.cancelAll()
        finishIfIdle()
        context.fireChannelInactive()
    }

    private func finishIfIdle() {
        if !active, inFlight == 0 {
            finished.succeed()
        }
    }
}
