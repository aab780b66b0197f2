import DialGateSystemd
import Logging

/// A swift-log handler that writes each message as a native journal entry: its level as the
/// entry's `PRIORITY` (so `journalctl -p warning` finds it), the source location as `CODE_*`,
/// and each metadata key as a `DIALGATE_*` field.
///
/// `dialgated` uses it when its stderr goes to the journal (under systemd); a text line there
/// would lose the priority and the fields, and repeat a timestamp journald keeps anyway.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let identifier: String

    /// - Parameter identifier: the `SYSLOG_IDENTIFIER` (`journalctl -t`) of every entry.
    public init(identifier: String) {
        self.identifier = identifier
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var entry = JournalEntry(message: event.message.description, priority: Self.priority(event.level))
        entry.append("SYSLOG_IDENTIFIER", identifier)
        entry.append("CODE_FILE", event.file)
        entry.append("CODE_LINE", String(event.line))
        entry.append("CODE_FUNC", event.function)
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let explicit = event.metadata { all.merge(explicit) { $1 } }
        if let error = event.error { all["error"] = "\(error)" }
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            entry.append(Self.fieldName(key), value.description)
        }
        // A log line the journal cannot take is lost, as a line to a closed stderr would be;
        // the audit trail proper (decisions) does not go through here and fails closed.
        try? Journal.send(entry)
    }

    static func priority(_ level: Logger.Level) -> JournalEntry.Priority {
        switch level {
        case .trace, .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }

    /// The level of a message with `priority`: the inverse of `priority(_:)`, the three most
    /// urgent priorities being critical.
    static func level(_ priority: JournalEntry.Priority) -> Logger.Level {
        switch priority {
        case .emergency, .alert, .critical: .critical
        case .error: .error
        case .warning: .warning
        case .notice: .notice
        case .info: .info
        case .debug: .debug
        }
    }

    /// `DIALGATE_` and the key in upper case, each character journald refuses made `_`.
    static func fieldName(_ key: String) -> String {
        let body = key.uppercased().unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "A"..."Z", "0"..."9": Character(scalar)
            default: "_"
            }
        }
        return String(("DIALGATE_" + String(body)).prefix(64))
    }
}
