import HyperFleetConfig
import Testing

@Suite("configuration")
struct ConfigTests {
    @Test func durations() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("1h30m") == .seconds(5400))
        #expect(DurationText.parse("2.5s") == .milliseconds(2500))
        #expect(DurationText.parse("10") == nil)
        #expect(DurationText.parse("") == nil)
        #expect(DurationText.format(.seconds(300)) == "5m")
        #expect(DurationText.format(.milliseconds(1500)) == "1500ms")
        #expect(DurationText.parse("7d") == .seconds(7 * 86400))
        #expect(DurationText.parse("1d12h") == .seconds(36 * 3600))
        #expect(DurationText.format(.seconds(7 * 86400)) == "7d")
        #expect(DurationText.format(.seconds(36 * 3600)) == "36h")
    }
}
