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

    /// Sends an entry already encoded (`EncodedJournalEntry`), then checks that journald's
    /// socket is there (`confirmSocket()`).
    public static func send(_ encoded: EncodedJournalEntry) throws(SystemdError) {
        try sendUnconfirmed(encoded)
        // Checking after, not before, errs on the safe side: journald vanishing just after
        // taking the entry reports a failure (a DENY), never a lost entry as written.
        try confirmSocket()
    }

    /// Sends an entry without the loss check: for the audit writer, which sends entries one
    /// after the other and calls `confirmSocket()` once per group before any of them counts
    /// as taken (the check costs a path lookup, about a tenth of a send).
    public static func sendUnconfirmed(_ encoded: EncodedJournalEntry) throws(SystemdError) {
        let result: Int32 = encoded.withIOVecs { iovecs in sd_journal_sendv(iovecs.baseAddress!, Int32(iovecs.count)) }
        try SystemdError.check(result, "sd_journal_sendv")
    }

    /// Throws ENOENT when journald's socket does not exist: entries sent since the last look
    /// may have been dropped. libsystemd returns 0 and drops an entry when the socket is
    /// absent (it deems logging optional), and restores errno, so success and loss look alike
    /// to the sender; an audit trail cannot be optional.
    public static func confirmSocket() throws(SystemdError) {
        if access(socketPathC, F_OK) != 0 {
            throw .failed(function: "sd_journal_sendv", errno: ENOENT)
        }
    }

    /// Where libsystemd sends entries (journald's native protocol socket; a service with
    /// LogNamespace= sees its namespace's socket bind-mounted here).
    static let socketPath = "/run/systemd/journal/socket"
    /// The same as a C string, made once: a `String` argument is converted at every call.
    private static let socketPathC: [CChar] = Array(socketPath.utf8CString)
}
