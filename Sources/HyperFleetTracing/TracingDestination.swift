extension TracingSettings {
    /// Where a component's spans go, in one line for a start-up log line or the dev stack's banner:
    /// `off`, `on, not exported (no OTLP endpoint)`, or `on, exported to URL (OTLP/HTTP, protobuf)`.
    public var destination: String {
        guard enabled else { return "off" }
        guard let tracesEndpoint else { return "on, not exported (no OTLP endpoint)" }
        let encoding = otlpProtocol == .httpJSON ? "JSON" : "protobuf"
        return "on, exported to \(tracesEndpoint) (OTLP/HTTP, \(encoding))"
    }
}
