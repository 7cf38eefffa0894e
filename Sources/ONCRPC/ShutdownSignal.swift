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
