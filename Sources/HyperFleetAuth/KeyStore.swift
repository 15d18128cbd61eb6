/// Holds the current key set; swaps are atomic so requests never wait for a reload.
actor KeyStore {
    private(set) var current: KeySet
    /// Ticket of the newest load that was installed; stops a slow older load from overwriting a newer one.
    private var installedTicket = 0
    private var issuedTickets = 0
    private var lastUnknownKeyRefresh: ContinuousClock.Instant?
    private let unknownKeyRefreshCooldown: Duration

    init(initial: KeySet, unknownKeyRefreshCooldown: Duration) {
        current = initial
        self.unknownKeyRefreshCooldown = unknownKeyRefreshCooldown
    }

    /// Numbers a load before it starts.
    func nextTicket() -> Int {
        issuedTickets += 1
        return issuedTickets
    }

    /// Installs `keySet` unless a load that started later was installed already.
    func install(_ keySet: KeySet, ticket: Int) -> Bool {
        guard ticket > installedTicket else { return false }
        installedTicket = ticket
        current = keySet
        return true
    }

    /// Grants at most one unknown-`kid` refresh per cooldown, so junk tokens cannot hammer the JWKS source.
    func claimUnknownKeyRefresh(now: ContinuousClock.Instant = .now) -> Bool {
        if let last = lastUnknownKeyRefresh, now - last < unknownKeyRefreshCooldown {
            return false
        }
        lastUnknownKeyRefresh = now
        return true
    }
}
