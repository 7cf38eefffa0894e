public import NIOCore

/// A task executor that runs jobs on one event loop.
///
/// Code in a task that prefers this executor (`Task(executorPreference:)`,
/// `withTaskExecutorPreference(_:operation:)`) runs on the event loop's thread. The servers run
/// each call's handler this way, so a call is read, handled and answered on one thread; a client
/// whose calls run on the executor of its transport (``TCPClientTransport/taskExecutor``) sends
/// and receives without a thread switch per call.
public final class EventLoopTaskExecutor: TaskExecutor, Sendable {
    /// The event loop the jobs run on.
    public let eventLoop: any EventLoop

    /// Creates an executor running jobs on `eventLoop`.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Schedules `job` on the event loop.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
