/// How decisions are written to the journal: the `[audit]` table of the configuration.
public struct AuditSettings: Hashable, Sendable {
    /// How the called number appears in the audit trail.
    public enum NumberMode: String, Hashable, Sendable, CaseIterable {
        /// A keyed HMAC of the number: an auditor with the key can find one number's entries,
        /// anyone else sees no phone number (CNIL: minimise, prefer pseudonyms).
        case pseudonym
        /// The E.164 number itself.
        case clear
    }

    public var numberMode: NumberMode
    /// The secret key of the pseudonyms (created by the daemon when missing).
    public var keyFile: String
    /// How long a decision waits for the journal to take its entry before it is answered
    /// `DENY audit-unavailable` (a stalled or overloaded journald).
    public var deadlineMilliseconds: Int
    /// Seconds between the daemon's read-backs of its own entries, which find entries journald
    /// lost after accepting them.
    public var confirmIntervalSeconds: Double

    public init(
        numberMode: NumberMode = .pseudonym, keyFile: String = "/var/lib/dialgate/audit.key",
        deadlineMilliseconds: Int = 1000, confirmIntervalSeconds: Double = 5
    ) {
        self.numberMode = numberMode
        self.keyFile = keyFile
        self.deadlineMilliseconds = deadlineMilliseconds
        self.confirmIntervalSeconds = confirmIntervalSeconds
    }
}
