import Foundation
import HyperFleetConfig
import HyperFleetOps
import Logging
import Metrics
import Prometheus

/// Process-wide logging and metrics set-up, done once per process.
enum Bootstrap {
    nonisolated(unsafe) private static var done = false

    static func observability(_ settings: LogSettings) -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        guard !done else { return registry }
        done = true
        let level = Logger.Level(rawValue: settings.level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler
            switch settings.format {
            case .text: handler = StreamLogHandler.standardError(label: label)
            case .json: handler = JSONLogHandler(label: label)
            }
            handler.logLevel = level
            return handler
        }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// The configuration file: the flag, else the environment variable (`HYPERFLEET_API_CONFIG` by default), else the default file if present.
    static func configPath(flag: String?, defaultFile: String, environmentKey: String = "HYPERFLEET_API_CONFIG") -> String? {
        if let flag { return flag }
        if let env = ProcessInfo.processInfo.environment[environmentKey], !env.isEmpty { return env }
        return FileManager.default.fileExists(atPath: defaultFile) ? defaultFile : nil
    }
}
