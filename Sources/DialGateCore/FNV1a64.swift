/// The 64-bit FNV-1a hash: cheap, byte-at-a-time and stable across runs and machines, which
/// is all a content fingerprint for snapshot ids needs (it is not a defence against forgery).
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var hash = value
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        value = hash
    }

    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    mutating func add(_ number: UInt64) {
        withUnsafeBytes(of: number.littleEndian) { add($0) }
    }

    /// 16 lowercase hex digits.
    static func hex(_ value: UInt64) -> String { Hex.lowercase(value) }

    var hex: String { Self.hex(value) }
}
