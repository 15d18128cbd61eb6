import HyperFleetConfig

// Here rather than beside `DevConfiguration`: the Sentinel owns its configuration type.
extension DevConfiguration {
    /// The Sentinel configuration of the dev stack: both types, these timings, this database and broker.
    public func sentinel(databaseURL: String, brokers: String) -> SentinelConfiguration {
        var s = SentinelConfiguration()
        s.database.url = databaseURL
        s.kafka.brokers = brokers
        s.pollInterval = pollInterval
        s.debounce = debounce
        s.notReadyBackoff = .init(base: notReadyBackoff.base, max: notReadyBackoff.max)
        s.failedBackoff = .init(base: failedBackoff.base, max: failedBackoff.max)
        s.maxAgeReady = maxAgeReady
        s.staleAdapterAfter = staleAdapterAfter
        s.staleCheckInterval = staleCheckInterval
        s.claimLease = .seconds(30)
        s.kafka.properties = ["message.timeout.ms": "5000"]
        s.host = host
        s.healthPort = sentinelHealthPort
        s.metricsPort = 0  // the API's metrics port serves the whole process
        return s
    }
}
