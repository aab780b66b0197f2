/// What journal fields are appended to: an entry of strings, or one encoded as it is built.
public protocol JournalFields {
    /// Appends the field `name=value`.
    mutating func append(_ name: String, _ value: String)
}

/// One structured journal entry: fields in the order they are written.
///
/// Order is kept (journald stores an entry's fields as given) so an entry reads the same in
/// `journalctl -o verbose` as in the code that built it. A field may repeat, as journald allows.
/// Names are checked and values made single-line when the entry is sent (`Journal.send`).
public struct JournalEntry: JournalFields, Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// One `NAME=value` field.
    public struct Field: Sendable, Equatable {
        /// The field name: A-Z, 0-9 and _, not starting with _ or a digit, at most 64 characters.
        public let name: String
        /// The value; control characters become spaces when sent (see `Journal.send`).
        public let value: String

        /// A field as given; validated when sent.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// syslog priorities, as journald's `PRIORITY=` field takes them.
    public enum Priority: Int, Sendable {
        case emergency = 0, alert, critical, error, warning, notice, info, debug
    }

    /// The fields, in writing order.
    public private(set) var fields: [Field]

    /// An entry with the given fields, in order.
    public init(fields: [Field] = []) {
        self.fields = fields
    }

    /// An entry from a literal such as `["MESSAGE": "…", "DIALGATE_VERDICT": "DENY"]`, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    /// An entry with the fields every dialgate entry starts with: `MESSAGE`, `PRIORITY`, and
    /// `MESSAGE_ID` (one of `AuditMessageID`) when given.
    public init(message: String, messageID: String? = nil, priority: Priority = .info) {
        self.fields = [Field(name: "MESSAGE", value: message)]
        if let messageID { fields.append(Field(name: "MESSAGE_ID", value: messageID)) }
        fields.append(Field(name: "PRIORITY", value: String(priority.rawValue)))
    }

    /// Appends the field `name=value`.
    public mutating func append(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Whether journald accepts `name` as a field a client may write: A-Z, 0-9 and _, not
    /// starting with a digit nor with _ (journald reserves those for the trusted fields it adds,
    /// such as `_PID`), 1 to 64 characters.
    public static func isValidFieldName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard let first = utf8.first, utf8.count <= 64 else { return false }
        if first == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) {
            return false
        }
        return utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
    }
}
