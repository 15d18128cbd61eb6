import HyperFleetModel

/// The work one adapter does for one (resource, generation), standing in for a Kubernetes Job.
///
/// Its result is a function of time: running until `startedAt + duration`, then its `ending`. So every
/// later evaluation re-reports the same thing, and the report after completion says it finished.
struct SimulatedJob: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// Provisioning work for a live resource.
        case work
        /// Clean-up for a resource being deleted; reports `Finalized`.
        case cleanup
    }

    enum Ending: Sendable, Equatable {
        case success
        /// Business failure (`reject`): the adapter works, the request does not.
        case rejected
        /// The adapter itself cannot make progress (`fail`).
        case adapterError
    }

    var kind: Kind
    var generation: Int64
    var startedAt: ContinuousClock.Instant
    var duration: Duration
    var ending: Ending

    var finishesAt: ContinuousClock.Instant { startedAt + duration }

    func isFinished(at now: ContinuousClock.Instant) -> Bool { now >= finishesAt }

    /// Starts the job a behaviour calls for; nil for behaviours that report nothing.
    static func start(
        _ kind: Kind, behaviour: AdapterBehaviour, generation: Int64, jobDuration: Duration, now: ContinuousClock.Instant
    ) -> SimulatedJob? {
        switch behaviour {
        case .silent, .crash:
            return nil
        case .succeed:
            return SimulatedJob(kind: kind, generation: generation, startedAt: now, duration: jobDuration, ending: .success)
        case .slow:
            return SimulatedJob(kind: kind, generation: generation, startedAt: now, duration: jobDuration * 10, ending: .success)
        case .reject:
            // A business rule refuses the request at once; clean-up has no business rule to break.
            return kind == .work
                ? SimulatedJob(kind: kind, generation: generation, startedAt: now, duration: .zero, ending: .rejected)
                : SimulatedJob(kind: kind, generation: generation, startedAt: now, duration: jobDuration, ending: .success)
        case .fail:
            return SimulatedJob(kind: kind, generation: generation, startedAt: now, duration: .zero, ending: .adapterError)
        }
    }

    /// A job that already finished successfully (found in the adapter's own stored report after a restart).
    static func finished(_ kind: Kind, generation: Int64, now: ContinuousClock.Instant) -> SimulatedJob {
        SimulatedJob(kind: kind, generation: generation, startedAt: now, duration: .zero, ending: .success)
    }

    /// The conditions to report now.
    func conditions(at now: ContinuousClock.Instant) -> [ReportedCondition] {
        let finished = isFinished(at: now)
        switch (kind, finished ? ending : nil) {
        case (.work, nil):
            return [
                ReportedCondition(type: "Applied", status: .true, reason: "JobCreated", message: "job created"),
                ReportedCondition(type: "Available", status: .false, reason: "JobRunning", message: "job is running"),
                ReportedCondition(type: "Health", status: .true, reason: "Healthy", message: "adapter is healthy"),
            ]
        case (.work, .success?):
            return [
                ReportedCondition(type: "Applied", status: .true, reason: "JobCreated", message: "job created"),
                ReportedCondition(type: "Available", status: .true, reason: "JobSucceeded", message: "job succeeded"),
                ReportedCondition(type: "Health", status: .true, reason: "Healthy", message: "adapter is healthy"),
            ]
        case (.work, .rejected?):
            return [
                ReportedCondition(type: "Applied", status: .true, reason: "JobCreated", message: "job created"),
                ReportedCondition(
                    type: "Available", status: .false, reason: "JobFailed", message: "job failed: the request was rejected (simulated)"),
                ReportedCondition(type: "Health", status: .true, reason: "Healthy", message: "adapter is healthy"),
            ]
        case (.work, .adapterError?):
            return Self.adapterError(finalizing: false)
        case (.cleanup, nil):
            return Self.deleting(finalized: false, reason: "CleanupRunning", message: "clean-up job is running")
        case (.cleanup, .success?), (.cleanup, .rejected?):
            return Self.deleting(finalized: true, reason: "CleanupSucceeded", message: "clean-up job succeeded")
        case (.cleanup, .adapterError?):
            return Self.adapterError(finalizing: true)
        }
    }

    private static func adapterError(finalizing: Bool) -> [ReportedCondition] {
        let message = "adapter error (simulated): cannot make progress"
        var conditions = [
            ReportedCondition(type: "Applied", status: .false, reason: "AdapterError", message: message),
            ReportedCondition(type: "Available", status: .false, reason: finalizing ? "Deleting" : "AdapterError", message: message),
            ReportedCondition(type: "Health", status: .false, reason: "AdapterError", message: message),
        ]
        if finalizing {
            conditions.append(ReportedCondition(type: "Finalized", status: .false, reason: "CleanupFailed", message: message))
        }
        return conditions
    }

    private static func deleting(finalized: Bool, reason: String, message: String) -> [ReportedCondition] {
        [
            ReportedCondition(type: "Applied", status: .false, reason: "Deleting", message: "resource is being deleted"),
            ReportedCondition(type: "Available", status: .false, reason: "Deleting", message: "resource is being deleted"),
            ReportedCondition(type: "Health", status: .true, reason: "Healthy", message: "adapter is healthy"),
            ReportedCondition(type: "Finalized", status: finalized ? .true : .false, reason: reason, message: message),
        ]
    }

    /// What an adapter reports while it waits for its preconditions (no job is started).
    static func preconditionsNotMet(_ waitingFor: [String]) -> [ReportedCondition] {
        let message = "waiting for " + waitingFor.joined(separator: ", ")
        return [
            ReportedCondition(type: "Applied", status: .false, reason: "PreconditionsNotMet", message: message),
            ReportedCondition(type: "Available", status: .false, reason: "PreconditionsNotMet", message: message),
            ReportedCondition(type: "Health", status: .true, reason: "Healthy", message: "adapter is healthy"),
        ]
    }
}
