/// Span attribute names shared by every component (OpenTelemetry's where one exists), so that the API,
/// the Sentinel and the adapters describe a resource, an event and a call the same way.
public enum TraceAttribute {
    public static let resourceType = "hyperfleet.resource.type"
    public static let resourceID = "hyperfleet.resource.id"
    public static let clusterID = "hyperfleet.cluster.id"
    public static let generation = "hyperfleet.resource.generation"
    public static let reason = "hyperfleet.event.reason"
    public static let messagingSystem = "messaging.system"
    public static let destination = "messaging.destination.name"
    public static let method = "http.request.method"
    public static let statusCode = "http.response.status_code"
    public static let errorType = "error.type"
}
