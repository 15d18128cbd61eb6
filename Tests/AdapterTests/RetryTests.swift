import Foundation
import Hummingbird
import HummingbirdTesting
@testable import HyperFleetAdapter
import HyperFleetJSON
import HyperFleetModel
import HyperFleetOps
import Logging
import NIOCore
import Synchronization
import Testing

/// A stand-in API whose cluster GET fails `failures` times (503) before answering, recording reports.
final class FlakyAPI: Sendable {
    let failures: Int
    let gets = Atomic<Int>(0)
    let reports = Mutex<[String]>([])

    init(failures: Int) { self.failures = failures }

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.get("/api/hyperfleet/v1/clusters/:id") { [self] _, context -> Response in
            let attempt = gets.add(1, ordering: .relaxed).newValue
            if attempt <= failures { return Response(status: .serviceUnavailable) }
            let id = context.parameters.get("id") ?? ""
            let body = #"{"id":"\#(id)","kind":"Cluster","generation":4,"spec":{},"status":{"phase":"NotReady"}}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/api/hyperfleet/v1/clusters/:id/statuses") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"kind":"AdapterStatusList","page":1,"size":0,"total":0,"items":[]}"#)))
        }
        router.post("/api/hyperfleet/v1/clusters/:id/statuses") { [self] request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            reports.withLock { $0.append(String(buffer: body)) }
            return Response(status: .created)
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quietLogger)
    }
}

@Suite struct RetryTests {
    func reconciler(port: Int, maxAttempts: Int, timeout: Duration = .seconds(5)) -> Reconciler {
        var configuration = AdapterConfiguration()
        configuration.name = "retry-probe"
        configuration.jobDuration = .seconds(30)
        configuration.api.url = "http://127.0.0.1:\(port)/"
        configuration.api.retryBase = .milliseconds(10)
        configuration.api.retryMax = .milliseconds(40)
        configuration.api.maxAttempts = maxAttempts
        configuration.api.timeout = timeout
        return Reconciler(
            configuration: configuration, api: HyperFleetAPIClient(settings: configuration.api, logger: quietLogger),
            jobs: JobBook(), locks: KeyedLock(), metrics: AdapterMetrics(
                adapter: "retry-probe", resourceType: "clusters",
                factory: Telemetry.prometheus(logger: quietLogger).metricsFactory),
            logger: quietLogger)
    }

    @Test func serverErrorsAreRetriedThenTheReportCarriesTheFetchedGeneration() async throws {
        let api = FlakyAPI(failures: 3)
        try await api.application().test(.live) { client in
            let reconciler = reconciler(port: try #require(client.port), maxAttempts: 5)
            let outcome = try await reconciler.reconcile(.cluster(id: ResourceID.generate()), trigger: .event)
            #expect(outcome == .reported)
            #expect(api.gets.load(ordering: .relaxed) == 4)
            let report = try #require(api.reports.withLock { $0.first })
            let json = try JSONValue.parse(report)
            #expect(json.at("adapter")?.stringValue == "retry-probe")
            #expect(json.at("observed_generation")?.exactIntegerValue == 4)
            let observed = try #require(json.at("observed_time")?.stringValue.flatMap(Timestamp.parseRFC3339))
            // "Now", not a stale or zero time; 60 s because a loaded full-suite run took 6.4 s here.
            #expect(abs(observed.date.timeIntervalSinceNow) < 60)
            let types = json.at("conditions")?.arrayValue?.compactMap { $0.at("type")?.stringValue }
            #expect(types == ["Applied", "Available", "Health"])
            await reconciler.jobs.close()
        }
    }

    @Test func persistentServerErrorsGiveUpAfterMaxAttempts() async throws {
        let api = FlakyAPI(failures: .max)
        try await api.application().test(.live) { client in
            let reconciler = reconciler(port: try #require(client.port), maxAttempts: 3)
            await #expect(throws: APIUnavailableError.self) {
                _ = try await reconciler.reconcile(.cluster(id: ResourceID.generate()), trigger: .event)
            }
            #expect(api.gets.load(ordering: .relaxed) == 3)
            #expect(api.reports.withLock { $0.isEmpty })
        }
    }

    @Test func unreachableAPIGivesUpToo() async throws {
        // Nothing listens on port 1 (the HTTP client keeps trying to connect until the request timeout).
        let reconciler = reconciler(port: 1, maxAttempts: 2, timeout: .milliseconds(300))
        let start = ContinuousClock.now
        await #expect(throws: APIUnavailableError.self) {
            _ = try await reconciler.reconcile(.cluster(id: ResourceID.generate()), trigger: .event)
        }
        #expect(ContinuousClock.now - start < .seconds(15), "gave up instead of hanging")
    }
}
