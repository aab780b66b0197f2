import DialGateSystemd

/// Where audit entries go: the systemd journal in the daemon, a sink that fails or stalls on
/// demand in the tests of what the gate answers when the journal does.
public protocol AuditSink: Sendable {
    /// Hands `entry` over; returns once the receiver has it, throws when it refused it.
    /// May block (a stalled journald): it is only ever called on the audit writer's thread.
    func send(_ entry: EncodedJournalEntry) throws

    /// Throws when entries `send` returned from since the last call may not have been taken
    /// (journald's socket gone: libsystemd drops entries then and returns success). The writer
    /// calls it once per group of sent entries, before any of their answers is given.
    func confirmDelivered() throws
}

/// The systemd journal, through `sd_journal_sendv`.
public struct SystemdJournalSink: AuditSink {
    public init() {}

    public func send(_ entry: EncodedJournalEntry) throws {
        try Journal.sendUnconfirmed(entry)
    }

    public func confirmDelivered() throws {
        try Journal.confirmSocket()
    }
}
