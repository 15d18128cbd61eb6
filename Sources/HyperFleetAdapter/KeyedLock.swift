/// Serializes work per key (one resource at a time), in arrival order, without blocking threads.
actor KeyedLock<Key: Hashable & Sendable> {
    /// A key is held while it has an entry; the entry lists who waits next.
    private var waiters: [Key: [CheckedContinuation<Void, Never>]] = [:]

    func lock(_ key: Key) async {
        if waiters[key] == nil {
            waiters[key] = []
            return
        }
        await withCheckedContinuation { waiters[key, default: []].append($0) }
    }

    func unlock(_ key: Key) {
        guard var queue = waiters[key], !queue.isEmpty else {
            waiters[key] = nil
            return
        }
        let next = queue.removeFirst()
        waiters[key] = queue
        next.resume()
    }

    /// Runs `body` while holding `key`.
    nonisolated func withLock<T: Sendable>(_ key: Key, _ body: () async throws -> T) async throws -> T {
        await lock(key)
        do {
            let result = try await body()
            await unlock(key)
            return result
        } catch {
            await unlock(key)
            throw error
        }
    }
}
