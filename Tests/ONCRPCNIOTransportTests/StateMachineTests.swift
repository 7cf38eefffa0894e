import NIOCore
import NIOEmbedded
import ONCRPC
@testable import ONCRPCNIOTransport
import Testing

/// The handlers' state machines, event by event, without a channel.
@Suite("Handler state machines")
struct StateMachineTests {
    static let record = ByteBuffer(bytes: [0, 0, 0, 1])

    @Test func aServerConnectionQueuesAtItsLimitHoldsReadsBackAndResumes() {
        var connection = ServerConnectionStateMachine(maximumCallsInFlight: 2)
        for _ in 0..<2 {
            guard case .dispatch = connection.recordRead(Self.record) else {
                Issue.record("a record under the limit was not dispatched")
                return
            }
            connection.callStarted()
        }
        // At the limit: the third record waits, and reads are held back.
        guard case .none = connection.recordRead(Self.record) else {
            Issue.record("a record at the limit was dispatched")
            return
        }
        #expect(connection.nextWaitingRecord() == nil)
        guard case .holdBack = connection.readRequested() else {
            Issue.record("a read at the limit went through")
            return
        }
        // One call finishes: the waiting record gets its room, then the read resumes once.
        guard case .writeReply = connection.callFinished() else {
            Issue.record("a reply on an open connection was dropped")
            return
        }
        let result1 = connection.readMayResume()
        #expect(!result1, "a record still waits")
        #expect(connection.nextWaitingRecord() != nil)
        connection.callStarted()
        #expect(connection.nextWaitingRecord() == nil)
        _ = connection.callFinished()
        let result2 = connection.readMayResume()
        #expect(result2)
        let result3 = connection.readMayResume()
        #expect(!result3, "a held read resumes once")
        #expect(connection.hasCallsInFlight)
    }

    @Test func aDrainingConnectionClosesOnceAnsweredAndIsFinishedOnceClosedAndIdle() {
        var connection = ServerConnectionStateMachine(maximumCallsInFlight: 4)
        _ = connection.recordRead(Self.record)
        connection.callStarted()
        let result4 = connection.inputClosed()
        #expect(!result4, "a call is still in flight")
        guard case .none = connection.recordRead(Self.record) else {
            Issue.record("a draining connection took a record")
            return
        }
        guard case .holdBack = connection.readRequested() else {
            Issue.record("a draining connection read")
            return
        }
        _ = connection.callFinished()
        #expect(connection.isDrained)
        #expect(!connection.isFinished, "not closed yet")
        connection.channelClosed(cancelledCalls: 0)
        #expect(connection.isFinished)

        // Closed with a call running, which is cancelled: finished at once; a call that
        // finishes after the close has its reply dropped.
        var other = ServerConnectionStateMachine(maximumCallsInFlight: 4)
        _ = other.recordRead(Self.record)
        other.callStarted()
        _ = other.recordRead(Self.record)
        other.callStarted()
        other.channelClosed(cancelledCalls: 1)
        #expect(!other.isFinished)
        guard case .dropReply = other.callFinished() else {
            Issue.record("a reply after the close was to be written")
            return
        }
        #expect(other.isFinished)
    }

    @Test func connectionDeadlinesCloseAnIdleOrTricklingConnection() {
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var deadlines = ServerConnectionDeadlines(idleTimeout: .seconds(10), recordTimeout: .seconds(2), now: start)
        #expect(deadlines.connectionActive(now: start) == start + .seconds(10))
        #expect(deadlines.connectionActive(now: start) == nil, "the idle clock starts once")
        // A read ending inside a record schedules one record check; the next read inside the
        // same record keeps its start and schedules none.
        let check = deadlines.bytesRead(at: start + .seconds(1), wasMidRecord: false, completedRecord: false, isMidRecord: true)
        #expect(check == start + .seconds(3))
        #expect(deadlines.bytesRead(at: start + .seconds(2), wasMidRecord: true, completedRecord: false, isMidRecord: true) == nil)
        #expect(deadlines.recordCheck(now: start + .seconds(3), isMidRecord: true) == .close)
        // Finished in time: nothing more to check.
        #expect(deadlines.recordCheck(now: start + .seconds(3), isMidRecord: false) == .none)
        // Idle: checked again from the last activity, closed once the timeout has passed.
        #expect(deadlines.idleCheck(now: start + .seconds(10), busy: false) == .checkAgain(at: start + .seconds(12)))
        #expect(deadlines.idleCheck(now: start + .seconds(12), busy: false) == .close)
        // Busy counts as activity.
        #expect(deadlines.idleCheck(now: start + .seconds(20), busy: true) == .checkAgain(at: start + .seconds(30)))
    }

    @Test func aDatagramSocketIsIdleOnceDrainedAndSaysSoOnce() {
        var socket = ServerDatagramStateMachine(maximumCallsInFlight: 1)
        #expect(socket.datagramArrived())
        socket.callStarted()
        #expect(!socket.datagramArrived(), "at the limit")
        let result5 = socket.drain()
        #expect(!result5)
        #expect(!socket.datagramArrived(), "draining")
        let result6 = socket.callFinished()
        #expect(result6)
        let result7 = socket.drain()
        #expect(!result7, "idle is reported once")
        let result8 = socket.removed()
        #expect(!result8)

        var cancelled = ServerDatagramStateMachine(maximumCallsInFlight: 4)
        cancelled.callStarted()
        cancelled.callStarted()
        let result9 = cancelled.drain(cancelledCalls: 2)
        #expect(result9)
    }

    /// Reply receivers for calls that no channel completes; `finish()` completes them all (a
    /// promise left incomplete is a NIO debug-build trap).
    final class Receivers {
        let loop = EmbeddedEventLoop()
        var promises: [EventLoopPromise<ByteBuffer>] = []

        func make() -> ReplyReceiver {
            let promise = loop.makePromise(of: ByteBuffer.self)
            promises.append(promise)
            return .promise(promise)
        }

        func finish() {
            for promise in promises {
                promise.fail(CancellationError())
            }
        }
    }

    @Test func aStreamClientMovesItsTimerOnlyEarlierAndTimesCallsOutInOrder() throws {
        let receivers = Receivers()
        defer { receivers.finish() }
        var calls = StreamClientStateMachine()
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        func call(_ deadline: NIODeadline) -> StreamClientStateMachine.Call {
            StreamClientStateMachine.Call(
                reply: receivers.make(), deadline: deadline, timeout: .seconds(1), maximumReplySize: 100)
        }
        guard case .schedule(start + .seconds(5)) = calls.callWritten(xid: 1, call(start + .seconds(5))).timer else {
            Issue.record("the first call did not set the timer")
            return
        }
        guard case .none = calls.callWritten(xid: 2, call(start + .seconds(6))).timer else {
            Issue.record("a later deadline moved the timer")
            return
        }
        guard case .schedule(start + .seconds(4)) = calls.callWritten(xid: 3, call(start + .seconds(4))).timer else {
            Issue.record("an earlier deadline did not move the timer")
            return
        }
        #expect(calls.maximumReplySize(of: 2) == 100)
        #expect(calls.cancelled(xid: 2) != nil)
        #expect(calls.replyArrived(xid: 2) == nil, "a reply to a cancelled call completes nothing")
        let (timedOut, timer) = calls.timerFired(now: start + .seconds(4))
        #expect(timedOut.map(\.xid) == [3])
        guard case .schedule(start + .seconds(5)) = timer else {
            Issue.record("the timer was not set for the next deadline")
            return
        }
        #expect(calls.connectionEnded().map(\.xid) == [1])
        #expect(calls.callsInFlight == 0)
    }

    @Test func aStreamClientFlushesAtOnceAloneAndOnceABatchOtherwise() {
        let receivers = Receivers()
        defer { receivers.finish() }
        var calls = StreamClientStateMachine()
        let deadline = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let call = StreamClientStateMachine.Call(
            reply: receivers.make(), deadline: deadline, timeout: .seconds(1), maximumReplySize: 100)
        _ = calls.callWritten(xid: 1, call)
        guard case .now = calls.flushRequested() else {
            Issue.record("a lone call's flush was put off")
            return
        }
        _ = calls.callWritten(xid: 2, call)
        guard case .atEndOfBatch = calls.flushRequested(), case .alreadyScheduled = calls.flushRequested() else {
            Issue.record("flushes beside calls in flight were not put off once")
            return
        }
        calls.scheduledFlushRan()
        guard case .atEndOfBatch = calls.flushRequested() else {
            Issue.record("a flush after the put-off one ran was not put off again")
            return
        }
    }

    @Test func aDatagramClientRetransmitsByItsPolicyAndFailsAtTheDeadline() {
        let receivers = Receivers()
        defer { receivers.finish() }
        var calls = DatagramClientStateMachine()
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let options = RPCCallOptions(timeout: .milliseconds(250), retransmit: .fixed(.milliseconds(100)))
        let message = ByteBuffer(string: "call")
        let sent = calls.callSent(
            xid: 7, DatagramClientStateMachine.Call(reply: receivers.make(), message: message, options: options, now: start))
        guard case .schedule(start + .milliseconds(100)) = sent.timer else {
            Issue.record("the first retransmission was not scheduled")
            return
        }
        let first = calls.timerFired(now: start + .milliseconds(100))
        #expect(first.timedOut.isEmpty)
        #expect(first.resend == [message])
        let second = calls.timerFired(now: start + .milliseconds(200))
        #expect(second.resend.count == 1)
        // The next is due at the deadline (250 ms), not at 300 ms: there the call fails.
        guard case .schedule(start + .milliseconds(250)) = second.timer else {
            Issue.record("the last wait did not end at the deadline")
            return
        }
        let last = calls.timerFired(now: start + .milliseconds(250))
        #expect(last.timedOut.map(\.xid) == [7])
        #expect(last.timedOut.first?.call.transmissions == 3)
        #expect(last.resend.isEmpty)
        guard case .none = last.timer else {
            Issue.record("a timer was set with nothing in flight")
            return
        }
        #expect(calls.callsInFlight == 0)
    }
}
