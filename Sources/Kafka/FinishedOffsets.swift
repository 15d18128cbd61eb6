import Synchronization

/// One partition of one topic.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// Per partition, the offset below which every record handed to the application is finished: the
/// offset a consumer group may commit when the application evaluates several records at once and
/// they finish in any order. A pure state machine; `KafkaConsumer` drives it from its poll thread
/// (records received, partitions assigned and revoked) and from `finished(_:)`.
///
/// Records of one partition arrive in increasing offsets, but not necessarily contiguous ones
/// (compacted topics, transaction markers), so the tracker never assumes `offset + 1` is the next record.
public struct FinishedOffsets: Sendable {
    /// Which ownership of a partition a record was received under. A record received before its
    /// partition was revoked (and perhaps assigned again) must not move the new owner's offset.
    public struct Epoch: Hashable, Sendable {
        let value: UInt64
    }

    private struct Progress {
        var epoch: Epoch
        /// Received and not yet finished.
        var unfinished: Set<Int64> = []
        /// One past the highest offset received.
        var end: Int64?
        /// The last value `finished` returned (at first: the first offset received), so it reports only advances.
        var reported: Int64?

        var finishedBelow: Int64? { unfinished.min() ?? end }
    }

    private var partitions: [TopicPartition: Progress] = [:]
    private var lastEpoch: UInt64 = 0

    public init() {}

    /// The partitions were assigned (again): anything still pending from an earlier ownership no longer counts.
    public mutating func assigned(_ assigned: some Sequence<TopicPartition>) {
        for partition in assigned { partitions[partition] = Progress(epoch: nextEpoch()) }
    }

    /// The partitions were revoked (or lost): their pending records finish without effect.
    public mutating func revoked(_ revoked: some Sequence<TopicPartition>) {
        for partition in revoked { partitions.removeValue(forKey: partition) }
    }

    /// A record was handed to the application; returns the epoch to quote when it finishes.
    public mutating func received(_ partition: TopicPartition, offset: Int64) -> Epoch {
        var progress = partitions[partition] ?? Progress(epoch: nextEpoch())
        // The group's position is already at the first record received: nothing to store until past it.
        if progress.end == nil { progress.reported = offset }
        progress.unfinished.insert(offset)
        progress.end = max(progress.end ?? offset + 1, offset + 1)
        partitions[partition] = progress
        return progress.epoch
    }

    /// The record is finished. Returns the partition's new "finished below" offset when it advanced
    /// (the offset to store for commit), nil when it did not or the record belongs to an old ownership.
    public mutating func finished(_ partition: TopicPartition, offset: Int64, epoch: Epoch) -> Int64? {
        guard var progress = partitions[partition], progress.epoch == epoch,
              progress.unfinished.remove(offset) != nil else { return nil }
        defer { partitions[partition] = progress }
        guard let below = progress.finishedBelow, below > (progress.reported ?? Int64.min) else { return nil }
        progress.reported = below
        return below
    }

    /// The offset below which every received record of `partition` is finished; nil before the first record.
    public func finishedBelow(_ partition: TopicPartition) -> Int64? {
        partitions[partition]?.finishedBelow
    }

    /// Records received and not finished, over all partitions.
    public var unfinishedCount: Int {
        partitions.values.reduce(0) { $0 + $1.unfinished.count }
    }

    private mutating func nextEpoch() -> Epoch {
        lastEpoch += 1
        return Epoch(value: lastEpoch)
    }
}

/// The consumer's `FinishedOffsets`, shared by its poll thread and the application's tasks.
final class SharedFinishedOffsets: Sendable {
    private let state = Mutex(FinishedOffsets())

    func withLock<Result>(_ body: (inout FinishedOffsets) -> Result) -> Result {
        state.withLock { body(&$0) }
    }
}
