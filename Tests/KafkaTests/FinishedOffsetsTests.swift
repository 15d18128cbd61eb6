import Kafka
import Testing

@Suite("Per-partition finished-below tracker")
struct FinishedOffsetsTests {
    let first = TopicPartition(topic: "events", partition: 0)
    let second = TopicPartition(topic: "events", partition: 1)

    @Test("records finishing out of order move the offset only past a contiguous finished prefix")
    func outOfOrder() {
        var offsets = FinishedOffsets()
        offsets.assigned([first])
        let epochs = (10...13).map { offsets.received(first, offset: Int64($0)) }
        #expect(offsets.finishedBelow(first) == 10)
        #expect(offsets.finished(first, offset: 12, epoch: epochs[2]) == nil, "10 and 11 still run")
        #expect(offsets.finished(first, offset: 11, epoch: epochs[1]) == nil, "10 still runs")
        #expect(offsets.finishedBelow(first) == 10)
        #expect(offsets.finished(first, offset: 10, epoch: epochs[0]) == 13, "10, 11, 12 done: 13 is next to read")
        #expect(offsets.finished(first, offset: 13, epoch: epochs[3]) == 14)
        #expect(offsets.unfinishedCount == 0)
    }

    @Test("gaps between offsets (compaction, transaction markers) do not hold the offset back")
    func gaps() {
        var offsets = FinishedOffsets()
        let a = offsets.received(first, offset: 3)
        let b = offsets.received(first, offset: 7)
        let c = offsets.received(first, offset: 20)
        #expect(offsets.finished(first, offset: 7, epoch: b) == nil)
        #expect(offsets.finished(first, offset: 3, epoch: a) == 20)
        #expect(offsets.finished(first, offset: 20, epoch: c) == 21)
    }

    @Test("partitions are tracked independently")
    func independentPartitions() {
        var offsets = FinishedOffsets()
        let a = offsets.received(first, offset: 0)
        let b = offsets.received(second, offset: 5)
        #expect(offsets.finished(second, offset: 5, epoch: b) == 6)
        #expect(offsets.finishedBelow(first) == 0)
        #expect(offsets.finished(first, offset: 0, epoch: a) == 1)
    }

    @Test("revocation forgets a partition; records of the old ownership then finish without effect")
    func revocation() {
        var offsets = FinishedOffsets()
        offsets.assigned([first, second])
        let old = offsets.received(first, offset: 4)
        let other = offsets.received(second, offset: 9)
        offsets.revoked([first])
        #expect(offsets.finishedBelow(first) == nil)
        #expect(offsets.unfinishedCount == 1)
        #expect(offsets.finished(first, offset: 4, epoch: old) == nil)

        // Assigned again (the group rebalanced back): the new ownership starts afresh and the late
        // finish of the old record must not move it.
        offsets.assigned([first])
        let fresh = offsets.received(first, offset: 4)
        #expect(fresh != old)
        #expect(offsets.finished(first, offset: 4, epoch: old) == nil)
        #expect(offsets.finishedBelow(first) == 4)
        #expect(offsets.finished(first, offset: 4, epoch: fresh) == 5)
        #expect(offsets.finished(second, offset: 9, epoch: other) == 10, "the other partition was not touched")
    }

    @Test("a record finished twice counts once")
    func finishedTwice() {
        var offsets = FinishedOffsets()
        let a = offsets.received(first, offset: 0)
        let b = offsets.received(first, offset: 1)
        #expect(offsets.finished(first, offset: 0, epoch: a) == 1)
        #expect(offsets.finished(first, offset: 0, epoch: a) == nil)
        #expect(offsets.finished(first, offset: 1, epoch: b) == 2)
    }
}
