import NIOCore

/// The life of one server stream connection, as its handler (``RPCServerStreamHandler``) sees
/// it: how many calls are running, the call records read while at the in-flight limit, whether
/// a read is held back, and how the connection ends.
///
/// Each event the handler meets is a method; what the handler must do on the wire comes back
/// as the result (dispatch a record, read, close, report that the connection is finished). It
/// holds no channel and runs no timers, so every path can be followed here.
struct ServerConnectionStateMachine {
    enum State: Equatable {
        /// Reading calls and answering them.
        case reading
        /// No more calls are read (the client half-closed, the server is stopping, or the
        /// stream broke): the calls in flight and the records already read are answered,
        /// then the connection is closed.
        case draining
        /// The channel is closed: replies have nowhere to go.
        case closed
    }

    private(set) var state = State.reading
    /// Calls dispatched to a handler that has not finished.
    private(set) var callsInFlight = 0
    /// Records read while at the limit, dispatched in order as calls finish.
    private var waiting = CircularBuffer<ByteBuffer>()
    /// Whether the pipeline asked for a read that was not passed on.
    private var readHeldBack = false
    let maximumCallsInFlight: Int

    init(maximumCallsInFlight: Int) {
        self.maximumCallsInFlight = maximumCallsInFlight
    }

    /// Whether records read now are taken at all.
    var acceptsRecords: Bool { state == .reading }

    /// Whether a call is running or waiting for room (the idle timeout does not apply then).
    var hasCallsInFlight: Bool { callsInFlight > 0 || !waiting.isEmpty }

    /// Whether the channel is closed and no handler is still running.
    var isFinished: Bool { state == .closed && callsInFlight == 0 }

    enum RecordAction {
        /// Dispatch it now.
        case dispatch
        /// Kept until a call finishes (or dropped, when no more records are taken).
        case none
    }

    /// A whole call record was read.
    mutating func recordRead(_ record: ByteBuffer) -> RecordAction {
        guard state == .reading else { return .none }
        if callsInFlight >= maximumCallsInFlight {
            waiting.append(record)
            return .none
        }
        return .dispatch
    }

    /// A dispatched record went to a handler that runs in a task.
    mutating func callStarted() {
        callsInFlight += 1
    }

    /// The next waiting record that now has room to run, taken from the queue.
    mutating func nextWaitingRecord() -> ByteBuffer? {
        guard state != .closed, callsInFlight < maximumCallsInFlight else { return nil }
        return waiting.popFirst()
    }

    enum CallFinishedAction {
        /// Write the reply.
        case writeReply
        /// The channel is closed: drop the reply (the connection may now be finished).
        case dropReply
    }

    /// A handler finished with its reply.
    mutating func callFinished() -> CallFinishedAction {
        callsInFlight -= 1
        return state == .closed ? .dropReply : .writeReply
    }

    /// After a finished call's reply and the records it made room for have been handled:
    /// whether a held-back read may now go through.
    mutating func readMayResume() -> Bool {
        guard readHeldBack, state == .reading, waiting.isEmpty, callsInFlight < maximumCallsInFlight else {
            return false
        }
        readHeldBack = false
        return true
    }

    /// Whether a draining connection has answered everything and is to be closed now.
    var isDrained: Bool { state == .draining && callsInFlight == 0 && waiting.isEmpty }

    enum ReadAction {
        case read
        /// Not now: at the limit, records waiting, or no more calls wanted.
        case holdBack
    }

    /// The pipeline asks for more bytes.
    mutating func readRequested() -> ReadAction {
        if callsInFlight >= maximumCallsInFlight || !waiting.isEmpty || state != .reading {
            readHeldBack = true
            return .holdBack
        }
        return .read
    }

    /// The client closed its half, or the server is stopping: no more calls. Returns whether to
    /// close at once (nothing is left to answer).
    mutating func inputClosed() -> Bool {
        if state == .reading { state = .draining }
        return isDrained
    }

    /// The stream broke (a bad record): the connection is to be closed.
    mutating func streamFailed() {
        if state == .reading { state = .draining }
    }

    /// The channel closed; `cancelledCalls` handlers were cancelled and will not report back.
    mutating func channelClosed(cancelledCalls: Int) {
        state = .closed
        waiting.removeAll()
        callsInFlight -= cancelledCalls
    }
}
