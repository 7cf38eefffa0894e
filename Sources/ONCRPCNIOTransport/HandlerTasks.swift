import NIOCore
import ONCRPC

/// The tasks running the handlers of one connection or socket, used on its event loop only.
///
/// Calls are queued (``enqueue(_:completion:)``) and run by ``runQueued()`` in as few tasks as
/// they need. Each task starts in place (`Task.immediate` on the event loop's executor) and takes
/// queued calls one after another: a handler that does not suspend is answered before
/// ``runQueued()`` returns, with no task switch, and the calls queued together (those of one read)
/// share the task. A handler that suspends leaves the calls after it to another task; its own
/// task is kept, so it can be cancelled when no one can receive its reply any more, and goes on
/// taking queued calls when it resumes.
final class HandlerTasks {
    /// Gets a call's reply (`nil`: none to send), on the event loop. The reply is handed over,
    /// so that nothing else holds it when it is framed in place.
    typealias Completion = @Sendable (_ reply: consuming RPCMessageBytes?) -> Void

    /// A call waiting for a task, with where its reply goes. A struct, not a tuple: a closure
    /// stored in a generic container as a tuple element is reabstracted, which allocates on the
    /// way in and on the way out.
    private struct Queued: Sendable {
        let call: RPCPendingCall
        let completion: Completion
    }

    private let executor: EventLoopTaskExecutor
    /// Calls waiting for a task, in the order they were queued, from `nextQueued` on. The slots
    /// are optional so that a call leaves the queue moved (`take()`), not copied and then
    /// released as a `CircularBuffer` would: a call holds about ten references.
    private var queued: [Queued?] = []
    private var nextQueued = 0
    /// The tasks that suspended and have not finished, by number.
    private var running: [UInt64: Task<Void, Never>] = [:]
    private var nextNumber: UInt64 = 0
    /// The number of the task ``runQueued()`` is starting, while it runs synchronously.
    private var starting: UInt64?
    /// Whether the task being started finished before `Task.immediate` returned.
    private var finishedWhileStarting = false

    init(executor: EventLoopTaskExecutor) {
        self.executor = executor
    }

    /// Whether calls are waiting for ``runQueued()``.
    var hasQueued: Bool { nextQueued < queued.count }

    /// Queues `call`; ``runQueued()`` runs its handler and hands the reply to `completion`.
    func enqueue(_ call: consuming RPCPendingCall, completion: @escaping Completion) {
        queued.append(Queued(call: call, completion: completion))
    }

    /// Moves the next queued call out of the queue.
    private func takeQueued() -> Queued? {
        guard nextQueued < queued.count else { return nil }
        let next = queued[nextQueued].take()
        nextQueued += 1
        if nextQueued == queued.count {
            // Keeps the capacity: the queue never holds more than the calls of the reads
            // dispatched while at most `maximumCallsInFlight` run.
            queued.removeAll(keepingCapacity: true)
            nextQueued = 0
        }
        return next
    }

    /// Runs the queued calls: a task started in place takes them one after another and returns
    /// here once the queue is empty or a handler suspends; the calls left then go to another
    /// task, and so on.
    func runQueued() {
        let eventLoop = executor.eventLoop
        let tasks = NIOLoopBound(self, eventLoop: eventLoop)
        while let first = takeQueued() {
            let number = nextNumber
            nextNumber &+= 1
            starting = number
            finishedWhileStarting = false
            let task = Task.immediate(executorPreference: executor) { [first] in
                // The first call is held by the task's closure and the others are taken in a
                // function of their own, so that a task for one call (a sequential caller's)
                // carries no frame for the rest. The task prefers the event loop's executor, so
                // it is back on the loop after each handler; were it not, it stops taking calls.
                let onLoop = await HandlerTasks.run(first, thenQueuedOf: tasks, on: eventLoop)
                if onLoop {
                    tasks.value.finished(number)
                } else {
                    eventLoop.execute { tasks.value.finished(number) }
                }
            }
            starting = nil
            if !finishedWhileStarting {
                running[number] = task
            }
        }
    }

    /// Runs `queued`'s handler and hands its reply over on the event loop; returns whether it is
    /// still on the loop.
    private nonisolated(nonsending) static func run(_ queued: Queued, on eventLoop: any EventLoop) async -> Bool {
        let reply = await queued.call.runGathering()
        guard eventLoop.inEventLoop else {
            eventLoop.execute { queued.completion(reply) }
            return false
        }
        queued.completion(consume reply)
        return true
    }

    /// Runs `first`, then the calls queued, one after another, while on the event loop; returns
    /// whether it is still on the loop.
    private nonisolated(nonsending) static func run(
        _ first: Queued, thenQueuedOf tasks: NIOLoopBound<HandlerTasks>, on eventLoop: any EventLoop
    ) async -> Bool {
        guard await run(first, on: eventLoop) else { return false }
        return tasks.value.hasQueued ? await runQueued(of: tasks, on: eventLoop) : true
    }

    /// Runs the calls queued, one after another, while on the event loop; returns whether it is
    /// still on the loop.
    private nonisolated(nonsending) static func runQueued(
        of tasks: NIOLoopBound<HandlerTasks>, on eventLoop: any EventLoop
    ) async -> Bool {
        while let next = tasks.value.takeQueued() {
            guard await run(next, on: eventLoop) else { return false }
        }
        return true
    }

    /// Records that task `number` has no more calls to take.
    private func finished(_ number: UInt64) {
        if starting == number {
            finishedWhileStarting = true
        } else {
            running.removeValue(forKey: number)
        }
    }

    /// Cancels every task that is still running and drops the queued calls no task has taken;
    /// returns how many were dropped.
    @discardableResult
    func cancelAll() -> Int {
        for task in running.values {
            task.cancel()
        }
        let dropped = queued.count - nextQueued
        queued.removeAll()
        nextQueued = 0
        return dropped
    }
}
