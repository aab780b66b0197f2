#if canImport(Glibc)
import Glibc
#endif

/// Whether this process's standard error is a stream to journald.
///
/// systemd sets `JOURNAL_STREAM=<device>:<inode>` for a service whose output goes to the
/// journal; systemd.exec(5) asks programs to compare it with their stderr, and when it matches
/// to prefer the native protocol, which keeps priority and structure a text line loses.
public enum JournalStream {
    /// True when stderr is the stream `JOURNAL_STREAM` names (not merely set: a child that
    /// inherited the variable but redirected its stderr is not connected). Read once: neither
    /// changes while the process runs.
    public static let isStandardErrorConnected: Bool = {
        guard let value = getenv("JOURNAL_STREAM") else { return false }
        return matches(String(cString: value), descriptor: STDERR_FILENO)
    }()

    /// Whether `descriptor` is the stream named `<device>:<inode>` (decimal, as systemd writes it).
    static func matches(_ value: String, descriptor: Int32) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}
