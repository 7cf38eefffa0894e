import Synchronization

/// A one-shot signal tasks can wait for.
package final class ShutdownSignal: Sendable {
    /// Creates a signal that has not fired.
    package init() {}

    private let state = Mutex<(signalled: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Whether ``signal()`` has been called.
    package var isSignalled: Bool { state.withLock { $0.signalled } }

    /// Wakes every waiter, now and later.
    package func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.signalled else { return [] }
            state.signalled = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns once signalled.
    package func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.signalled { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}

/// Counts work in flight and lets a task wait until none is left.
package final class InFlightCounter: Sendable {
    private let state = Mutex<(count: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    /// Creates a counter with nothing in flight.
    package init() {}

    /// The work in flight now.
    package var count: Int { state.withLock { $0.count } }

    /// Adds one unit of work.
    package func enter() {
        state.withLock { $0.count += 1 }
    }

    /// Ends one unit of work, waking the waiters when none is left.
    package func leave() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count -= 1
            guard state.count == 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns when no work is in flight.
    package func waitUntilIdle() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.count == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
