/// Lowercase hexadecimal text of bytes, as `sha256sum` prints digests: the form of every digest
/// and pseudonym dialgate writes (list files, snapshots, policies, scrub files, numbers).
public enum Hex {
    /// Two lowercase hex digits a byte, written straight into the string's storage: it runs for
    /// every journal entry about a number (the pseudonym), so no string per byte and no join.
    public static func lowercase(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { write(bytes, into: $0) }
    }

    /// Appends two lowercase hex digits a byte to `text`, without a string.
    public static func appendLowercase(_ bytes: UnsafeRawBufferPointer, to text: inout [UInt8]) {
        text.append(count: bytes.count * 2) { write(bytes, into: $0) }
    }

    /// Writes two digits a byte into `text`, which has room for them; returns how many.
    private static func write(_ bytes: UnsafeRawBufferPointer, into text: UnsafeMutableBufferPointer<UInt8>) -> Int {
        for (index, byte) in bytes.enumerated() {
            text[2 * index] = digits[Int(byte >> 4)]
            text[2 * index + 1] = digits[Int(byte & 0x0F)]
        }
        return bytes.count * 2
    }

    /// Two lowercase hex digits a byte of `bytes` (a digest, an array).
    public static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        let array = Array(bytes)
        return array.withUnsafeBytes { lowercase($0) }
    }

    /// Every digit of an unsigned integer, zero-padded to its width (16 for a `UInt64`, 8 for a
    /// `UInt32`), most significant first: checksums, fingerprints and tokens of fixed length.
    public static func lowercase(_ value: some FixedWidthInteger & UnsignedInteger) -> String {
        withUnsafeBytes(of: value.bigEndian) { lowercase($0) }
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)
}
