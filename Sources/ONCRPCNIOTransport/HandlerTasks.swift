import NIOCore
import ONCRPC

/// The tasks running the handlers of one connection or socket, used on its event loop only.
///
/// Each task starts in place (`Task.immediate` on the event loop's executor): a handler that does
/// not suspend finishes before ``start(_:completion:)`` returns, which hands its reply back to be
/// written like that of a call answered without a handler, with no task switch. A task that
/// suspends is kept, so it can be cancelled when no one can receive its reply any more, until
/// its completion reports through ``finish(_:reply:)``.
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

    /// Cancels every task that is still running.
    func cancelAll() {
        for task in running.values {
            task.cancel()
        }
    }
}
