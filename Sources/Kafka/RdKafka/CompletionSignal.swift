import Synchronization

/// A one-shot event that any number of tasks can await (used for "poll thread has finished").
final class CompletionSignal: Sendable {
    private struct State {
        var isSignalled = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Whether `signal()` has been called.
    var isSignalled: Bool { state.withLock { $0.isSignalled } }

    /// Marks the event as happened and wakes every waiter exactly once.
    func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isSignalled = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Suspends until `signal()` has been called (returns at once if it already was).
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadySignalled = state.withLock { state -> Bool in
                if state.isSignalled { return true }
                state.waiters.append(continuation)
                return false
            }
            if alreadySignalled { continuation.resume() }
        }
    }
}
