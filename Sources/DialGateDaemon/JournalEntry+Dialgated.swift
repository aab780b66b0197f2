import DialGateAudit
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

    /// Journals this event, best effort, and shows its message on `logger` too, at the level
    /// of its priority, unless the log goes to the journal already (`dialgated` then logs
    /// through `JournalLogHandler`): a foreground run shows it on the terminal, a systemd run
    /// journals it once.
    func sendShowing(on logger: Logger) {
        try? Journal.send(self)
        guard !JournalStream.isStandardErrorConnected, let message = value(of: "MESSAGE") else { return }
        let priority = value(of: "PRIORITY").flatMap(Int.init).flatMap(Priority.init(rawValue:)) ?? .info
        logger.log(level: JournalLogHandler.level(priority), "\(message)")
    }

    private func value(of name: String) -> String? {
        fields.first(where: { $0.name == name })?.value
    }
}
