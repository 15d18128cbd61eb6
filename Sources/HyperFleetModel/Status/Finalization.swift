/// When a deleting resource may be removed (CONTRACT "Deletion lifecycle").
public enum Finalization {
    /// True when every required adapter is current (observed_generation == generation) and reports
    /// `Finalized=True`. With no required adapters configured, every adapter that reported counts,
    /// and at least one must have.
    public static func isComplete(generation: Int64, statuses: [AdapterStatus], requiredAdapters: [String]) -> Bool {
        let byAdapter = Dictionary(statuses.map { ($0.adapter, $0) }, uniquingKeysWith: { first, _ in first })
        let required = requiredAdapters.isEmpty ? Array(byAdapter.keys) : requiredAdapters
        guard !required.isEmpty else { return false }
        return required.allSatisfy { adapter in
            guard let status = byAdapter[adapter], status.observedGeneration == generation else { return false }
            return status.condition("Finalized")?.status == .true
        }
    }
}
