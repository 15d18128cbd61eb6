import HyperFleetJSON
import HyperFleetModel

/// The parts of a cluster or nodepool, as the adapter fetched it from the API, that it decides on.
struct FetchedResource: Sendable, Equatable {
    var generation: Int64
    /// `deleted_time` is set: the resource is being deleted.
    var deleting: Bool
    /// `spec.simulate.<adapter>` when it is a string.
    var simulate: String?
    /// `status.phase`.
    var phase: String?

    init(generation: Int64, deleting: Bool = false, simulate: String? = nil, phase: String? = nil) {
        self.generation = generation
        self.deleting = deleting
        self.simulate = simulate
        self.phase = phase
    }

    /// Reads a resource body as the API renders it.
    init(json: JSONValue, adapter: String) throws {
        guard let generation = json.at("generation")?.exactIntegerValue, generation >= 1 else {
            throw ReconcileEventError(message: "resource body has no valid generation")
        }
        self.generation = generation
        if let deleted = json.at("deleted_time"), !deleted.isNull { deleting = true } else { deleting = false }
        if case .object(let simulate)? = json.at("spec")?.at("simulate") {
            self.simulate = simulate[adapter]?.stringValue
        }
        phase = json.at("status.phase")?.stringValue
    }
}

/// One adapter's stored report, as far as preconditions and restarts care.
struct StoredReport: Sendable, Equatable {
    var adapter: String
    var observedGeneration: Int64
    /// Condition type -> status (`True`, `False`, `Unknown`).
    var conditions: [String: String]

    func isTrue(_ type: String, atGeneration generation: Int64) -> Bool {
        observedGeneration == generation && conditions[type] == "True"
    }

    /// Reads the items of an `AdapterStatusList`.
    static func list(_ json: JSONValue) -> [String: StoredReport] {
        var reports: [String: StoredReport] = [:]
        for item in json.at("items")?.arrayValue ?? [] {
            guard let adapter = item.at("adapter")?.stringValue,
                let generation = item.at("observed_generation")?.exactIntegerValue
            else { continue }
            var conditions: [String: String] = [:]
            for condition in item.at("conditions")?.arrayValue ?? [] {
                if let type = condition.at("type")?.stringValue, let status = condition.at("status")?.stringValue {
                    conditions[type] = status
                }
            }
            reports[adapter] = StoredReport(adapter: adapter, observedGeneration: generation, conditions: conditions)
        }
        return reports
    }
}
