#if canImport(Glibc)
import Glibc
#endif

/// A journal entry as the bytes `sd_journal_sendv` takes: one contiguous buffer of
/// `NAME=value` fields, names checked and values made single-line (see `Journal.send`).
///
/// Built where the entry is made, so the one thread that sends entries in order (the audit
/// writer) does no more than append its sequence number and send.
public struct EncodedJournalEntry: JournalFields, Sendable {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    /// Encodes `entry`.
    /// - Throws: `SystemdError.invalidFieldName` or `.emptyEntry` for an entry journald would refuse.
    public init(_ entry: JournalEntry) throws(SystemdError) {
        guard !entry.fields.isEmpty else { throw .emptyEntry }
        var capacity = 32
        for field in entry.fields {
            guard JournalEntry.isValidFieldName(field.name) else { throw .invalidFieldName(field.name) }
            capacity += field.name.utf8.count + 1 + field.value.utf8.count
        }
        bytes.reserveCapacity(capacity + 64)
        ends.reserveCapacity(entry.fields.count + 2)
        for field in entry.fields { appendField(field.name, field.value) }
    }

    /// An empty entry to build field by field (`append`), with room for about `capacity`
    /// bytes: the audit trail's decisions are built this way, without a `JournalEntry` first.
    public init(capacity: Int) {
        bytes.reserveCapacity(capacity)
        ends.reserveCapacity(24)
    }

    /// Adds `name=value`; `name` must be a valid field name (the caller's own constant,
    /// checked in debug builds, which the tests run).
    public mutating func append(_ name: String, _ value: String) {
        assert(JournalEntry.isValidFieldName(name), "invalid journal field name \(name)")
        appendField(name, value)
    }

    /// Adds `name=` and the bytes `value` appends, made single-line like every value: for a
    /// value built straight into the entry (a decision's facts) rather than as a string.
    public mutating func append(_ name: String, writing value: (inout [UInt8]) -> Void) {
        assert(JournalEntry.isValidFieldName(name), "invalid journal field name \(name)")
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: "="))
        let start = bytes.count
        value(&bytes)
        SingleLine.sanitize(&bytes, from: start)
        ends.append(bytes.count)
    }

    private mutating func appendField(_ name: String, _ value: String) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: "="))
        SingleLine.append(value, to: &bytes)
        ends.append(bytes.count)
    }

    /// The fields as sent, for tests and sinks that look at them.
    public var fields: [JournalEntry.Field] {
        var fields: [JournalEntry.Field] = []
        var start = 0
        for end in ends {
            let field = bytes[start..<end]
            let equals = field.firstIndex(of: UInt8(ascii: "=")) ?? end
            fields.append(
                JournalEntry.Field(
                    name: String(decoding: field[..<equals], as: UTF8.self),
                    value: String(decoding: field[min(equals + 1, end)...], as: UTF8.self)))
            start = end
        }
        return fields
    }

    /// The value of the first field named `name`.
    public func value(of name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// Calls `body` with one iovec per field, pointing into the buffer.
    func withIOVecs<R>(_ body: (UnsafeMutableBufferPointer<iovec>) -> R) -> R {
        // Read-only: sendv never writes through an iovec, so the entry's bytes are lent as they
        // are, not copied for a mutable pointer.
        return bytes.withUnsafeBytes { buffer in
            withUnsafeTemporaryAllocation(of: iovec.self, capacity: ends.count) { iovecs in
                var start = 0
                for (index, end) in ends.enumerated() {
                    iovecs[index] = iovec(
                        iov_base: UnsafeMutableRawPointer(mutating: buffer.baseAddress! + start), iov_len: end - start)
                    start = end
                }
                return body(iovecs)
            }
        }
    }
}
