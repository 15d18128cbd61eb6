import Testing
@testable import SentinelCore

@Suite("Stale adapters")
struct StaleAdapterTests {
    @Test("the defaults with one hour are accepted")
    func defaultsAccepted() {
        #expect(StaleAdapterSettingsCheck.problem(staleAdapterAfter: .seconds(3600), settings: DecisionSettings()) == nil)
    }

    @Test("below 2 * max_age_ready is refused, exactly at it is accepted")
    func readyBound() throws {
        let settings = DecisionSettings()
        #expect(StaleAdapterSettingsCheck.problem(staleAdapterAfter: .seconds(3600), settings: settings) == nil)
        let message = try #require(
            StaleAdapterSettingsCheck.problem(staleAdapterAfter: .seconds(3600) - .microseconds(1), settings: settings))
        #expect(message.contains("stale_adapter_after"))
        #expect(message.contains("2 * max_age_ready"))
        #expect(message.contains("3600s"))
    }

    @Test("below 1.1 * largest backoff max + debounce is refused, exactly at it is accepted")
    func backoffBound() throws {
        var settings = DecisionSettings()
        settings.maxAgeReady = .seconds(60)
        // Failed max (1800 s) is the larger: 1.1 * 1800 + 10 = 1990 s.
        #expect(StaleAdapterSettingsCheck.problem(staleAdapterAfter: .seconds(1990), settings: settings) == nil)
        let message = try #require(
            StaleAdapterSettingsCheck.problem(staleAdapterAfter: .seconds(1990) - .microseconds(1), settings: settings))
        #expect(message.contains("stale_adapter_after"))
        #expect(message.contains("1.1 * max(not_ready_backoff_max, failed_backoff_max) + debounce"))
        #expect(message.contains("1990s"))
        // With the NotReady max the larger one, it sets the bound: 1.1 * 4000 + 10 = 4410 s.
        settings.notReadyBackoffMax = .seconds(4000)
        #expect(StaleAdapterSettingsCheck.problem(staleAdapterAfter: .seconds(4410), settings: settings) == nil)
        #expect(StaleAdapterSettingsCheck.problem(staleAdapterAfter: .seconds(4409), settings: settings) != nil)
    }

    @Test("non-positive values are refused", arguments: [Duration.zero, .seconds(-5)])
    func nonPositive(_ value: Duration) throws {
        let message = try #require(StaleAdapterSettingsCheck.problem(staleAdapterAfter: value, settings: DecisionSettings()))
        #expect(message.contains("stale_adapter_after"))
        #expect(message.contains("positive"))
    }

    @Test("an adapter is stale once its last report (or the creation) is stale_adapter_after old")
    func staleness() {
        let created = Fixture.at(0)
        let hour = Duration.seconds(3600)
        #expect(StaleAdapterRule.isStale(lastReportTime: nil, createdTime: created, now: Fixture.at(3600), staleAfter: hour))
        #expect(!StaleAdapterRule.isStale(
            lastReportTime: nil, createdTime: created, now: Fixture.justBefore(Fixture.at(3600)), staleAfter: hour))
        #expect(!StaleAdapterRule.isStale(
            lastReportTime: Fixture.at(100), createdTime: created, now: Fixture.at(3600), staleAfter: hour))
        #expect(StaleAdapterRule.isStale(
            lastReportTime: Fixture.at(100), createdTime: created, now: Fixture.at(3700), staleAfter: hour))
    }

    @Test("silent new cluster: the alert comes after the first hour, with about 17 events before it")
    func silentClusterAlertTiming() {
        let events = Fixture.simulate(Fixture.snapshot(), from: Fixture.at(0), until: Fixture.at(3599))
        let hour = Duration.seconds(3600)
        #expect(!StaleAdapterRule.isStale(lastReportTime: nil, createdTime: Fixture.at(0), now: Fixture.at(3599), staleAfter: hour))
        #expect(StaleAdapterRule.isStale(lastReportTime: nil, createdTime: Fixture.at(0), now: Fixture.at(3600), staleAfter: hour))
        #expect((15...18).contains(events.count))
    }
}
