import DialGateSystemd
import Logging

extension JournalEntry {
    /// An entry of the daemon: its message, the MESSAGE_ID of its kind of event (explained by
    /// the catalog), a priority, and dialgated's syslog identifier.
    static func dialgated(_ message: String, id: String, priority: Priority = .info) -> JournalEntry {
        var entry = JournalEntry(message: message, messageID: id, priority: priority)
        entry.append("SYSLOG_IDENTIFIER", "dialgated")
        return entry
    }

    /// Whether the daemon's log already goes to the journal (under systemd), read once.
    static let logIsJournal = JournalStream.isStandardErrorConnected

    /// Journals this event, best effort, and shows its message on `logger` too unless the log
    /// goes to the journal already: a foreground run shows it on the terminal, a systemd run
    /// journals it once.
    func sendShowing(on logger: Logger, level: Logger.Level, metadata: Logger.Metadata? = nil) {
        try? Journal.send(self)
        guard !Self.logIsJournal, let message = fields.first(where: { $0.name == "MESSAGE" })?.value else { return }
        logger.log(level: level, "\(message)", metadata: metadata)
    }
}
