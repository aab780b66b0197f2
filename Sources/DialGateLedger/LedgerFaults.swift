import Glibc
import Synchronization

/// Failures to inject into the ledger's writes and syncs, so the tests can show what the gate
/// answers when the disk fails (ENOSPC, EIO after an fdatasync) without breaking a real disk.
///
/// Armed by a test, read by the ledger's writer before each `write` and `fdatasync` of its
/// file (and of the test write it makes while recovering), and by a compaction before each
/// `write` and sync of its new file. Never armed in the daemon.
public final class LedgerFaults: Sendable, Hashable {
    /// The system calls a fault can hit.
    public enum Operation: Hashable, Sendable {
        case write
        case sync
    }

    private struct Armed: Sendable {
        var errno: Int32
        var remaining: Int
        /// The file name the fault hits; nil for every file.
        var file: String?
    }

    private let armed = Mutex<[Operation: Armed]>([:])
    private let delays = Mutex<[Operation: Duration]>([:])

    public init() {}

    /// Makes the next `times` calls of `operation` fail with `errno` (until ``heal()`` when
    /// `times` is nil), on every file, or only on the file named `file` in the ledger's
    /// directory (`ledger.log.compact`: a compaction's new file, while appends go on).
    public func fail(_ operation: Operation, errno: Int32, times: Int? = nil, file: String? = nil) {
        armed.withLock { $0[operation] = Armed(errno: errno, remaining: times ?? .max, file: file) }
    }

    /// Makes every `operation` take `duration` longer (a slow or overloaded disk), until
    /// ``heal()``.
    public func slow(_ operation: Operation, by duration: Duration) {
        delays.withLock { $0[operation] = duration }
    }

    /// The disk is healthy again.
    public func heal() {
        armed.withLock { $0.removeAll() }
        delays.withLock { $0.removeAll() }
    }

    /// Throws the armed failure of `operation` on `path`, if any.
    func check(_ operation: Operation, path: String) throws(LedgerError) {
        if let delay = delays.withLock({ $0[operation] }) {
            let (seconds, attoseconds) = delay.components
            usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
        }
        let failure: Int32? = armed.withLock { armed in
            guard var fault = armed[operation], fault.remaining > 0 else { return nil }
            if let file = fault.file, !path.hasSuffix("/" + file) { return nil }
            fault.remaining -= 1
            armed[operation] = fault.remaining > 0 ? fault : nil
            return fault.errno
        }
        if let failure {
            throw .io(operation: operation == .write ? "write" : "fdatasync", path: path, errno: failure)
        }
    }

    public static func == (lhs: LedgerFaults, rhs: LedgerFaults) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
