import DialGateCore
import Testing

/// Digests and pseudonyms are written as `sha256sum` prints them: two lowercase digits a byte.
@Suite("Hex")
struct HexTests {
    @Test("every byte is two lowercase hex digits, high nibble first, zero-padded")
    func everyByteIsTwoLowercaseDigits() {
        for value in 0...255 {
            let byte = UInt8(value)
            let digits = String(byte, radix: 16)
            #expect(Hex.lowercase([byte]) == (digits.count == 1 ? "0" + digits : digits))
        }
    }

    @Test("bytes are written in order, and no bytes are no text")
    func bytesAreWrittenInOrder() {
        #expect(Hex.lowercase([0x00, 0x0F, 0xA5, 0xFF, 0x10]) == "000fa5ff10")
        #expect(Hex.lowercase([UInt8]()) == "")
        let bytes: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF, 0x01]
        #expect(bytes.withUnsafeBytes { Hex.lowercase(UnsafeRawBufferPointer(rebasing: $0[1..<4])) } == "adbeef")
    }

    @Test("an integer is all its digits, most significant first, zero-padded to its width")
    func anIntegerIsZeroPaddedToItsWidth() {
        #expect(Hex.lowercase(UInt64(1)) == "0000000000000001")
        #expect(Hex.lowercase(UInt32(0xDEAD_BEEF)) == "deadbeef")
        #expect(Hex.lowercase(UInt32(0)) == "00000000")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let value = generator.next() as UInt64
            let digits = String(value, radix: 16)
            #expect(Hex.lowercase(value) == String(repeating: "0", count: 16 - digits.count) + digits)
        }
    }
}
