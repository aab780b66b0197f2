import DialGateCore

/// A number's pseudonym: the first 16 bytes of its HMAC, held inline (no allocation).
public struct NumberPseudonym: Sendable, Equatable {
    /// The 16 bytes, in digest order.
    var bytes: (UInt64, UInt64) = (0, 0)

    public static func == (lhs: NumberPseudonym, rhs: NumberPseudonym) -> Bool { lhs.bytes == rhs.bytes }

    /// 32 lowercase hex digits, as journal entries and `dialgate pseudonym` write it.
    public var text: String {
        withUnsafeBytes(of: bytes) { Hex.lowercase($0) }
    }

    /// Appends `text`'s bytes to `bytes`, without a string.
    public func append(to text: inout [UInt8]) {
        withUnsafeBytes(of: bytes) { Hex.appendLowercase($0, to: &text) }
    }
}
