import Crypto
import DialGateCore
import Foundation

/// The keyed pseudonym of a number: the first 128 bits of HMAC-SHA-256(key, "+33…"), in hex.
///
/// `@unchecked Sendable`: Crypto does not mark `SHA256` Sendable. The two keyed states are
/// never mutated in place: each pseudonym hashes a copy, whose first update copies the shared
/// context (copy on write), so threads only ever share it read-only.
public struct Pseudonymizer: @unchecked Sendable {
    /// HMAC-SHA-256 (RFC 2104) as its two hashes, each with its key block already absorbed:
    /// a pseudonym copies them and hashes the number, then the inner digest. Through
    /// `SHA256.update(bufferPointer:)` rather than `HMAC.update(data:)`, whose generic
    /// `DataProtocol` path walked the bytes one region at a time and cost more than the hashing
    /// (this runs for every journal entry about a number).
    private let inner: SHA256
    private let outer: SHA256

    public init(key: SymmetricKey) {
        let blockSize = SHA256.blockByteCount
        var block = key.withUnsafeBytes { bytes in
            bytes.count > blockSize ? Array(SHA256.hash(data: bytes)) : Array(bytes)
        }
        block += Array(repeating: 0, count: blockSize - block.count)
        var inner = SHA256()
        var outer = SHA256()
        block.map { $0 ^ 0x36 }.withUnsafeBytes { inner.update(bufferPointer: $0) }
        block.map { $0 ^ 0x5C }.withUnsafeBytes { outer.update(bufferPointer: $0) }
        self.inner = inner
        self.outer = outer
    }

    /// The pseudonym as text: 32 lowercase hex digits.
    public func pseudonym(for number: PhoneNumber) -> String {
        mac(for: number).text
    }

    /// Computed for every journal entry about a number: two keyed SHA-256 states fed from the
    /// number's bytes, and the first 16 bytes of the MAC, kept as bytes so that the audit
    /// trail writes their hex straight into the entry.
    public func mac(for number: PhoneNumber) -> NumberPseudonym {
        var inner = self.inner
        var text = number.description
        text.withUTF8 { inner.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes { digest in
            var pseudonym = NumberPseudonym()
            withUnsafeMutableBytes(of: &pseudonym.bytes) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: digest[0..<16])) }
            return pseudonym
        }
    }

    /// Loads an existing key (for the `dialgate pseudonym` command and the daemon).
    public static func loadKey(at path: String) throws -> SymmetricKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditKeyError(description: "cannot read the audit key \(path)")
        }
        guard data.count == 32 else {
            throw AuditKeyError(description: "\(path) holds \(data.count) bytes, expected 32: refusing to use it")
        }
        return SymmetricKey(data: data)
    }

    /// Loads the key from `path`, creating it (32 random bytes, mode 0600, written and synced
    /// before it is used) on first start. Returns whether it was created.
    public static func loadOrCreateKey(at path: String) throws -> (key: SymmetricKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try loadKey(at: path), false) }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Array($0) }
        try DurableFile.write(bytes, to: path, mode: 0o600)
        return (key, true)
    }
}

/// The audit key cannot be used.
public struct AuditKeyError: Error, CustomStringConvertible {
    public var description: String
}
