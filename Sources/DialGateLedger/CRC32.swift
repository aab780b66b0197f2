import DialGateCore

/// CRC-32 (IEEE 802.3, the zlib / `cksum -o 3` / `crc32(1)` polynomial), used to tell a ledger
/// line that was written whole from one that was torn or damaged on disk.
///
/// A checksum, not a seal: it detects accidents, not tampering (the journal's Forward Secure
/// Sealing is what makes the audit trail tamper-evident).
struct CRC32: Hashable, Sendable {
    /// The checksum of the bytes fed so far.
    private(set) var value: UInt32 = 0

    init() {}

    /// The checksum of `bytes` alone.
    init(_ bytes: some Sequence<UInt8>) {
        update(bytes)
    }

    /// Feeds more bytes, so that a checksum can cover non-adjacent parts of a line.
    mutating func update(_ bytes: some Sequence<UInt8>) {
        var crc = ~value
        let table = Self.table
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        value = ~crc
    }

    /// Eight lowercase hexadecimal digits, as written in the ledger.
    var hex: String { Hex.lowercase(value) }

    /// The byte-at-a-time table of the reflected polynomial 0xEDB88320.
    private static let table: [UInt32] = (0..<256).map { index in
        var c = UInt32(index)
        for _ in 0..<8 {
            c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
        }
        return c
    }
}
