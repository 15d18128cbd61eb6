import Foundation
import HyperFleetConfig
import HyperFleetOps
import HyperFleetTracing
import Logging
import Metrics

/// Process-wide set-up: the log handler (once per process) and the role's telemetry.
enum Bootstrap {
    nonisolated(unsafe) private static var loggingDone = false

    /// Logs to standard error in the configured format and level; metrics to a Prometheus registry
    /// of the role's own, also made the process default for anything not handed the factory.
    static func telemetry(_ settings: LogSettings, label: String) -> Telemetry {
        if !loggingDone {
            loggingDone = true
            let level = Logger.Level(rawValue: settings.level) ?? .info
            LoggingSystem.bootstrap { label in
                var handler: any LogHandler
                switch settings.format {
                // `trace_id` and `span_id` of the active span, if any (nothing while tracing is off).
                case .text: handler = StreamLogHandler.standardError(label: label, metadataProvider: TraceLogMetadata.provider)
                case .json: handler = JSONLogHandler(label: label, metadataProvider: TraceLogMetadata.provider)
                }
                handler.logLevel = level
                return handler
            }
        }
        let telemetry = Telemetry.prometheus(logger: Logger(label: label))
        MetricsSystem.bootstrap(telemetry.metricsFactory)
        return telemetry
    }

    /// The configuration file: the flag, else the environment variable (`HYPERFLEET_API_CONFIG` by default), else the default file if present.
    static func configPath(flag: String?, defaultFile: String, environmentKey: String = "HYPERFLEET_API_CONFIG") -> String? {
        if let flag { return flag }
        if let env = ProcessInfo.processInfo.environment[environmentKey], !env.isEmpty { return env }
        return FileManager.default.fileExists(atPath: defaultFile) ? defaultFile : nil
    }
}
