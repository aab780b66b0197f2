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
        guard !entry.fields.isEmpty else { throw .emptyEntry }
        // One contiguous buffer of "NAME=value" fields; the iovecs point into it, so the only
        // copy is the one into the buffer, and one allocation serves the whole entry.
        var bytes: [UInt8] = []
        var capacity = 0
        for field in entry.fields {
            guard JournalEntry.isValidFieldName(field.name) else { throw .invalidFieldName(field.name) }
            capacity += field.name.utf8.count + 1 + field.value.utf8.count
        }
        bytes.reserveCapacity(capacity)
        var ends: [Int] = []
        ends.reserveCapacity(entry.fields.count)
        for field in entry.fields {
            bytes.append(contentsOf: field.name.utf8)
            bytes.append(UInt8(ascii: "="))
            SingleLine.append(field.value, to: &bytes)
            ends.append(bytes.count)
        }
        let result: Int32 = bytes.withUnsafeMutableBytes { buffer in
            withUnsafeTemporaryAllocation(of: iovec.self, capacity: ends.count) { iovecs in
                var start = 0
                for (index, end) in ends.enumerated() {
                    iovecs[index] = iovec(iov_base: buffer.baseAddress! + start, iov_len: end - start)
                    start = end
                }
                return sd_journal_sendv(iovecs.baseAddress!, Int32(ends.count))
            }
        }
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
