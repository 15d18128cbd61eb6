import Foundation
import HyperFleetConfig

extension AdapterConfiguration {
    /// The reference adapters of ADAPTER.md "Preconditions", as `config/adapters/*.yaml` describe them;
    /// built in so that `hyperfleet dev` runs from any directory.
    public static var builtInAdapters: [AdapterConfiguration] {
        func adapter(
            _ name: String, _ type: AdapterResourceType, waitsFor preconditions: [String], clusterReady: Bool = false
        ) -> AdapterConfiguration {
            var configuration = AdapterConfiguration()
            configuration.name = name
            configuration.resourceType = type
            configuration.preconditions = preconditions
            configuration.requireClusterReady = clusterReady
            return configuration
        }
        return [
            adapter("validation", .clusters, waitsFor: []),
            adapter("dns", .clusters, waitsFor: ["validation"]),
            adapter("pullsecret", .clusters, waitsFor: ["validation"]),
            adapter("hypershift", .clusters, waitsFor: ["dns", "pullsecret"]),
            adapter("validation", .nodepools, waitsFor: []),
            adapter("hypershift", .nodepools, waitsFor: ["validation"], clusterReady: true),
        ]
    }

    /// The built-in adapters, each replaced by a file of `folder` (`*.yaml`) with the same name and
    /// resource type; files naming other adapters add them. Sorted by resource type, then name.
    /// A `folder` that does not exist is an error naming it.
    public static func loadAll(folder: String?, environment: [String: String] = [:]) throws -> [AdapterConfiguration] {
        var adapters = builtInAdapters
        if let folder {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ConfigError(key: "", "adapter folder '\(folder)' does not exist or is not a folder")
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
            for file in files {
                let loaded = try load(file: (folder as NSString).appendingPathComponent(file), environment: environment)
                adapters.removeAll { $0.name == loaded.name && $0.resourceType == loaded.resourceType }
                adapters.append(loaded)
            }
        }
        return adapters.sorted { ($0.resourceType.rawValue, $0.name) < ($1.resourceType.rawValue, $1.name) }
    }
}
