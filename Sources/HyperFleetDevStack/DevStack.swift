import HyperFleetAdapter
import HyperFleetAPI
import HyperFleetOps
import Sentinel

/// The whole system in one process, composed from the roles' own builders: the API, the Sentinel
/// for both resource types, and the given adapters. `hyperfleet dev` and the end-to-end tests run
/// exactly this; PostgreSQL and Kafka are the caller's (a private server and the mock cluster, or
/// real ones). All roles share `telemetry`, so the API's metrics port serves every metric.
///
/// Shutdown runs in reverse: the adapters stop first, then the Sentinel, then the API.
public func buildDevStackServices(
    configuration dev: DevConfiguration, databaseURL: String, brokers: String, createTopics: Bool,
    adapters: [AdapterConfiguration], telemetry: Telemetry
) async throws -> ProcessServices {
    let api = try await buildAPIServices(configuration: dev.api(databaseURL: databaseURL), telemetry: telemetry)
    let sentinel: ProcessServices
    let adapterServices: ProcessServices
    do {
        var sentinelConfiguration = dev.sentinel(databaseURL: databaseURL, brokers: brokers)
        sentinelConfiguration.kafka.createTopics = createTopics
        sentinel = try await buildSentinelServices(configuration: sentinelConfiguration, telemetry: telemetry)
        do {
            let configurations = adapters.map { dev.adapter($0, apiURL: dev.apiURL, brokers: brokers) }
            adapterServices = ProcessServices(
                services: try buildEmbeddedAdapterServices(configurations: configurations, telemetry: telemetry),
                // Evaluations in flight may wait for one API request to time out.
                shutdownTimeout: (configurations.map(\.api.timeout).max() ?? .zero) + .seconds(5))
        } catch {
            await sentinel.cleanup()
            throw error
        }
    } catch {
        await api.cleanup()
        throw error
    }
    return .combining([api, sentinel, adapterServices])
}
