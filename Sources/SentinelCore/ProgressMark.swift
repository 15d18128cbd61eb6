extension DecisionRules {
    /// Fingerprint of (generation, deleted, phase, last_transition_time, each required adapter's
    /// observed_generation/Available/Finalized) — a stable 16-digit lowercase hex string (FNV-1a 64).
    ///
    /// Changing this encoding changes every stored mark and so resets every resource's attempts
    /// once on upgrade; the golden-value test guards against doing that by accident.
    public static func progressMark(_ s: ResourceObservation) -> String {
        var hash = FNV1a64()
        hash.add("progress-mark/v1")
        hash.add(s.generation)
        hash.add(s.deletedTime?.microsecondsSinceEpoch)
        hash.add(s.phase.rawValue)
        hash.add(s.lastTransitionTime.microsecondsSinceEpoch)
        // Sorted here too, so a caller forgetting the order cannot reset attempts spuriously.
        let adapters = s.requiredAdapters.sorted { $0.adapter < $1.adapter }
        hash.add(Int64(adapters.count))
        for progress in adapters {
            hash.add(progress.adapter)
            hash.add(progress.observedGeneration)
            hash.add(progress.available)
            hash.add(progress.finalized)
        }
        return hash.hex
    }
}
