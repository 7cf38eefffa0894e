import NIOCore

/// The calls a client stream connection has in flight, its one timeout timer, and its put-off
/// flush, as ``RPCStreamClientHandler`` sees them.
///
/// Each event is a method whose result says what to do on the wire: which call a reply or a
/// cancellation completes, when the timer is to fire next, which calls have timed out, whether
/// to flush now or at the end of the event loop's batch. The handler owns the channel, the timer
/// and the record framing.
///
/// Timeouts cost no timer per call: the one timer is set for the earliest deadline in flight,
/// and when it fires it fails the calls that are due and is set again for the next. Calls with
/// equal timeouts have increasing deadlines, so a new call rarely moves the timer.
struct StreamClientStateMachine {
    /// A call in flight.
    struct Call {
        var reply: ReplyReceiver
        var deadline: NIODeadline
        var timeout: Duration
        /// The largest reply record accepted for the call.
        var maximumReplySize: Int
    }

    private var calls = XIDTable<Call>()
    /// When the handler's timer fires, while it is set.
    private var timerDeadline: NIODeadline?
    /// Whether a flush has been put off to the end of the event loop's current batch of tasks.
    private var flushScheduled = false

    /// The number of calls in flight.
    var callsInFlight: Int { calls.count }

    /// `call` was registered for `xid`. Returns a call it took the xid from (to fail), and
    /// what to do with the timer.
    mutating func callWritten(xid: UInt32, _ call: Call) -> (replaced: Call?, timer: ClientTimerAction) {
        let deadline = call.deadline
        let replaced = calls.updateValue(call, forKey: xid)
        if let timerDeadline, timerDeadline <= deadline {
            return (replaced, .none)
        }
        timerDeadline = deadline
        return (replaced, .schedule(deadline))
    }

    /// The largest reply accepted for `xid`, if it is in flight.
    func maximumReplySize(of xid: UInt32) -> Int? {
        calls[xid]?.maximumReplySize
    }

    /// A reply (or a reply too large to take) came for `xid`: the call it completes, if it is
    /// still in flight.
    mutating func replyArrived(xid: UInt32) -> Call? {
        calls.removeValue(forKey: xid)
    }

    /// The task of call `xid` was cancelled: the call, if it is still in flight.
    mutating func cancelled(xid: UInt32) -> Call? {
        calls.removeValue(forKey: xid)
    }

    /// The timer fired at `now`: the calls that have timed out (taken out of the table), and
    /// when it is to fire next.
    mutating func timerFired(now: NIODeadline) -> (timedOut: [(xid: UInt32, call: Call)], timer: ClientTimerAction) {
        timerDeadline = nil
        let (due, next) = splitByTime(calls, now: now) { $0.deadline }
        var timedOut: [(xid: UInt32, call: Call)] = []
        for xid in due {
            if let call = calls.removeValue(forKey: xid) {
                timedOut.append((xid, call))
            }
        }
        guard let next else { return (timedOut, .none) }
        timerDeadline = next
        return (timedOut, .schedule(next))
    }

    /// The connection closed or failed: every call in flight, taken out of the table. The
    /// timer is to be cancelled.
    mutating func connectionEnded() -> [(xid: UInt32, value: Call)] {
        timerDeadline = nil
        return calls.removeAll()
    }

    enum FlushAction {
        /// Nothing else is in flight: flush at once, so a sequential caller waits for nothing.
        case now
        /// Other calls are in flight, whose replies may be resuming callers about to write:
        /// flush at the end of the event loop's batch, once for all of them.
        case atEndOfBatch
        /// Such a flush is already put off.
        case alreadyScheduled
    }

    /// A call was written and asks for a flush.
    mutating func flushRequested() -> FlushAction {
        // The table holds the call just written: more than one means others are in flight.
        guard calls.count > 1 else { return .now }
        guard !flushScheduled else { return .alreadyScheduled }
        flushScheduled = true
        return .atEndOfBatch
    }

    /// The put-off flush runs.
    mutating func scheduledFlushRan() {
        flushScheduled = false
    }
}
