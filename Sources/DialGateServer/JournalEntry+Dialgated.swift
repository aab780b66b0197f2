import DialGateSystemd

extension JournalEntry {
    /// An entry of the daemon: its message, the MESSAGE_ID of its kind of event (explained by
    /// the catalog), a priority, and dialgated's syslog identifier.
    static func dialgated(_ message: String, id: String, priority: Priority = .info) -> JournalEntry {
        var entry = JournalEntry(message: message, messageID: id, priority: priority)
        entry.append("SYSLOG_IDENTIFIER", "dialgated")
        return entry
    }
}
