// Linux only, like the rest of the daemon (systemd): fdatasync, flock and O_CLOEXEC as glibc has them.
import DialGateCore
import Glibc

/// Why the ledger could not open, record or compact.
///
/// Every one of these means the gate cannot know for sure what happened at runtime, so the
/// daemon answers DENY with reason `ledger-unavailable` rather than guess.
public enum LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// A line before the end of the file is damaged (checksum or framing). The tail of a file
    /// is repaired on open; damage before it means the disk or someone lost data, and the
    /// ledger refuses to open unless ``LedgerOptions/repairDamagedRecords`` is set.
    case damagedRecord(line: Int, offset: UInt64, reason: String)
    /// A line's checksum is right but its content makes no sense to this version (an unknown
    /// record type, an invalid number): probably written by a newer version. Never dropped
    /// silently, as it may be an opt-out.
    case undecodableRecord(line: Int, seq: UInt64, reason: String)
    /// Sequence numbers go backwards or repeat: lines were duplicated or reordered.
    case outOfOrder(line: Int, seq: UInt64, previous: UInt64)
    /// Sequence numbers skip where no compaction could have dropped records: lines are missing.
    case missingRecords(after: UInt64, next: UInt64)
    /// Another process (or another `Ledger` in this one) holds the ledger directory.
    case inUse(path: String)
    /// A record cannot be written (for example a date outside the years 1970...9999).
    case invalidRecord(String)
    /// An earlier write or fsync failed; every later append fails until the ledger's retry
    /// (a test write, then cutting the file back to its last acknowledged record) succeeds.
    case unavailable(String)
    /// The ledger was closed.
    case closed
    /// A client key already names a write of this type about another number: the key names
    /// one write, so this one was not recorded. Not a failure of the ledger.
    case keyReused(key: String, seq: UInt64, number: PhoneNumber)

    /// One line for logs and the daemon's status.
    public var description: String {
        switch self {
        case .io(let operation, let path, let errno):
            "\(operation) \(path): \(String(cString: strerror(errno))) (errno \(errno))"
        case .damagedRecord(let line, let offset, let reason):
            "damaged record at line \(line) (byte \(offset)): \(reason)"
        case .undecodableRecord(let line, let seq, let reason):
            "undecodable record at line \(line) (seq \(seq)): \(reason)"
        case .outOfOrder(let line, let seq, let previous):
            "sequence goes backwards at line \(line): \(seq) after \(previous)"
        case .missingRecords(let after, let next):
            "records missing between seq \(after) and \(next)"
        case .inUse(let path):
            "ledger \(path) is in use by another process"
        case .invalidRecord(let why):
            "invalid record: \(why)"
        case .unavailable(let why):
            "ledger unavailable after an earlier failure: \(why)"
        case .closed:
            "ledger is closed"
        case .keyReused(let key, let seq, let number):
            "key '\(key)' already names the write at ledger seq \(seq), about \(number)"
        }
    }
}
