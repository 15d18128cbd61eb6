/// CONTRACT "Status aggregation": a resource's status computed from its adapters' statuses.
public enum StatusAggregation {
    /// Default required adapters for clusters.
    public static let defaultClusterAdapters = ["validation", "dns", "pullsecret", "hypershift"]
    /// Default required adapters for nodepools.
    public static let defaultNodePoolAdapters = ["validation", "hypershift"]

    /// "gcp-provisioner" -> "GcpProvisionerSuccessful"
    public static func conditionType(forAdapter name: String) -> String {
        let parts = name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return parts.joined() + "Successful"
    }

    /// CONTRACT "Status aggregation", every bullet. `previous` is the stored status (its phase and
    /// last_transition_time); `now` stamps last_transition_time when the phase changes.
    public static func aggregate(generation: Int64, createdTime: Timestamp, previous: ResourceStatus,
                                 statuses: [AdapterStatus], requiredAdapters: [String], now: Timestamp) -> ResourceStatus {
        var byAdapter: [String: AdapterStatus] = [:]
        for status in statuses { byAdapter[status.adapter] = status }
        let reported = byAdapter.values.sorted { $0.adapter < $1.adapter }

        let conditions: [ResourceCondition] = reported.compactMap { status in
            guard let available = status.condition("Available") else { return nil }
            return ResourceCondition(type: conditionType(forAdapter: status.adapter), status: available.status,
                                     reason: available.reason, message: available.message,
                                     lastTransitionTime: available.lastTransitionTime,
                                     observedGeneration: status.observedGeneration,
                                     createdTime: status.createdTime, lastUpdatedTime: status.lastReportTime)
        }

        // With no list configured, every adapter that reported is required.
        let required = requiredAdapters.isEmpty ? reported.map(\.adapter) : Array(Set(requiredAdapters))
        let requiredStatuses = required.map { byAdapter[$0] }
        let silentRequired = requiredStatuses.contains { $0 == nil }

        let phase = phase(generation: generation, required: requiredStatuses)

        var observedGeneration = conditions.map(\.observedGeneration).min()
        if silentRequired { observedGeneration = 0 } // a silent required adapter counts as generation 0

        var lastUpdated = reported.map(\.lastReportTime).min()
        if silentRequired { lastUpdated = min(lastUpdated ?? createdTime, createdTime) }

        return ResourceStatus(phase: phase, observedGeneration: observedGeneration ?? 0,
                              lastTransitionTime: phase == previous.phase ? previous.lastTransitionTime : now,
                              lastUpdatedTime: lastUpdated ?? createdTime, conditions: conditions)
    }

    /// Ready: every required adapter current with Available=True (and at least one required);
    /// else Failed: some required adapter current with Health=False; else NotReady.
    private static func phase(generation: Int64, required: [AdapterStatus?]) -> Phase {
        let current = required.compactMap { $0 }.filter { $0.observedGeneration == generation }
        let allAvailable = !required.isEmpty && current.count == required.count
            && current.allSatisfy { $0.condition("Available")?.status == .true }
        if allAvailable { return .ready }
        if current.contains(where: { $0.condition("Health")?.status == .false }) { return .failed }
        return .notReady
    }
}
