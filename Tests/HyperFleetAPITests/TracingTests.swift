import Foundation
import HTTPTypes
import HyperFleetAPI
import HyperFleetAuth
import HyperFleetConfig
import HyperFleetJSON
import HyperFleetStore
import HyperFleetTestSupport
import HyperFleetTracing
import Logging
import Postgres
import PostgresTestSupport
import ServiceLifecycle
import Synchronization
import Testing
import Tracing

/// Issue 13 in the API: a server span per request that continues the caller's `traceparent`, store
/// spans under it, and the trace context stored with each change row a write makes. Real HTTP through
/// the real server, real PostgreSQL, and swift-otel's tracer exporting OTLP/HTTP JSON to a receiver.
@Suite("API tracing")
struct TracingTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let callerSpanID = "00f067aa0ba902b7"
    static let traceparent = "00-\(traceID)-\(callerSpanID)-01"
    static let prefix = "/api/hyperfleet/v1"

    static func headers(_ traceparent: String, tracestate: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [HTTPField.Name("traceparent")!: traceparent]
        if let tracestate { fields[HTTPField.Name("tracestate")!] = tracestate }
        return fields
    }

    /// The API on a fresh database with the production tracer (OTLP/HTTP JSON to a receiver). After
    /// `body`, the tracer's services shut down, which exports every span; returns them.
    static func withTracedAPI(
        authenticator: BearerAuthenticator? = nil, serverLogger: Logger = APIHarness.logger,
        configure: (inout APIServerSettings) -> Void = { _ in }, _ body: @Sendable (APIHarness) async throws -> Void
    ) async throws -> [ExportedSpan] {
        let receiver = try await OTLPReceiver.start()
        let yaml = "tracing: {enabled: true, otlp_endpoint: '\(receiver.endpoint)', otlp_protocol: http/json, export_timeout: 10s}"
        let settings = try TracingSettings.read(try ConfigReader(yaml: yaml, environment: [:], prefix: "HYPERFLEET_TEST"), environment: [:])
        let made = try makeTracer(
            settings: settings, serviceName: "hyperfleet-api", logger: APIHarness.logger, shutdownTimeout: .seconds(20), processEnvironment: [:])
        let group = ServiceGroup(configuration: .init(services: made.services.map { .init(service: $0) }, logger: APIHarness.logger))
        let running = Task { try await group.run() }
        do {
            try await APIHarness.run(
                authenticator: authenticator, configure: configure, serverLogger: serverLogger, tracer: made.tracer, body)
        } catch {
            await group.triggerGracefulShutdown()
            try? await running.value
            try? await receiver.stop()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
        try await receiver.stop()
        return receiver.spans
    }

    /// The trace columns of the newest change row of a resource.
    static func newestChange(_ pool: PostgresPool, _ id: String) async throws -> (traceparent: String?, tracestate: String?) {
        let row = try #require(try await pool.query(
            "SELECT traceparent, tracestate FROM sentinel_changes WHERE resource_id = $1 ORDER BY seq DESC LIMIT 1", [id]).first)
        return (row["traceparent"], row["tracestate"])
    }

    /// `00-trace-span-flags` split into its fields.
    static func fields(_ traceparent: String?) -> (trace: String, span: String, flags: String)? {
        guard let parts = traceparent?.split(separator: "-").map(String.init), parts.count == 4 else { return nil }
        return (parts[1], parts[2], parts[3])
    }

    // MARK: Server spans and change rows

    @Test("a request's server span continues its traceparent, is named after the route template and has only the bounded attributes; store spans are its children and every write's change row stores the store span's context")
    func writesAndReadsContinueTheCallersTrace() async throws {
        struct Seen: Sendable {
            var clusterID = "", nodePoolID = ""
            var changes: [String: (traceparent: String?, tracestate: String?)] = [:]
            var traceresponse: String?
        }
        let seen = Mutex(Seen())
        let spans = try await Self.withTracedAPI { api in
            let traced = Self.headers(Self.traceparent, tracestate: "vendor=opaque,other=1")
            let created = try await api.post(
                "\(Self.prefix)/clusters?ignored=query", #"{"kind":"Cluster","name":"traced","spec":{}}"#, headers: traced)
            try #require(created.status == 201, "\(created.body)")
            let clusterID = try #require(try created.string("id"))
            let createChange = try await Self.newestChange(api.pool, clusterID)

            let patched = try await api.request(
                .patch, "\(Self.prefix)/clusters/\(clusterID)", json: #"{"spec":{"region":"eu"}}"#, headers: Self.headers(Self.traceparent))
            try #require(patched.status == 200, "\(patched.body)")
            let patchChange = try await Self.newestChange(api.pool, clusterID)

            let reported = try await api.post(
                "\(Self.prefix)/clusters/\(clusterID)/statuses", APIHarness.reportBody(adapter: "validation", generation: 2),
                headers: Self.headers(Self.traceparent))
            try #require(reported.status == 201, "\(reported.body)")
            let reportChange = try await Self.newestChange(api.pool, clusterID)

            let reconcile = try await api.post(
                "\(Self.prefix)/clusters/\(clusterID)/reconcile", #"{"reason":"now"}"#, headers: Self.headers(Self.traceparent))
            try #require(reconcile.status == 202, "\(reconcile.body)")
            let reconcileChange = try await Self.newestChange(api.pool, clusterID)

            let nodePool = try await api.post(
                "\(Self.prefix)/clusters/\(clusterID)/nodepools", #"{"name":"workers","spec":{"replicas":2}}"#,
                headers: Self.headers(Self.traceparent))
            try #require(nodePool.status == 201, "\(nodePool.body)")
            let nodePoolID = try #require(try nodePool.string("id"))
            let nodePoolChange = try await Self.newestChange(api.pool, nodePoolID)

            let read = try await api.get("\(Self.prefix)/clusters/\(clusterID)/nodepools/\(nodePoolID)", headers: Self.headers(Self.traceparent))
            try #require(read.status == 200, "\(read.body)")

            let deleted = try await api.request(.delete, "\(Self.prefix)/clusters/\(clusterID)/nodepools/\(nodePoolID)", headers: Self.headers(Self.traceparent))
            try #require(deleted.status == 202, "\(deleted.body)")
            let deleteChange = try await Self.newestChange(api.pool, nodePoolID)

            seen.withLock {
                $0.clusterID = clusterID
                $0.nodePoolID = nodePoolID
                $0.traceresponse = read.headers[HTTPField.Name("traceresponse")!]
                $0.changes = [
                    "createCluster": createChange, "patch": patchChange, "upsertStatus": reportChange, "reconcile": reconcileChange,
                    "createNodePool": nodePoolChange, "delete": deleteChange,
                ]
            }
        }
        let result = seen.withLock { $0 }
        let clusterID = result.clusterID, nodePoolID = result.nodePoolID
        let server = spans.filter { $0.kind == 2 }
        #expect(server.count == 7, "\(server)")
        for span in server {
            #expect(span.service == "hyperfleet-api")
            #expect(span.traceID == Self.traceID && span.parentSpanID == Self.callerSpanID, "\(span)")
        }

        // The server spans: names and exactly these attributes.
        let expected: [(name: String, attributes: [String: String])] = [
            ("POST \(Self.prefix)/clusters", [
                "http.request.method": "POST", "http.route": "\(Self.prefix)/clusters", "http.response.status_code": "201",
                "hyperfleet.resource.type": "clusters", "hyperfleet.resource.id": clusterID,
            ]),
            ("PATCH \(Self.prefix)/clusters/{cluster_id}", [
                "http.request.method": "PATCH", "http.route": "\(Self.prefix)/clusters/{cluster_id}", "http.response.status_code": "200",
                "hyperfleet.resource.type": "clusters", "hyperfleet.resource.id": clusterID,
            ]),
            ("POST \(Self.prefix)/clusters/{cluster_id}/statuses", [
                "http.request.method": "POST", "http.route": "\(Self.prefix)/clusters/{cluster_id}/statuses", "http.response.status_code": "201",
                "hyperfleet.resource.type": "clusters", "hyperfleet.resource.id": clusterID,
            ]),
            ("POST \(Self.prefix)/clusters/{cluster_id}/reconcile", [
                "http.request.method": "POST", "http.route": "\(Self.prefix)/clusters/{cluster_id}/reconcile", "http.response.status_code": "202",
                "hyperfleet.resource.type": "clusters", "hyperfleet.resource.id": clusterID,
            ]),
            ("POST \(Self.prefix)/clusters/{cluster_id}/nodepools", [
                "http.request.method": "POST", "http.route": "\(Self.prefix)/clusters/{cluster_id}/nodepools", "http.response.status_code": "201",
                "hyperfleet.resource.type": "nodepools", "hyperfleet.resource.id": nodePoolID, "hyperfleet.cluster.id": clusterID,
            ]),
            ("GET \(Self.prefix)/clusters/{cluster_id}/nodepools/{nodepool_id}", [
                "http.request.method": "GET", "http.route": "\(Self.prefix)/clusters/{cluster_id}/nodepools/{nodepool_id}",
                "http.response.status_code": "200",
                "hyperfleet.resource.type": "nodepools", "hyperfleet.resource.id": nodePoolID, "hyperfleet.cluster.id": clusterID,
            ]),
            ("DELETE \(Self.prefix)/clusters/{cluster_id}/nodepools/{nodepool_id}", [
                "http.request.method": "DELETE", "http.route": "\(Self.prefix)/clusters/{cluster_id}/nodepools/{nodepool_id}",
                "http.response.status_code": "202",
                "hyperfleet.resource.type": "nodepools", "hyperfleet.resource.id": nodePoolID, "hyperfleet.cluster.id": clusterID,
            ]),
        ]
        for (name, attributes) in expected {
            let span = server.first { $0.name == name }
            #expect(span?.attributes == attributes, "\(name): \(span.map(\.description) ?? "no span")")
            #expect(span?.statusCode != 2, "\(name)")
        }

        // traceresponse: the server span's own context.
        let read = try #require(server.first { $0.name == "GET \(Self.prefix)/clusters/{cluster_id}/nodepools/{nodepool_id}" })
        #expect(result.traceresponse == "00-\(Self.traceID)-\(read.spanID)-01")

        // One store span per operation, a client span under its server span; its context is the change row's.
        let storeSpans: [(name: String, server: String, attributes: [String: String])] = [
            ("store createCluster", "POST \(Self.prefix)/clusters",
             ["db.system.name": "postgresql", "hyperfleet.resource.type": "clusters", "hyperfleet.resource.id": clusterID]),
            ("store patch", "PATCH \(Self.prefix)/clusters/{cluster_id}",
             ["db.system.name": "postgresql", "hyperfleet.resource.type": "clusters", "hyperfleet.resource.id": clusterID]),
            ("store upsertStatus", "POST \(Self.prefix)/clusters/{cluster_id}/statuses",
             ["db.system.name": "postgresql", "hyperfleet.resource.type": "clusters", "hyperfleet.resource.id": clusterID,
              "hyperfleet.adapter": "validation"]),
            ("store reconcile", "POST \(Self.prefix)/clusters/{cluster_id}/reconcile",
             ["db.system.name": "postgresql", "hyperfleet.resource.type": "clusters", "hyperfleet.resource.id": clusterID]),
            ("store createNodePool", "POST \(Self.prefix)/clusters/{cluster_id}/nodepools",
             ["db.system.name": "postgresql", "hyperfleet.resource.type": "nodepools", "hyperfleet.resource.id": nodePoolID,
              "hyperfleet.cluster.id": clusterID]),
            ("store nodePoolDocument", "GET \(Self.prefix)/clusters/{cluster_id}/nodepools/{nodepool_id}",
             ["db.system.name": "postgresql", "hyperfleet.resource.type": "nodepools", "hyperfleet.resource.id": nodePoolID,
              "hyperfleet.cluster.id": clusterID]),
            ("store delete", "DELETE \(Self.prefix)/clusters/{cluster_id}/nodepools/{nodepool_id}",
             ["db.system.name": "postgresql", "hyperfleet.resource.type": "nodepools", "hyperfleet.resource.id": nodePoolID,
              "hyperfleet.cluster.id": clusterID]),
        ]
        for (name, serverName, attributes) in storeSpans {
            let store = try #require(spans.first { $0.name == name }, "no span \(name) in \(spans)")
            let parent = try #require(server.first { $0.name == serverName })
            #expect(store.kind == 3 && store.traceID == Self.traceID && store.parentSpanID == parent.spanID, "\(store)")
            #expect(store.attributes == attributes, "\(store)")
            let operation = String(name.dropFirst("store ".count))
            if let change = result.changes[operation] {
                #expect(change.traceparent == "00-\(Self.traceID)-\(store.spanID)-01", "\(operation): \(String(describing: change.traceparent))")
            }
        }
        // The caller's tracestate travels with the trace into the change row.
        // (swift-otel writes the list back with a space after each comma, which the format allows.)
        #expect(result.changes["createCluster"]?.tracestate?.replacingOccurrences(of: " ", with: "") == "vendor=opaque,other=1")
        #expect(result.changes["patch"]?.tracestate == nil)
        // Nothing of the query string anywhere.
        #expect(!spans.contains { span in span.name.contains("ignored") || span.attributes.values.contains { $0.contains("ignored") } })
    }

    @Test("an unsampled caller's traceparent is kept, with its flag, in the change row; nothing of it is exported")
    func unsampledTraceIsPropagatedNotExported() async throws {
        let unsampledTrace = "5bf92f3577b34da6a3ce929d0e0e4737"
        let stored = Mutex<String?>(nil)
        let spans = try await Self.withTracedAPI { api in
            let created = try await api.post(
                "\(Self.prefix)/clusters", #"{"kind":"Cluster","name":"unsampled","spec":{}}"#,
                headers: Self.headers("00-\(unsampledTrace)-\(Self.callerSpanID)-00"))
            try #require(created.status == 201, "\(created.body)")
            let change = try await Self.newestChange(api.pool, try #require(try created.string("id")))
            stored.withLock { $0 = change.traceparent }
            #expect(created.headers[HTTPField.Name("traceresponse")!].flatMap { Self.fields($0) }?.flags == "00")
        }
        let fields = try #require(Self.fields(stored.withLock { $0 }))
        #expect(fields.trace == unsampledTrace && fields.flags == "00" && fields.span != Self.callerSpanID)
        #expect(!spans.contains { $0.traceID == unsampledTrace })
    }

    // MARK: Bad input

    static let malformedTraceparents = [
        "ff-\(traceID)-\(callerSpanID)-01",  // version ff is forbidden
        "00-00000000000000000000000000000000-\(callerSpanID)-01",  // all-zero trace id
        "00-\(traceID)-0000000000000000-01",  // all-zero span id
        "00-\(traceID)-\(callerSpanID)-1",  // flags too short
        "00-\(traceID.dropLast())-\(callerSpanID)-01",  // trace id too short
        "00-\(traceID)-\(callerSpanID)-01-extra",  // version 00 with more fields
        "00-\(traceID.uppercased())-\(callerSpanID)-01",  // upper-case hex
        "00_\(traceID)_\(callerSpanID)_01",  // wrong delimiters
        "not a traceparent at all",
        "",
    ]

    @Test("a malformed traceparent is ignored: the request is answered as usual and starts a new trace")
    func malformedTraceparentStartsANewTrace() async throws {
        struct Seen: Sendable {
            var malformed: String
            var created: String?
            var changed: (traceparent: String?, tracestate: String?)
            var read: String?
        }
        let seen = Mutex<[Seen]>([])
        let spans = try await Self.withTracedAPI { api in
            for (index, malformed) in Self.malformedTraceparents.enumerated() {
                let created = try await api.post(
                    "\(Self.prefix)/clusters", #"{"kind":"Cluster","name":"bad-trace-\#(index)","spec":{}}"#,
                    headers: Self.headers(malformed, tracestate: "vendor=opaque"))
                try #require(created.status == 201, "\(malformed): \(created.body)")
                let id = try #require(try created.string("id"))
                let change = try await Self.newestChange(api.pool, id)
                let read = try await api.get("\(Self.prefix)/clusters/\(id)", headers: Self.headers(malformed))
                #expect(read.status == 200, "\(malformed)")
                let entry = Seen(
                    malformed: malformed, created: created.headers[HTTPField.Name("traceresponse")!], changed: change,
                    read: read.headers[HTTPField.Name("traceresponse")!])
                seen.withLock { $0.append(entry) }
            }
        }
        var traces: Set<String> = []
        for entry in seen.withLock({ $0 }) {
            let created = try #require(Self.fields(entry.created), "\(entry.malformed): POST without traceresponse")
            let read = try #require(Self.fields(entry.read), "\(entry.malformed): GET without traceresponse")
            #expect(created.trace != Self.traceID && read.trace != Self.traceID, "\(entry.malformed)")
            traces.insert(created.trace)
            traces.insert(read.trace)
            // The change row continues the new trace; the tracestate of an ignored traceparent is dropped.
            #expect(Self.fields(entry.changed.traceparent)?.trace == created.trace, "\(entry.malformed)")
            #expect(entry.changed.tracestate == nil, "\(entry.malformed)")
        }
        #expect(traces.count == 2 * Self.malformedTraceparents.count, "every request starts a trace of its own")
        let server = spans.filter { $0.kind == 2 }
        #expect(server.count == 2 * Self.malformedTraceparents.count)
        #expect(server.allSatisfy { $0.parentSpanID.isEmpty && $0.traceID != Self.traceID }, "\(server)")
    }

    @Test("404, 405, auth failures and bodies over the limit get a server span named without the raw path, with the status code")
    func rejectedRequestsGetSpans() async throws {
        let minter = try TokenMinter()
        let authenticator = try await minter.authenticator()
        let token = try await minter.token()
        let spans = try await Self.withTracedAPI(authenticator: authenticator, configure: { $0.maxBodyBytes = 1024 }) { api in
            // Over connections of their own: the server closes them after the 413.
            let big = #"{"kind":"Cluster","name":"big","spec":{"x":""# + String(repeating: "a", count: 3000) + #""}}"#
            let head = "POST /api/hyperfleet/v1/clusters HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer \(token)\r\ntraceparent: \(Self.traceparent)\r\n"
            let declared = try await RawConnection(port: try #require(api.client.port)).exchange(
                head + "Content-Length: \(big.utf8.count)\r\n\r\n" + big)
            #expect(ConnectionTests.responses(in: declared).map(\.status) == [413])
            let chunked = try await RawConnection(port: try #require(api.client.port)).exchange(
                head + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + String(big.utf8.count, radix: 16) + "\r\n" + big + "\r\n0\r\n\r\n")
            #expect(ConnectionTests.responses(in: chunked).map(\.status) == [413])

            let unknown = try await api.get("/api/hyperfleet/v1/secret-path-abc", headers: Self.headers(Self.traceparent))
            #expect(unknown.status == 404)
            let wrongMethod = try await api.request(.put, "\(Self.prefix)/clusters", headers: Self.headers(Self.traceparent))
            #expect(wrongMethod.status == 405)
            let unauthorized = try await api.get(
                "\(Self.prefix)/clusters/2f0b8b0e1a4c4a8e9d0b5e7c3a1f6d2b", headers: Self.headers(Self.traceparent).merging([.authorization: "Bearer nope"]))
            #expect(unauthorized.status == 401)
        }
        let server = spans.filter { $0.kind == 2 }
        let unknown = try #require(server.first { $0.name == "GET unmatched" }, "\(server)")
        #expect(unknown.attributes == ["http.request.method": "GET", "http.response.status_code": "404"])
        #expect(unknown.traceID == Self.traceID && unknown.parentSpanID == Self.callerSpanID)
        let wrongMethod = try #require(server.first { $0.name == "PUT unmatched" }, "\(server)")
        #expect(wrongMethod.attributes == ["http.request.method": "PUT", "http.response.status_code": "405"])
        let unauthorized = try #require(server.first { $0.name == "GET \(Self.prefix)/clusters/{cluster_id}" }, "\(server)")
        #expect(unauthorized.attributes["http.response.status_code"] == "401")
        #expect(unauthorized.attributes["http.route"] == "\(Self.prefix)/clusters/{cluster_id}")
        let tooLarge = server.filter { $0.name == "POST \(Self.prefix)/clusters" }
        #expect(tooLarge.count == 2 && tooLarge.allSatisfy { $0.attributes["http.response.status_code"] == "413" }, "\(tooLarge)")
        #expect(!spans.contains { span in span.attributes.values.contains { $0.contains("secret-path") || $0.contains("nope") } })
        #expect(!spans.contains { span in span.attributes.values.contains { $0.contains(String(token.prefix(20))) } }, "no header in a span")
        // No store span: nothing reached the database.
        #expect(!spans.contains { $0.name.hasPrefix("store ") })
    }

    @Test("a 5xx marks the server span and the store span as errors, and the handler's log line carries their trace and span ids")
    func serverErrorsAreErrorSpansAndLogLinesCarryTheIDs() async throws {
        let recorder = LogRecorder()
        let spans = try await Self.withTracedAPI(serverLogger: recorder.logger(metadataProvider: TraceLogMetadata.provider)) { api in
            await api.pool.close()  // every query fails from now on: the store's error is unexpected, a 500
            let failed = try await api.get("\(Self.prefix)/clusters", headers: Self.headers(Self.traceparent))
            #expect(failed.status == 500, "\(failed.body)")
        }
        let server = try #require(spans.first { $0.name == "GET \(Self.prefix)/clusters" }, "\(spans)")
        #expect(server.statusCode == 2)
        #expect(server.attributes == [
            "http.request.method": "GET", "http.route": "\(Self.prefix)/clusters", "http.response.status_code": "500",
            "hyperfleet.resource.type": "clusters", "error.type": "500",
        ])
        let store = try #require(spans.first { $0.name == "store clusters" }, "\(spans)")
        #expect(store.statusCode == 2 && store.parentSpanID == server.spanID)
        #expect(store.attributes["error.type"] == "PostgresError", "only the error's type: its message may quote values")
        let logged = try #require(recorder.lines("unexpected error").first)
        #expect(logged.metadata["trace_id"] == Self.traceID)
        #expect(logged.metadata["span_id"] == server.spanID)
    }

    // MARK: Tracing off

    @Test("with tracing off a write stores no trace context and no response carries traceresponse")
    func tracingOffStoresAndAnswersNoTraceContext() async throws {
        try await APIHarness.run { api in
            let created = try await api.post(
                "\(Self.prefix)/clusters", #"{"kind":"Cluster","name":"untraced","spec":{}}"#, headers: Self.headers(Self.traceparent))
            try #require(created.status == 201)
            let id = try #require(try created.string("id"))
            #expect(created.headers[HTTPField.Name("traceresponse")!] == nil)
            #expect(try await Self.newestChange(api.pool, id) == (nil, nil))
            let patched = try await api.request(
                .patch, "\(Self.prefix)/clusters/\(id)", json: #"{"spec":{"a":1}}"#, headers: Self.headers(Self.traceparent))
            #expect(patched.status == 200 && patched.headers[HTTPField.Name("traceresponse")!] == nil)
            #expect(try await Self.newestChange(api.pool, id) == (nil, nil))
        }
    }
}

extension HTTPFields {
    fileprivate func merging(_ other: HTTPFields) -> HTTPFields {
        var fields = self
        fields.append(contentsOf: other)
        return fields
    }
}

/// The built `hyperfleet api` with tracing on and a collector that never answers.
@Suite("API tracing in the spawned process", .serialized)
struct TracingProcessTests {
    @Test("an OTLP endpoint that never answers neither fails requests nor holds SIGTERM beyond shutdown_timeout")
    func unreachableCollectorNeverBlocksRequestsOrShutdown() async throws {
        let receiver = try await OTLPReceiver.start(silent: true)
        do {
            try await run(against: receiver)
        } catch {
            try? await receiver.stop()
            throw error
        }
        try await receiver.stop()
    }

    private func run(against receiver: OTLPReceiver) async throws {
        try await TestDatabase.withFresh { url in
            // export_timeout alone would let the final flush wait a minute; shutdown_timeout bounds it.
            let api = try await SpawnedAPI(databaseURL: url, configuration: """
                  shutdown_timeout: 2s
                tracing:
                  enabled: true
                  otlp_endpoint: \(receiver.endpoint)
                  export_timeout: 120s
                """)
            defer { api.stop() }
            for index in 0..<20 {
                let payload = #"{"kind":"Cluster","name":"flush-\#(index)","spec":{}}"#
                let request = "POST /api/hyperfleet/v1/clusters HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                    + "traceparent: \(TracingTests.traceparent)\r\nContent-Length: \(payload.utf8.count)\r\nConnection: close\r\n\r\n" + payload
                let created = try await TestSocket.roundTrip(port: api.port, request)
                #expect(created.status == 201, "\(created.body)")
            }
            let read = try await TestSocket.roundTrip(
                port: api.port, "GET /api/hyperfleet/v1/clusters?pageSize=5 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            #expect(read.status == 200)

            api.terminate()
            // Bounded wait: shutdown_timeout is 2 s; 60 s is far below the 120 s an unbounded flush would take.
            let exit = await api.process.waitForExit(within: .seconds(60))?.code
            #expect(exit != nil, "hyperfleet api did not exit within 60 s of SIGTERM")
            #expect(exit == 0, "exit status \(String(describing: exit))")
        }
    }
}
