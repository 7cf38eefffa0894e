import NIOCore
import ONCRPC

/// The calls a client datagram socket has in flight and its one retransmission timer, as
/// ``RPCDatagramClientHandler`` sees them.
///
/// Each call is sent again by its policy until its reply comes or its total timeout passes.
/// Retransmissions cost no timer per call: the one timer is set for the earliest
/// retransmission (or final timeout) due, and when it fires the calls that are due are sent
/// again or failed, and it is set for the next. Calls made one after another with the same
/// policy come due in the order they were made, so a new call rarely moves the timer.
struct DatagramClientStateMachine {
    /// A call in flight.
    struct Call {
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

        /// A call first sent at `now`.
        init(
            reply: ReplyReceiver, message: ByteBuffer, options: RPCCallOptions, now: NIODeadline
        ) {
            let retransmit = options.retransmit
            let deadline = now + TimeAmount(options.timeout)
            self.reply = reply
            self.message = message
            self.retransmit = retransmit
            self.timeout = options.timeout
            self.deadline = deadline
            self.due = min(now + TimeAmount(retransmit.initialInterval), deadline)
            self.interval = retransmit.interval(after: retransmit.initialInterval)
            self.transmissions = 1
            self.maximumReplySize = options.maximumReplySize ?? Int.max
        }
    }

    private var calls = XIDTable<Call>()
    /// When the handler's timer fires, while it is set.
    private var timerDeadline: NIODeadline?

    /// The number of calls in flight.
    var callsInFlight: Int { calls.count }

    /// `call` was sent for `xid`. Returns a call it took the xid from (to fail), and what to do
    /// with the timer.
    mutating func callSent(
        xid: UInt32, _ call: Call
    ) -> (replaced: Call?, timer: ClientTimerAction) {
        let due = call.due
        let replaced = calls.updateValue(call, forKey: xid)
        return (replaced, setTimer(for: due))
    }

    private mutating func setTimer(for due: NIODeadline) -> ClientTimerAction {
        if let timerDeadline, timerDeadline <= due { return .none }
        timerDeadline = due
        return .schedule(due)
    }

    /// A reply came for `xid`: the call it completes, if it is still in flight.
    mutating func replyArrived(xid: UInt32) -> Call? {
        calls.removeValue(forKey: xid)
    }

    /// The task of call `xid` was cancelled: the call, if it is still in flight (it is not sent
    /// again).
    mutating func cancelled(xid: UInt32) -> Call? {
        calls.removeValue(forKey: xid)
    }

    /// The timer fired at `now`: the calls past their timeout (taken out of the table), the
    /// datagrams to send again, and when the timer is to fire next.
    mutating func timerFired(
        now: NIODeadline
    ) -> (timedOut: [(xid: UInt32, call: Call)], resend: [ByteBuffer], timer: ClientTimerAction) {
        timerDeadline = nil
        var (due, next) = splitByTime(calls, now: now) { $0.due }
        var timedOut: [(xid: UInt32, call: Call)] = []
        var resend: [ByteBuffer] = []
        for xid in due {
            guard var call = calls[xid] else { continue }
            if now >= call.deadline {
                calls.removeValue(forKey: xid)
                timedOut.append((xid, call))
                continue
            }
            call.transmissions += 1
            call.due = min(now + TimeAmount(call.interval), call.deadline)
            call.interval = call.retransmit.interval(after: call.interval)
            if next.map({ call.due < $0 }) ?? true {
                next = call.due
            }
            resend.append(call.message)
            calls[xid] = call
        }
        guard let next else { return (timedOut, resend, .none) }
        timerDeadline = next
        return (timedOut, resend, .schedule(next))
    }

    /// The socket closed: every call in flight, taken out of the table. The timer is to be
    /// cancelled.
    mutating func socketClosed() -> [(xid: UInt32, value: Call)] {
        timerDeadline = nil
        return calls.removeAll()
    }
}
