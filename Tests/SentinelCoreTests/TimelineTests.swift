import Testing
@testable import SentinelCore

/// The timelines SENTINEL.md promises with the default settings, simulated with decide/recorded.
@Suite("Timelines")
struct TimelineTests {
    private typealias F = Fixture

    /// Checks each gap against its nominal value, allowing the jitter (and the debounce floor).
    private func expectGaps(_ gaps: [Double], nominal: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        for (index, (gap, expected)) in zip(gaps, nominal).enumerated() {
            #expect(gap >= expected * 0.9 && gap <= expected * 1.1, "gap \(index): \(gap) s vs \(expected) s",
                    sourceLocation: sourceLocation)
        }
    }

    @Test("new cluster, adapters all silent: 0, 10, 30, 70, 150, 310 s, then every 300 s")
    func silentNewCluster() throws {
        let events = F.simulate(F.snapshot(), from: F.at(0), until: F.at(3600))
        #expect(events.first == F.Event(at: F.at(0), reason: .created))
        #expect(events.dropFirst().allSatisfy { $0.reason == .notReadyBackoff })
        #expect((15...18).contains(events.count), "\(events.count) events in the first hour")
        let gaps = F.gaps(events)
        expectGaps(gaps, nominal: [10, 20, 40, 80, 160] + Array(repeating: 300, count: 20))
        // The first retry also waits for the debounce after creation.
        #expect(try #require(gaps.first) >= 10)
        let sixth = try #require(events.dropFirst(5).first)
        #expect(sixth.at >= F.at(279) && sixth.at <= F.at(341), "about 310 s: \(sixth.at)")
    }

    @Test("Ready cluster whose adapter died: one ready_stale every 30 minutes")
    func readyWithDeadAdapter() {
        let ready = F.snapshot(phase: .ready, lastUpdatedTime: F.at(0), newestReportTime: F.at(0), anyAdapterReported: true)
        let record = F.record(for: ready, at: F.at(0), reason: .generationChanged, attempts: 1)
        let events = F.simulate(ready, record: record, from: F.at(1), until: F.at(6 * 3600))
        #expect(events.count == 12)
        #expect(events.allSatisfy { $0.reason == .readyStale })
        #expect(events.first?.at == F.at(1800))
        #expect(F.gaps(events).allSatisfy { $0 == 1800 })
    }

    @Test("Failed cluster: retries at 30 s, 60 s, ... capped at 30 min")
    func failedBackoff() {
        let failed = F.snapshot(phase: .failed, newestReportTime: F.at(0), anyAdapterReported: true)
        let record = F.record(for: failed, at: F.at(0), reason: .generationChanged, attempts: 1)
        let events = F.simulate(failed, record: record, from: F.at(1), until: F.at(6 * 3600))
        #expect(events.allSatisfy { $0.reason == .failedBackoff })
        // After the first retry at ~30 s the gaps double up to the cap.
        #expect(events.first.map { $0.at >= F.at(27) && $0.at <= F.at(33) } == true)
        expectGaps(F.gaps(events), nominal: [60, 120, 240, 480, 960] + Array(repeating: 1800, count: 20))
        // ~30+60+...+960 = 1890 s, then every ~1800 s until 6 h: about 17 events in 6 hours (Go: 2160).
        #expect((15...19).contains(events.count), "\(events.count) events")
    }

    @Test("PATCH on a Ready cluster: one generation_changed at once, nothing more while fresh")
    func patchOnReady() {
        let ready = F.snapshot(generation: 4, phase: .ready, lastUpdatedTime: F.at(0))
        let record = F.record(for: ready, generation: 3, at: F.at(0), reason: .generationChanged, attempts: 1)
        let events = F.simulate(ready, record: record, from: F.at(100), until: F.at(1000))
        #expect(events == [F.Event(at: F.at(100), reason: .generationChanged)])
    }

    @Test("healthy adapters with a dependency chain: each hop costs one debounce, not a growing backoff")
    func dependencyChain() throws {
        var snapshot = F.snapshot(requiredAdapters: ["a", "b", "c", "d"].map { AdapterProgress(adapter: $0) })
        var now = F.at(0)
        let created = DecisionRules.decide(snapshot, record: nil, now: now, settings: F.defaults)
        #expect(created.publish == .created)
        var record = DecisionRules.recorded(created, snapshot: snapshot, reason: .created, at: now)
        var eventTimes = [now]
        for hop in 0..<4 {
            // The adapter for this hop does 2 s of work and reports progress; the change wakes the Sentinel.
            now += .seconds(2)
            snapshot.requiredAdapters[hop].available = "True"
            snapshot.requiredAdapters[hop].observedGeneration = 1
            snapshot.newestReportTime = now
            snapshot.anyAdapterReported = true
            let waiting = DecisionRules.decide(snapshot, record: record, now: now, settings: F.defaults)
            #expect(waiting.publish == nil, "debounce holds right after the report")
            #expect(waiting.attempts == 0, "progress resets the attempts")
            now = try #require(waiting.nextDueAt)
            let publishing = DecisionRules.decide(snapshot, record: record, now: now, settings: F.defaults)
            #expect(publishing.publish == .notReadyBackoff)
            record = DecisionRules.recorded(publishing, snapshot: snapshot, reason: .notReadyBackoff, at: now)
            eventTimes.append(now)
        }
        // Every hop: 2 s of work plus the 10 s debounce.
        #expect(eventTimes == [F.at(0), F.at(12), F.at(24), F.at(36), F.at(48)])
        #expect(record.attempts == 1)
    }

    @Test("a stuck NotReady resource returns to fast events when an adapter becomes Available")
    func resetAfterProgress() throws {
        let progressAt = F.at(2000)
        let events = F.simulate(F.snapshot(), from: F.at(0), until: F.at(2600), wakeAt: [progressAt]) { now, current in
            if now >= progressAt {
                current.requiredAdapters[0].available = "True"
                current.newestReportTime = progressAt
                current.anyAdapterReported = true
            }
        }
        let before = events.filter { $0.at < progressAt }
        let after = events.filter { $0.at >= progressAt }
        // Stuck at the 300 s cap before the progress...
        #expect(F.gaps(before).suffix(3).allSatisfy { $0 >= 270 && $0 <= 330 })
        // ...then one debounce after the report, and the backoff restarts at 10 s.
        #expect(try #require(after.first).at == progressAt + .seconds(10))
        expectGaps(Array(F.gaps(after).prefix(4)), nominal: [10, 20, 40, 80])
        #expect(after.count >= 5)
    }
}
