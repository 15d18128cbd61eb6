import Testing
@testable import SentinelCore

/// A settings mistake and the key its message must name.
struct SettingsMistake: Sendable, CustomTestStringConvertible {
    var key: String
    var apply: @Sendable (inout DecisionSettings) -> Void
    var testDescription: String { key }
}

@Suite("Decision settings")
struct DecisionSettingsTests {
    @Test("defaults are those of SENTINEL.md and valid")
    func defaults() {
        let settings = DecisionSettings()
        #expect(settings.notReadyBackoffBase == .seconds(10))
        #expect(settings.notReadyBackoffMax == .seconds(300))
        #expect(settings.failedBackoffBase == .seconds(30))
        #expect(settings.failedBackoffMax == .seconds(1800))
        #expect(settings.debounce == .seconds(10))
        #expect(settings.maxAgeReady == .seconds(1800))
        #expect(settings.problem() == nil)
    }

    @Test("mistakes are refused with the key named", arguments: [
        SettingsMistake(key: "not_ready_backoff_base") { $0.notReadyBackoffBase = .zero },
        SettingsMistake(key: "not_ready_backoff_max") { $0.notReadyBackoffMax = .seconds(-1) },
        SettingsMistake(key: "failed_backoff_base") { $0.failedBackoffBase = .nanoseconds(10) },
        SettingsMistake(key: "failed_backoff_max") { $0.failedBackoffMax = .zero },
        SettingsMistake(key: "debounce") { $0.debounce = .zero },
        SettingsMistake(key: "max_age_ready") { $0.maxAgeReady = .seconds(-30) },
        SettingsMistake(key: "not_ready_backoff_base") { $0.notReadyBackoffBase = .seconds(301) },
        SettingsMistake(key: "failed_backoff_base") { $0.failedBackoffBase = .seconds(1801) },
    ])
    func refused(_ mistake: SettingsMistake) throws {
        var settings = DecisionSettings()
        mistake.apply(&settings)
        let message = try #require(settings.problem())
        #expect(message.hasPrefix(mistake.key))
    }

    @Test("millisecond settings for tests are valid")
    func shortDurations() {
        var settings = DecisionSettings()
        settings.notReadyBackoffBase = .milliseconds(5)
        settings.notReadyBackoffMax = .milliseconds(50)
        settings.failedBackoffBase = .milliseconds(10)
        settings.failedBackoffMax = .milliseconds(100)
        settings.debounce = .milliseconds(5)
        settings.maxAgeReady = .milliseconds(200)
        #expect(settings.problem() == nil)
    }
}
