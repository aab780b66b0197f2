/// The `MESSAGE_ID`s of dialgate's journal entries: one per kind of event, so an auditor finds
/// every entry of a kind with `journalctl MESSAGE_ID=…`, whatever its text says.
///
/// Each is a random 128-bit id made once with `systemd-id128 new` and never changed: changing
/// one would hide past entries from the queries that use it. systemd/dialgate.catalog explains
/// each (`journalctl -x`); a test checks that the catalog and these constants agree.
public enum AuditMessageID {
    /// A query's decision, ALLOW or DENY with its reason: the audit trail proper.
    public static let decision = "7dbdb7522ab04e17b01a291225d55ae5"
    /// A list file was loaded and a new snapshot now serves.
    public static let listReloaded = "f093e165312e49818b1629b04c720af2"
    /// A list file failed to parse or validate; the previous snapshot keeps serving.
    public static let listReloadFailed = "6bf59aeb8dd646cabb508377d1d5fd3d"
    /// The ledger durably recorded an opt-out, consent, call attempt or refusal.
    public static let ledgerRecord = "8012e0e3bede4077a5a7bd4ef7396eb4"
    /// The ledger's last record was torn (a crash mid-write) and was left out at replay.
    public static let ledgerTornTail = "1f8487d0d2074ac0b8198661994728ff"
    /// The daemon started and serves queries.
    public static let started = "af686ff4db0d4ad2b140b031be3b855c"
    /// The daemon is stopping.
    public static let stopping = "ce895c8ec6f8445b9b84c34001afecac"
    /// The secret key that pseudonymises numbers in the journal was created.
    public static let auditKeyCreated = "949881e3b9a7427c8bd606b80f7b0a80"
    /// A request was refused because the peer's uid and groups lack the role it needs.
    public static let forbidden = "03f055e4b9b84f56ae9fb5f916646fe4"
    /// An audit entry reached the journal after its deadline: its answer was a DENY.
    public static let auditAbandoned = "86ede63ef2d545c2bd187f58346be6a8"
    /// The ledger could not record; decisions that depend on it are denied until it recovers.
    public static let ledgerFailed = "db15b7d1f2384e1e978edb47db2eb7d4"
    /// The ledger records again after a failure.
    public static let ledgerRecovered = "0e9a9e68c8b1492a89d83281e0bcb648"
    /// Reading its own trail back, the daemon found entries it answered that journald never
    /// wrote (`DIALGATE_MISSING`): the datagrams were queued and then lost.
    public static let auditGap = "cf264523e7004521ac4e0bce4b4c7d3f"
    /// The policy values and campaigns in force from now on, journaled at start and at each
    /// reload that applied a configuration (`DIALGATE_POLICY`, `DIALGATE_POLICY_ID`).
    public static let policyInForce = "40d4ec40877640aba2d38fd8c0552da3"
    /// `dialgate scrub` split a prospect file into callable and removed rows (one entry per
    /// run, with the input's SHA-256 and the counts, never a number).
    public static let scrub = "39697a5d245f49469fd30773aaafb168"

    /// The kinds of entry that carry a run's sequence number (`DIALGATE_SEQ`): one sequence for
    /// all of them, so a missing entry of any kind shows as a gap.
    public static let numbered = [decision, ledgerRecord, forbidden, auditAbandoned]

    /// Every id above with its name, for the catalog check and for audit tools.
    public static let all: [(name: String, id: String)] = [
        ("decision", decision),
        ("listReloaded", listReloaded),
        ("listReloadFailed", listReloadFailed),
        ("ledgerRecord", ledgerRecord),
        ("ledgerTornTail", ledgerTornTail),
        ("started", started),
        ("stopping", stopping),
        ("auditKeyCreated", auditKeyCreated),
        ("forbidden", forbidden),
        ("auditAbandoned", auditAbandoned),
        ("ledgerFailed", ledgerFailed),
        ("ledgerRecovered", ledgerRecovered),
        ("auditGap", auditGap),
        ("policyInForce", policyInForce),
        ("scrub", scrub),
    ]
}
