import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Writes structured entries to the systemd journal: the audit trail of every decision.
///
/// Written through `sd_journal_sendv` (`sd_journal_send` is variadic, which Swift cannot call).
/// The call is synchronous up to journald's socket: when it returns, journald has the entry in
/// its receive queue, or it threw.
public enum Journal {
    /// Sends `entry` to journald.
    ///
    /// Every field name is checked (`JournalEntry.isValidFieldName`), and every value is made
    /// single-line: each control character (newline, carriage return, tab, and the other C0 and
    /// C1 controls), each Unicode line break (U+2028, U+2029) and each bidi control becomes a
    /// space (`SingleLine`). journald itself would store a newline safely, but then every text
    /// view of the journal (`journalctl`'s short output, exports read by line) would show a
    /// line a caller's data forged, or text reordered by a bidi override; an audit trail must not.
    ///
    /// - Throws: `SystemdError.invalidFieldName` or `.emptyEntry` for an entry journald would
    ///   refuse; `SystemdError.failed` with the errno when journald cannot take it, including
    ///   ENOENT when journald's socket does not exist (libsystemd returns success then, and
    ///   the entry is lost: this is detected). The caller answers DENY `audit-unavailable`.
    public static func send(_ entry: JournalEntry) throws(SystemdError) {
        try send(try EncodedJournalEntry(entry))
    }

    /// Sends an entry already encoded (`EncodedJournalEntry`): what the audit writer does, so
    /// that building the bytes happens on the caller's thread and the writer only sends.
    public static func send(_ encoded: EncodedJournalEntry) throws(SystemdError) {
        let result: Int32 = encoded.withIOVecs { iovecs in sd_journal_sendv(iovecs.baseAddress!, Int32(iovecs.count)) }
        try SystemdError.check(result, "sd_journal_sendv")
        // libsystemd returns 0 and drops the entry when journald's socket does not exist (it
        // deems logging optional), and restores errno, so success and loss look alike. An audit
        // trail cannot be optional: a socket absent after sending means the entry was not
        // taken. Checking after, not before, errs on the safe side: journald vanishing just
        // after taking the entry reports a failure (a DENY), never a lost entry as written.
        if access(socketPath, F_OK) != 0 {
            throw .failed(function: "sd_journal_sendv", errno: ENOENT)
        }
    }

    /// Where libsystemd sends entries (journald's native protocol socket; a service with
    /// LogNamespace= sees its namespace's socket bind-mounted here).
    static let socketPath = "/run/systemd/journal/socket"
}
