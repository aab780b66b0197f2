#if canImport(Glibc)
import Glibc
#endif

/// A failure of the systemd interface, carrying what the caller needs to act on it.
///
/// libsystemd reports failures as a negative errno; it is kept here, as the positive errno, so a
/// caller can name it (for example DENY `audit-unavailable` when the journal refuses an entry).
public enum SystemdError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A libsystemd function returned `-errno`.
    case failed(function: String, errno: Int32)
    /// A journal field name journald would refuse or reserve for its own trusted fields.
    case invalidFieldName(String)
    /// A journal entry with no field at all: journald would store nothing.
    case emptyEntry

    /// The positive errno of a libsystemd failure, nil for the validation errors.
    public var errno: Int32? {
        if case .failed(_, let errno) = self { return errno }
        return nil
    }

    public var description: String {
        switch self {
        case .failed(let function, let errno):
            return "\(function) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case .invalidFieldName(let name):
            return "invalid journal field name \"\(name)\": want A-Z, 0-9 and _, not starting with _ or a digit, at most 64 characters"
        case .emptyEntry:
            return "a journal entry needs at least one field"
        }
    }

    /// Turns a libsystemd return value into a thrown error when it is negative.
    @discardableResult
    static func check(_ result: Int32, _ function: String) throws(SystemdError) -> Int32 {
        if result < 0 { throw .failed(function: function, errno: -result) }
        return result
    }
}
