import NIOCore
import ONCRPC

/// The tasks running the handlers of one connection or socket, used on its event loop only.
///
/// Each task starts in place (`Task.immediate` on the event loop's executor): a handler that does
/// not suspend finishes before ``start(_:completion:)`` returns, which hands its reply back to be
/// written like that of a call answered without a handler, with no task switch. A task that
/// suspends is kept, so it can be cancelled when no one can receive its reply any more, until
/// its completion reports through ``finish(_:reply:)``.
///
/// The stream server queues the calls of a read instead (``enqueue(_:)``) and runs them with
/// ``runQueued(completion:)``: one task takes them one after another while their handlers do
/// not suspend, so pipelined calls cost one task per read rather than one each.
final class HandlerTasks {
    /// What ``start(_:completion:)`` did with a handler.
    enum Start {
        /// It finished without suspending, with this reply (`nil`: none to send).
        case finished(RPCMessageBytes?)
        /// It suspended; its completion will call ``HandlerTasks/finish(_:reply:)``.
        case running
    }

    private let executor: EventLoopTaskExecutor
    private var running: [UInt64: Task<Void, Never>] = [:]
    private var nextNumber: UInt64 = 0
    /// The number of the task ``start(_:completion:)`` is starting, while it runs synchronously.
    private var starting: UInt64?
    /// The reply of a task that finished while it was starting (`.some(nil)`: no reply).
    private var finishedWhileStarting: RPCMessageBytes??

    init(executor: EventLoopTaskExecutor) {
        self.executor = executor
    }

    /// Runs `call`'s handler in a new task. When the handler is done, `completion` gets its reply
    /// and the task's number on the event loop; it must pass them on to ``finish(_:reply:)``.
    func start(
        _ call: RPCPendingCall,
        completion: @escaping @Sendable (_ reply: RPCMessageBytes?, _ number: UInt64) -> Void
    ) -> Start {
        let number = nextNumber
        nextNumber &+= 1
        let eventLoop = executor.eventLoop
        starting = number
        let task = Task.immediate(executorPreference: executor) {
            let reply = await call.runGathering()
            if eventLoop.inEventLoop {
                completion(reply, number)
            } else {
                eventLoop.execute { completion(reply, number) }
            }
        }
        starting = nil
        if let reply = finishedWhileStarting {
            finishedWhileStarting = nil
            return .finished(reply)
        }
        running[number] = task
        return .running
    }

    /// Records that task `number` finished with `reply`. Returns `false` when it finished while
    /// starting: ``start(_:completion:)`` hands its reply back, and the caller has nothing more
    /// to do.
    func finish(_ number: UInt64, reply: RPCMessageBytes?) -> Bool {
        if starting == number {
            finishedWhileStarting = .some(reply)
            return false
        }
        running.removeValue(forKey: number)
        return true
    }

    /// Cancels every task that is still running and drops the queued calls no task has taken;
    /// returns how many were dropped.
    @discardableResult
    func cancelAll() -> Int {
        for task in running.values {
            task.cancel()
        }
        let dropped = queued.count
        queued.removeAll()
        return dropped
    }

    // MARK: Queued calls, run by as few tasks as they need

    /// Calls waiting for a task of ``runQueued(completion:)``, in the order they were read.
    private var queued = CircularBuffer<RPCPendingCall>()
    /// Whether the task ``runQueued(completion:)`` is starting finished before it returned.
    private var queueTaskFinishedWhileStarting = false

    /// Whether calls are waiting for ``runQueued(completion:)``.
    var hasQueued: Bool { !queued.isEmpty }

    /// Queues `call` for ``runQueued(completion:)``.
    func enqueue(_ call: RPCPendingCall) {
        queued.append(call)
    }

    /// Runs the queued calls in as few tasks as it can. A task started in place takes queued
    /// calls one after another and returns here once the queue is empty or a handler suspends;
    /// the calls left then go to another task, and so on. A task whose handler suspended goes on
    /// taking queued calls when it resumes. Each reply goes to `completion` on the event loop,
    /// with the task's number; a handler that does not suspend is answered before this returns.
    /// The calls of one read thus cost one task, not one each.
    func runQueued(completion: @escaping @Sendable (_ reply: RPCMessageBytes?, _ number: UInt64) -> Void) {
        let eventLoop = executor.eventLoop
        let tasks = NIOLoopBound(self, eventLoop: eventLoop)
        while !queued.isEmpty {
            let number = nextNumber
            nextNumber &+= 1
            starting = number
            queueTaskFinishedWhileStarting = false
            let task = Task.immediate(executorPreference: executor) {
                // The task prefers the event loop's executor, so it is back on the loop after
                // each handler; were it not, it hands over and stops taking calls.
                while eventLoop.inEventLoop, let call = tasks.value.queued.popFirst() {
                    let reply = await call.runGathering()
                    guard eventLoop.inEventLoop else {
                        eventLoop.execute {
                            completion(reply, number)
                            tasks.value.queueTaskFinished(number)
                        }
                        return
                    }
                    completion(reply, number)
                }
                if eventLoop.inEventLoop {
                    tasks.value.queueTaskFinished(number)
                } else {
                    eventLoop.execute { tasks.value.queueTaskFinished(number) }
                }
            }
            starting = nil
            if !queueTaskFinishedWhileStarting {
                running[number] = task
            }
        }
    }

    /// Records that queue task `number` has no more calls to take.
    private func queueTaskFinished(_ number: UInt64) {
        if starting == number {
            queueTaskFinishedWhileStarting = true
        } else {
            running.removeValue(forKey: number)
        }
    }
}
