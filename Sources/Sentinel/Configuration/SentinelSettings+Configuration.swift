extension SentinelConfiguration {
    /// The engine's settings from the configuration.
    public var engineSettings: SentinelSettings {
        var settings = SentinelSettings()
        settings.types = resourceTypes.compactMap(WatchedType.init(rawValue:))
        settings.decisions = decisionSettings
        settings.batchSize = batchSize
        settings.claimLease = claimLease
        settings.publishRetryBase = publishRetry.base
        settings.publishRetryMax = publishRetry.max
        settings.topics = [.clusters: kafka.clustersTopic, .nodepools: kafka.nodepoolsTopic]
        settings.alertsTopic = kafka.alertsTopic
        settings.source = kafka.source
        settings.eventMode = kafka.structuredMode ? .structured : .binary
        settings.selectorJSON = selectorJSON
        settings.staleAdapterAfter = staleAdapterAfter
        settings.staleAlertEvents = staleAlertEvents
        settings.stuckAfter = stuckAfter
        settings.stuckDeleteAfter = stuckDeleteAfter
        settings.stuckAlertEvents = stuckAlertEvents
        settings.historyRetention = historyRetention
        return settings
    }
}
