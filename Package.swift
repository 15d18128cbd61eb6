// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "HyperFleet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hyperfleet", targets: ["hyperfleet"]),
        .executable(name: "sentinel-bench", targets: ["SentinelBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CRdKafka", path: "Sources/CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .target(name: "HyperFleetModel"),
        .target(name: "TSL"),
        .target(name: "SentinelCore"),
        .target(name: "Postgres", dependencies: [
            "CLibPQ",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .target(name: "HyperFleetTestSupport", dependencies: [
            "Kafka",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .target(name: "PostgresTestSupport", dependencies: ["Postgres", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Kafka", dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")]),
        .target(name: "HyperFleetAuth", dependencies: [
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "HyperFleetStore", dependencies: [
            "HyperFleetModel", "TSL", "Postgres",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "HyperFleetAPI", dependencies: [
            "HyperFleetModel", "TSL", "Postgres", "HyperFleetStore", "HyperFleetAuth",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ], resources: [.copy("Resources/openapi.json")]),
        .target(name: "Sentinel", dependencies: [
            "SentinelCore", "Postgres", "Kafka", "HyperFleetModel",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "HyperFleetOps", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "HyperFleetConfig", dependencies: [
            "HyperFleetModel", "HyperFleetAuth", "Postgres", "SentinelCore",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "HyperFleetAdapter", dependencies: [
            "HyperFleetModel", "Kafka", "HyperFleetConfig", "HyperFleetOps",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "hyperfleet", dependencies: [
            "HyperFleetAPI", "HyperFleetConfig", "HyperFleetOps", "HyperFleetStore", "HyperFleetAuth", "Postgres",
            "Sentinel", "SentinelCore", "Kafka", "HyperFleetAdapter",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Benchmarks of the Sentinel (benchmarks/sentinel-bench.sh); not part of the shipped binary.
        .executableTarget(name: "SentinelBench", dependencies: [
            "Sentinel", "SentinelCore", "Kafka", "Postgres", "HyperFleetStore", "HyperFleetModel",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Sources/SentinelBench"),
        .testTarget(name: "HyperFleetModelTests", dependencies: ["HyperFleetModel"]),
        .testTarget(name: "TSLTests", dependencies: ["TSL"]),
        .testTarget(name: "SentinelCoreTests", dependencies: ["SentinelCore"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "PostgresTestSupport"]),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "HyperFleetTestSupport"]),
        .testTarget(name: "HyperFleetAuthTests", dependencies: [
            "HyperFleetAuth",
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "HyperFleetConfigTests", dependencies: ["HyperFleetConfig"]),
        .testTarget(name: "HyperFleetAPITests", dependencies: [
            "HyperFleetAPI", "HyperFleetConfig", "HyperFleetOps", "HyperFleetStore", "HyperFleetAuth", "PostgresTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            "HyperFleetTestSupport",
            .product(name: "JWTKit", package: "jwt-kit"),
        ]),
        .testTarget(name: "SentinelTests", dependencies: [
            "Sentinel", "SentinelCore", "Kafka", "Postgres", "PostgresTestSupport", "HyperFleetStore", "HyperFleetModel",
            "HyperFleetTestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "AdapterTests", dependencies: [
            "HyperFleetAdapter", "HyperFleetAPI", "HyperFleetStore", "HyperFleetModel", "Kafka", "Postgres", "PostgresTestSupport",
            "HyperFleetTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "HyperFleetAPI", "HyperFleetStore", "HyperFleetModel", "HyperFleetAdapter", "Sentinel", "SentinelCore", "Kafka", "Postgres",
            "PostgresTestSupport", "HyperFleetTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
