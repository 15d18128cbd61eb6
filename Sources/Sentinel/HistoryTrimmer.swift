import Logging
import SentinelCore
import HyperFleetModel

/// What one trim pass removed.
public struct HistoryTrimResult: Sendable, Equatable {
    /// Entries older than `history_retention`.
    public var aged = 0
    /// Entries beyond the newest `keep` of their resource.
    public var counted = 0
    /// False when another replica held the trim row (it trims; this one left it the work).
    public var ran = true
}

/// Keeps the reconcile history bounded (OPERATIONS.md, "History"): entries older than the retention
/// go, and each resource keeps its newest `keep` entries. Every statement touches at most `batchSize`
/// entries through an index and commits on its own, so no lock is held long and nothing scans the
/// table; one replica trims at a time (the trim row is taken `FOR UPDATE SKIP LOCKED`).
public struct HistoryTrimmer: Sendable {
    let engine: SentinelEngine
    let keep: Int
    let batchSize: Int

    /// The newest entries kept per resource.
    public static let keptPerResource = 100

    public init(engine: SentinelEngine, keep: Int = HistoryTrimmer.keptPerResource, batchSize: Int = 1000) {
        self.engine = engine
        self.keep = keep
        self.batchSize = batchSize
    }

    /// One pass: the aged entries, then the resources with entries above the watermark, in batches
    /// until nothing is left (bounded, so a huge backlog is finished by the next passes).
    @discardableResult
    public func trim(maxSteps: Int = 100) async throws -> HistoryTrimResult {
        var result = HistoryTrimResult()
        let cutoff = engine.clock.now() - engine.settings.historyRetention
        for _ in 0..<maxSteps {
            guard case .aged(let count)? = try await engine.store.trimAged(before: cutoff, batch: batchSize) else {
                result.ran = false
                return finish(result)
            }
            result.aged += count
            if count < batchSize { break }
        }
        for _ in 0..<maxSteps {
            guard case .counted(let window, let count, let advanced)? = try await engine.store.trimCounted(keep: keep, batch: batchSize)
            else {
                result.ran = false
                return finish(result)
            }
            result.counted += count
            // Done when the window is empty, or was the last (short) one and nothing is left of it.
            if window == 0 || (advanced && window < batchSize) { break }
        }
        return finish(result)
    }

    private func finish(_ result: HistoryTrimResult) -> HistoryTrimResult {
        engine.metrics.historyTrimmed(result.aged + result.counted)
        if result.aged + result.counted > 0 {
            engine.logger.debug("history trimmed", metadata: ["aged": "\(result.aged)", "beyond_newest": "\(result.counted)"])
        }
        return result
    }
}
