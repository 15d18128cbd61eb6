import Foundation
import Kafka
import Logging
import Sentinel

/// `sentinel-bench --serve-mock-kafka`: the librdkafka mock cluster as a stand-alone broker for
/// benchmarks that run `hyperfleet sentinel` as its own process (benchmarks/write-bench.sh). Creates
/// the default topics (3 partitions), prints `BOOTSTRAP <host:port>` and serves until SIGTERM/SIGINT.
enum MockKafkaServer {
    static func serve(logger: Logger) async throws {
        let kafka = try KafkaMockCluster(brokers: 1, logger: logger)
        defer { kafka.close() }
        let defaults = SentinelSettings()
        for topic in (Set(defaults.topics.values).sorted() + [defaults.alertsTopic]) {
            try kafka.createTopic(topic, partitions: 3, replicationFactor: 1)
        }
        // Unbuffered: the script reads the line while this process runs.
        FileHandle.standardOutput.write(Data("BOOTSTRAP \(kafka.bootstrapServers)\n".utf8))
        let (stop, continuation) = AsyncStream<Void>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { continuation.yield() }
            source.resume()
            sources.append(source)
        }
        for await _ in stop { break }
        sources.forEach { $0.cancel() }
    }
}
