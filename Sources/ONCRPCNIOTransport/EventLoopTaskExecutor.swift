public import NIOCore
import Synchronization

/// A task executor that runs jobs on one event loop.
///
/// Code in a task that prefers this executor (`Task(executorPreference:)`,
/// `withTaskExecutorPreference(_:operation:)`) runs on the event loop's thread. The servers run
/// each call's handler this way, so a call is read, handled and answered on one thread; a client
/// whose calls run on the executor of its transport (``TCPClientTransport/taskExecutor``) sends
/// and receives without a thread switch per call.
///
/// Jobs are queued here and run in batches: the first job enqueued while no batch is waiting
/// schedules one event-loop task, which runs every job queued by the time it starts. The replies
/// of one read resume all their callers with one event-loop task, not one each.
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    /// The event loop the jobs run on.
    public let eventLoop: any EventLoop
    /// The jobs waiting for the next batch, and whether an event-loop task to run them is
    /// scheduled and has not started yet; any thread may change them through `enqueue`.
    private let queue = Mutex<(jobs: [UnownedJob], batchScheduled: Bool)>(([], false))
    /// The batch being run; touched on the event loop only, kept to reuse its storage.
    private var running: [UnownedJob] = []

    /// Creates an executor running jobs on `eventLoop`.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Queues `job` to run on the event loop, scheduling a batch if none is waiting.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let scheduleBatch = queue.withLock { queue in
            queue.jobs.append(job)
            if queue.batchScheduled { return false }
            queue.batchScheduled = true
            return true
        }
        if scheduleBatch {
            eventLoop.execute { self.runBatch() }
        }
    }

    /// Runs the jobs queued so far, in order. Jobs they enqueue go to the next batch.
    private func runBatch() {
        queue.withLock { queue in
            swap(&queue.jobs, &running)
            queue.batchScheduled = false
        }
        let executor = asUnownedTaskExecutor()
        for job in running {
            job.runSynchronously(on: executor)
        }
        running.removeAll(keepingCapacity: true)
    }
}
