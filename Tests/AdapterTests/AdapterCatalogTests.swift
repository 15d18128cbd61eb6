import Foundation
import HyperFleetAdapter
import HyperFleetConfig
import Testing

/// The built-in adapters of the dev stack and the folder that overrides them.
@Suite struct AdapterCatalogTests {
    @Test func builtInAdaptersSayWhatTheShippedFilesSay() throws {
        let builtIn = AdapterConfiguration.builtInAdapters
        #expect(builtIn.count == ConfigurationTests.shipped.count)
        for expected in ConfigurationTests.shipped {
            let file = try AdapterConfiguration.load(file: AdapterHarness.configFile(expected.file), environment: [:])
            let match = try #require(builtIn.first { $0.name == expected.name && $0.resourceType == expected.type }, "\(expected.file)")
            // The summary prints every setting.
            #expect(match.summary == file.summary, "\(expected.file)")
            try match.validate()
        }
    }

    @Test func withoutAFolderTheBuiltInsRun() throws {
        let adapters = try AdapterConfiguration.loadAll(folder: nil)
        #expect(adapters.map { "\($0.resourceType.rawValue)-\($0.name)" } == [
            "clusters-dns", "clusters-hypershift", "clusters-pullsecret", "clusters-validation",
            "nodepools-hypershift", "nodepools-validation",
        ])
    }

    @Test func aFileInTheFolderReplacesTheBuiltInOfTheSameNameAndTypeAndOthersAreAdded() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("adapters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "name: dns\nresource_type: clusters\npreconditions: []\nbehaviour: slow\n"
            .write(to: folder.appendingPathComponent("clusters-dns.yaml"), atomically: true, encoding: .utf8)
        try "name: quota\nresource_type: nodepools\n"
            .write(to: folder.appendingPathComponent("nodepools-quota.yaml"), atomically: true, encoding: .utf8)
        try "not read: it is not yaml".write(to: folder.appendingPathComponent("README.txt"), atomically: true, encoding: .utf8)

        let adapters = try AdapterConfiguration.loadAll(folder: folder.path)
        #expect(adapters.count == 7)
        let dns = try #require(adapters.first { $0.name == "dns" })
        #expect(dns.behaviour == .slow)
        #expect(dns.preconditions == [])
        #expect(adapters.filter { $0.name == "dns" }.count == 1)
        #expect(adapters.contains { $0.name == "quota" && $0.resourceType == .nodepools })
        let hypershift = try #require(adapters.first { $0.name == "hypershift" && $0.resourceType == .clusters })
        #expect(hypershift.preconditions == ["dns", "pullsecret"], "the others stay built in")
    }

    @Test func aMissingFolderIsAnErrorNamingIt() throws {
        let missing = "/nonexistent/adapters-\(UUID().uuidString)"
        let error = #expect(throws: ConfigError.self) { try AdapterConfiguration.loadAll(folder: missing) }
        #expect(error?.description.contains(missing) == true)
    }

    @Test func aMissingConfigurationFileIsAnErrorNamingIt() throws {
        let missing = "/nonexistent/clusters-\(UUID().uuidString).yaml"
        let error = #expect(throws: ConfigError.self) { try AdapterConfiguration.load(file: missing, environment: [:]) }
        #expect(error?.description.contains(missing) == true)
    }
}
