import HyperFleetOps
import Synchronization
import Testing

@Suite("process services")
struct ProcessServicesTests {
    /// The roles of one group shut down one after the other, so the group may take their summed
    /// timeouts; cleanups run in reverse order.
    @Test func combinedRolesGetTheSumOfTheirShutdownTimesAndCleanUpInReverse() async {
        let cleaned = Mutex<[String]>([])
        let parts = [("api", 30), ("sentinel", 10), ("adapters", 15)].map { name, seconds in
            ProcessServices(services: [], shutdownTimeout: .seconds(seconds)) { cleaned.withLock { $0.append(name) } }
        }
        let combined = ProcessServices.combining(parts, extraShutdownTime: .seconds(1))
        #expect(combined.shutdownTimeout == .seconds(56))
        await combined.cleanup()
        #expect(cleaned.withLock { $0 } == ["adapters", "sentinel", "api"])
    }
}
