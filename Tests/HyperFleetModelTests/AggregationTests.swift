import Testing
@testable import HyperFleetModel

@Suite struct AggregationTests {
    static let created = at(-1000)
    static let initial = ResourceStatus.initial(createdTime: created)

    /// An adapter status with Available/Health conditions, reported at `reported` seconds.
    static func status(_ adapter: String, generation: Int64 = 1, available: ConditionStatus? = .true,
                       health: ConditionStatus? = .true, reported: Double = 0, created: Double = -900) -> AdapterStatus {
        var conditions: [AdapterCondition] = []
        if let available {
            conditions.append(AdapterCondition(type: "Available", status: available, reason: "r-\(adapter)", message: "m",
                                               lastTransitionTime: at(reported - 5)))
        }
        if let health { conditions.append(AdapterCondition(type: "Health", status: health, lastTransitionTime: at(reported - 5))) }
        return AdapterStatus(adapter: adapter, observedGeneration: generation, conditions: conditions,
                             createdTime: at(created), lastReportTime: at(reported))
    }

    func aggregate(_ statuses: [AdapterStatus], required: [String] = ["validation", "dns"], generation: Int64 = 1,
                   previous: ResourceStatus = AggregationTests.initial, now: Timestamp = at(100)) -> ResourceStatus {
        StatusAggregation.aggregate(generation: generation, createdTime: Self.created, previous: previous,
                                    statuses: statuses, requiredAdapters: required, now: now)
    }

    @Test(arguments: [
        ("validation", "ValidationSuccessful"), ("dns", "DnsSuccessful"), ("gcp-provisioner", "GcpProvisionerSuccessful"),
        ("pullsecret", "PullsecretSuccessful"), ("a-b-c", "ABCSuccessful"), ("x1-2y", "X12ySuccessful"),
    ])
    func conditionTypeNames(adapter: String, type: String) {
        #expect(StatusAggregation.conditionType(forAdapter: adapter) == type)
    }

    @Test func allRequiredCurrentAndAvailableIsReady() {
        let result = aggregate([Self.status("validation", reported: 10), Self.status("dns", reported: 20)])
        #expect(result.phase == .ready)
        #expect(result.observedGeneration == 1)
        #expect(result.lastUpdatedTime == at(10))
        #expect(result.lastTransitionTime == at(100))
        #expect(result.conditions.map(\.type) == ["DnsSuccessful", "ValidationSuccessful"])
        let dns = result.conditions[0]
        #expect(dns == ResourceCondition(type: "DnsSuccessful", status: .true, reason: "r-dns", message: "m",
                                         lastTransitionTime: at(15), observedGeneration: 1, createdTime: at(-900),
                                         lastUpdatedTime: at(20)))
    }

    @Test func readyIgnoresHealth() {
        let result = aggregate([Self.status("validation", health: .false), Self.status("dns", health: nil)])
        #expect(result.phase == .ready)
    }

    @Test func oneStaleGenerationIsNotReady() {
        let result = aggregate([Self.status("validation", generation: 2), Self.status("dns", generation: 1)], generation: 2)
        #expect(result.phase == .notReady)
        #expect(result.observedGeneration == 1)
    }

    @Test func availableFalseOrUnknownIsNotReady() {
        #expect(aggregate([Self.status("validation"), Self.status("dns", available: .false)]).phase == .notReady)
        #expect(aggregate([Self.status("validation"), Self.status("dns", available: .unknown)]).phase == .notReady)
        #expect(aggregate([Self.status("validation"), Self.status("dns", available: nil)]).phase == .notReady)
    }

    @Test func healthFalseOnCurrentRequiredAdapterIsFailed() {
        let result = aggregate([Self.status("validation"), Self.status("dns", available: .false, health: .false)])
        #expect(result.phase == .failed)
    }

    @Test func healthFalseOnStaleOrOptionalAdapterIsNotFailed() {
        let stale = aggregate([Self.status("validation", generation: 1, available: .false, health: .false)], generation: 2)
        #expect(stale.phase == .notReady)
        let optional = aggregate([Self.status("validation", available: .false), Self.status("extra", health: .false)])
        #expect(optional.phase == .notReady)
    }

    @Test func failedEvenWhenAnotherRequiredAdapterIsSilent() {
        let result = aggregate([Self.status("validation", available: .false, health: .false)])
        #expect(result.phase == .failed)
    }

    @Test func silentRequiredAdapterPinsTimesAndGeneration() {
        let result = aggregate([Self.status("validation", generation: 1, reported: 50)])
        #expect(result.phase == .notReady)
        #expect(result.observedGeneration == 0)
        #expect(result.lastUpdatedTime == Self.created)
        #expect(result.conditions.count == 1)
    }

    @Test func nonRequiredAdapterAddsConditionButDoesNotBlockReady() {
        let result = aggregate([Self.status("validation"), Self.status("dns"),
                                Self.status("gcp-provisioner", generation: 1, available: .false, reported: -50)], generation: 1)
        #expect(result.phase == .ready)
        #expect(result.conditions.map(\.type) == ["DnsSuccessful", "GcpProvisionerSuccessful", "ValidationSuccessful"])
        #expect(result.lastUpdatedTime == at(-50)) // every reporting adapter counts for staleness
    }

    @Test func nonRequiredStaleAdapterLowersObservedGeneration() {
        let result = aggregate([Self.status("validation", generation: 3), Self.status("dns", generation: 3),
                                Self.status("extra", generation: 2)], generation: 3)
        #expect(result.phase == .ready)
        #expect(result.observedGeneration == 2)
    }

    @Test func adapterWithoutAvailableHasNoConditionButCountsForStaleness() {
        let result = aggregate([Self.status("validation", reported: 10), Self.status("dns", available: nil, reported: 5)])
        #expect(result.conditions.map(\.type) == ["ValidationSuccessful"])
        #expect(result.observedGeneration == 1)
        #expect(result.lastUpdatedTime == at(5))
    }

    @Test func noRequiredAdaptersConfigured() {
        let nothing = aggregate([], required: [])
        #expect(nothing.phase == .notReady)
        #expect(nothing.observedGeneration == 0)
        #expect(nothing.lastUpdatedTime == Self.created)
        #expect(nothing.conditions.isEmpty)
        #expect(nothing == Self.initial)

        let allGood = aggregate([Self.status("one"), Self.status("two", reported: -3)], required: [])
        #expect(allGood.phase == .ready)
        #expect(allGood.lastUpdatedTime == at(-3))

        let oneBad = aggregate([Self.status("one"), Self.status("two", available: .false)], required: [])
        #expect(oneBad.phase == .notReady)
        let failing = aggregate([Self.status("one"), Self.status("two", available: .false, health: .false)], required: [])
        #expect(failing.phase == .failed)
    }

    @Test func nothingReportedWithRequiredAdapters() {
        let result = aggregate([])
        #expect(result == Self.initial)
    }

    @Test func lastTransitionTimeChangesOnlyWithPhase() {
        let ready = aggregate([Self.status("validation"), Self.status("dns")], now: at(100))
        #expect(ready.lastTransitionTime == at(100))
        let stillReady = aggregate([Self.status("validation", reported: 30), Self.status("dns", reported: 30)],
                                   previous: ready, now: at(200))
        #expect(stillReady.phase == .ready)
        #expect(stillReady.lastTransitionTime == at(100))
        // A new generation makes every adapter non-current: phase leaves Ready.
        let afterPatch = aggregate([Self.status("validation"), Self.status("dns")], generation: 2, previous: stillReady, now: at(300))
        #expect(afterPatch.phase == .notReady)
        #expect(afterPatch.lastTransitionTime == at(300))
        let unchanged = aggregate([], previous: Self.initial, now: at(400))
        #expect(unchanged.lastTransitionTime == Self.created)
    }

    @Test func duplicateRequiredNamesAndInputOrderDoNotMatter() {
        let statuses = [Self.status("validation"), Self.status("dns"), Self.status("zeta"), Self.status("alpha")]
        let one = aggregate(statuses, required: ["dns", "validation", "dns"])
        let two = aggregate(statuses.reversed(), required: ["validation", "dns"])
        #expect(one == two)
        #expect(one.conditions.map(\.type) == ["AlphaSuccessful", "DnsSuccessful", "ValidationSuccessful", "ZetaSuccessful"])
    }

    @Test func defaults() {
        #expect(StatusAggregation.defaultClusterAdapters == ["validation", "dns", "pullsecret", "hypershift"])
        #expect(StatusAggregation.defaultNodePoolAdapters == ["validation", "hypershift"])
    }
}
