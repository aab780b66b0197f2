extension Configuration {
    /// The keys whose new value in `newer` takes effect only when the daemon restarts: where it
    /// listens and keeps its state, its connection limits, and the whole `[audit]` table (the
    /// trail's key, number form and deadline are fixed for a run, so that one run's entries
    /// read alike). Everything else (lists, policy, campaigns, access) takes effect at reload.
    public func keysNeedingRestart(toApply newer: Configuration) -> [String] {
        var keys: [String] = []
        func check<Value: Equatable>(_ key: String, _ old: Value, _ new: Value) {
            if old != new { keys.append(key) }
        }
        check("daemon.socket", daemon.socket, newer.daemon.socket)
        check("daemon.socket-mode", daemon.socketMode, newer.daemon.socketMode)
        check("daemon.socket-group", daemon.socketGroup, newer.daemon.socketGroup)
        check("daemon.state", daemon.state, newer.daemon.state)
        check("daemon.idle-timeout-seconds", daemon.idleTimeoutSeconds, newer.daemon.idleTimeoutSeconds)
        check("daemon.max-connections", daemon.maxConnections, newer.daemon.maxConnections)
        check("daemon.max-connections-per-uid", daemon.maxConnectionsPerUID, newer.daemon.maxConnectionsPerUID)
        check("daemon.max-line-bytes", daemon.maxLineBytes, newer.daemon.maxLineBytes)
        check("audit.number", audit.numberMode, newer.audit.numberMode)
        check("audit.key-file", audit.keyFile, newer.audit.keyFile)
        check("audit.deadline-milliseconds", audit.deadlineMilliseconds, newer.audit.deadlineMilliseconds)
        check("audit.confirm-interval-seconds", audit.confirmIntervalSeconds, newer.audit.confirmIntervalSeconds)
        return keys
    }
}
