/// The adapter's jobs, one per resource (the latest generation it worked on), and their completion timers.
actor JobBook {
    private var jobs: [AdapterTarget: SimulatedJob] = [:]
    private var timers: [AdapterTarget: Task<Void, Never>] = [:]
    private var closed = false

    /// The job for this generation, if one was started.
    func job(_ target: AdapterTarget, generation: Int64) -> SimulatedJob? {
        guard let job = jobs[target], job.generation == generation else { return nil }
        return job
    }

    /// Records a new job (replacing an older generation's) and, when it takes time, the timer that
    /// reports its completion.
    func start(_ job: SimulatedJob, for target: AdapterTarget, onFinish: (@Sendable () async -> Void)?) {
        guard !closed else { return }
        jobs[target] = job
        timers.removeValue(forKey: target)?.cancel()
        guard let onFinish, job.duration > .zero else { return }
        let deadline = job.finishesAt
        timers[target] = Task {
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
            } catch {
                return
            }
            await onFinish()
        }
    }

    /// Forgets a resource that no longer exists.
    func forget(_ target: AdapterTarget) {
        jobs.removeValue(forKey: target)
        timers.removeValue(forKey: target)?.cancel()
    }

    /// Stops every timer (shutdown or crash); the book accepts nothing afterwards.
    func close() {
        closed = true
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
    }

    var count: Int { jobs.count }
}
