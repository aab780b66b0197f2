import DialGateAudit
import DialGateSystemd
import Logging

extension JournalEntry {
    /// An entry of the daemon: its message, the MESSAGE_ID of its kind of event (explained by
    /// the catalog), a priority, and dialgated's syslog identifier.
    static func dialgated(_ message: String, id: String, priority: Priority = .info) -> JournalEntry {
        var entry = JournalEntry(fields: [Field(name: "MESSAGE", value: message)])
        entry.appendDialgatedFields(id: id, priority: priority)
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

extension JournalFields {
    /// What follows `MESSAGE` in every entry of the daemon, whether built as strings
    /// (`JournalEntry.dialgated`) or straight into bytes (decisions): the MESSAGE_ID of its kind
    /// of event, its priority and dialgated's syslog identifier.
    mutating func appendDialgatedFields(id: String, priority: JournalEntry.Priority) {
        append("MESSAGE_ID", id)
        append("PRIORITY", String(priority.rawValue))
        append("SYSLOG_IDENTIFIER", "dialgated")
    }
}
