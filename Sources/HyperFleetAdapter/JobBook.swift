import Tracing

/// The adapter's jobs, one per resource (the latest generation it worked on), their completion timers,
/// and (traced) their spans.
actor JobBook {
    private var jobs: [AdapterTarget: SimulatedJob] = [:]
    private var timers: [AdapterTarget: Task<Void, Never>] = [:]
    private var spans: [AdapterTarget: any Span] = [:]
    private var closed = false

    /// The job for this generation, if one was started.
    func job(_ target: AdapterTarget, generation: Int64) -> SimulatedJob? {
        guard let job = jobs[target], job.generation == generation else { return nil }
        return job
    }

    /// Records a new job (replacing an older generation's) and, when it takes time, the timer that
    /// reports its completion. `span` (the job's, traced) ends when the job does; `onFinish` runs with it
    /// as the active context, so the completion report joins the job's trace.
    func start(_ job: SimulatedJob, for target: AdapterTarget, span: (any Span)? = nil, onFinish: (@Sendable () async -> Void)?) {
        guard !closed else {
            span?.end()
            return
        }
        jobs[target] = job
        timers.removeValue(forKey: target)?.cancel()
        interrupt(target)
        guard let onFinish, job.duration > .zero else {
            span?.end()
            return
        }
        let deadline = job.finishesAt
        if let span { spans[target] = span }
        timers[target] = Task {
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
            } catch {
                return
            }
            guard let span = finish(target) else { return await onFinish() }
            await ServiceContext.withValue(span.context) { await onFinish() }
        }
    }

    /// Ends the span of the job of `target` whose time is up, and returns it; nil when the timer was
    /// cancelled meanwhile (a newer job owns the span now).
    private func finish(_ target: AdapterTarget) -> (any Span)? {
        guard !Task.isCancelled else { return nil }
        let span = spans.removeValue(forKey: target)
        span?.end()
        return span
    }

    /// Ends the span of a job that stops before its time.
    private func interrupt(_ target: AdapterTarget) {
        guard let span = spans.removeValue(forKey: target) else { return }
        span.attributes[AdapterSpans.Attribute.jobInterrupted] = true
        span.end()
    }

    /// Forgets a resource that no longer exists.
    func forget(_ target: AdapterTarget) {
        jobs.removeValue(forKey: target)
        timers.removeValue(forKey: target)?.cancel()
        interrupt(target)
    }

    /// Stops every timer (shutdown or crash); the book accepts nothing afterwards.
    func close() {
        closed = true
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        for target in Array(spans.keys) { interrupt(target) }
    }

    var count: Int { jobs.count }
}
