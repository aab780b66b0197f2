import DialGateSystemd

/// Where audit entries go: the systemd journal in the daemon, a sink that fails or stalls on
/// demand in the tests of what the gate answers when the journal does.
public protocol AuditSink: Sendable {
    /// Hands `entry` over; returns once the receiver has it, throws when it refused it.
    /// May block (a stalled journald): it is only ever called on the audit writer's thread.
    func send(_ entry: EncodedJournalEntry) throws
}

/// The systemd journal, through `sd_journal_sendv`.
public struct SystemdJournalSink: AuditSink {
    public init() {}

    public func send(_ entry: EncodedJournalEntry) throws {
        try Journal.send(entry)
    }
}
