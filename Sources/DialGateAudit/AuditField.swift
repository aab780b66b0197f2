/// The names of dialgate's own journal fields: one vocabulary for the code that writes the
/// audit trail and the code that reads it back (`dialgate audit`, the daemon's own read-back),
/// so that a renamed field cannot silently leave a reader finding nothing.
public enum AuditField {
    /// The process run the entry belongs to; with `seq`, what makes a missing entry visible.
    public static let run = "DIALGATE_RUN"
    /// 1, 2, 3… per run, over every audit entry (decisions, ledger events, refusals).
    public static let seq = "DIALGATE_SEQ"
    /// The last number of a run, in its stop entry.
    public static let lastSeq = "DIALGATE_LAST_SEQ"
    public static let verdict = "DIALGATE_VERDICT"
    public static let reason = "DIALGATE_REASON"
    public static let rule = "DIALGATE_RULE"
    public static let regime = "DIALGATE_REGIME"
    public static let campaign = "DIALGATE_CAMPAIGN"
    public static let numberHMAC = "DIALGATE_NUMBER_HMAC"
    public static let number = "DIALGATE_NUMBER"
    public static let numberError = "DIALGATE_NUMBER_ERROR"
    /// The instant decided for.
    public static let at = "DIALGATE_AT"
    /// `1` for a PLAN: a decision about an instant, not a permission to call.
    public static let dryRun = "DIALGATE_DRY_RUN"
    /// The instant a CHECK's client said it is (within the clock tolerance).
    public static let clientAt = "DIALGATE_CLIENT_AT"
    public static let snapshot = "DIALGATE_SNAPSHOT"
    public static let listsAsOf = "DIALGATE_LISTS_ASOF"
    public static let facts = "DIALGATE_FACTS"
    public static let requestID = "DIALGATE_REQUEST_ID"
    public static let peerPID = "DIALGATE_PEER_PID"
    public static let peerUID = "DIALGATE_PEER_UID"
    public static let peerGID = "DIALGATE_PEER_GID"
    /// A ledger event's kind (`attempt`, `optout`…).
    public static let event = "DIALGATE_EVENT"
    /// The ledger's own sequence number of the record an event entry reports.
    public static let ledgerSeq = "DIALGATE_LEDGER_SEQ"
    /// A refused request's command and the role it needed.
    public static let command = "DIALGATE_COMMAND"
    public static let role = "DIALGATE_ROLE"
    /// The place under the frequency cap a live ALLOW took, or that a release or attempt
    /// settles (see Protocol.md, "Calls in flight").
    public static let reservation = "DIALGATE_RESERVATION"
    /// The client's key of a write (`key=`).
    public static let key = "DIALGATE_KEY"
    /// How long the client said it waits (`deadline-ms=`).
    public static let deadlineMilliseconds = "DIALGATE_DEADLINE_MS"
    /// The entry an `auditAbandoned` entry is about.
    public static let abandonedSeq = "DIALGATE_ABANDONED_SEQ"
    public static let problem = "DIALGATE_PROBLEM"

    // The evidence of what decisions were made from (docs/audit.md).

    /// What started a list load or a policy entry: `start`, `signal`, `change`, `command`.
    public static let trigger = "DIALGATE_TRIGGER"
    /// SHA-256 of a snapshot's manifest text, 64 hex digits; `snapshot` is its first 16.
    public static let snapshotSHA256 = "DIALGATE_SNAPSHOT_SHA256"
    /// A list load's files as one JSON array (`ListManifest`).
    public static let manifest = "DIALGATE_MANIFEST"
    /// One per file of a list load, repeated: its name.
    public static let listFile = "DIALGATE_LIST_FILE"
    /// One per file of a list load, repeated: the SHA-256 of its bytes, so that
    /// `journalctl DIALGATE_LIST_SHA256=<sha256sum of a file>` finds every load of that copy.
    public static let listSHA256 = "DIALGATE_LIST_SHA256"
    /// How many files a list load holds.
    public static let listCount = "DIALGATE_LIST_COUNT"
    /// Problems that did not stop a load (bad lines, removed files).
    public static let warnings = "DIALGATE_WARNINGS"
    /// The policy in force, as one JSON object of its configuration keys (`PolicyRecord`).
    public static let policy = "DIALGATE_POLICY"
    /// The campaigns in force, as one JSON array.
    public static let campaigns = "DIALGATE_CAMPAIGNS"
    /// First 16 hex digits of the SHA-256 of the policy and campaigns: equal ids, equal rules.
    public static let policyID = "DIALGATE_POLICY_ID"
    /// Each policy key also has a field of its own, `DIALGATE_POLICY_` and the key in capitals
    /// with `_` for `-` (`DIALGATE_POLICY_MAX_ATTEMPTS=4`), for journalctl matches.
    public static let policyKeyPrefix = "DIALGATE_POLICY_"
    /// A scrub's input file (its path as given) and the SHA-256 of its bytes.
    public static let inputFile = "DIALGATE_INPUT_FILE"
    public static let inputSHA256 = "DIALGATE_INPUT_SHA256"
    /// A scrub's outputs: the callable and the removed file, their paths and SHA-256.
    public static let callableFile = "DIALGATE_CALLABLE_FILE"
    public static let callableSHA256 = "DIALGATE_CALLABLE_SHA256"
    public static let removedFile = "DIALGATE_REMOVED_FILE"
    public static let removedSHA256 = "DIALGATE_REMOVED_SHA256"
    /// A scrub's counts: rows read, rows callable, rows removed, and removed rows by reason
    /// (`bloctel=3,invalid-number=1`).
    public static let rows = "DIALGATE_ROWS"
    public static let callableRows = "DIALGATE_CALLABLE_ROWS"
    public static let removedRows = "DIALGATE_REMOVED_ROWS"
    public static let removedByReason = "DIALGATE_REMOVED_BY_REASON"
    /// The last ledger sequence number an offline reader (scrub) saw.
    public static let ledgerLastSeq = "DIALGATE_LEDGER_LAST_SEQ"
}
