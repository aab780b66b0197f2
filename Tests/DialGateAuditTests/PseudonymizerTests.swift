import Crypto
import DialGateAudit
import DialGateCore
import Foundation
import Testing

@Suite("Pseudonyms")
struct PseudonymizerTests {
    @Test("a pseudonym is the first 128 bits of HMAC-SHA-256 of the E.164 number, in lowercase hex")
    func pseudonymIsTruncatedHMAC() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dialgate-key-\(UUID().uuidString)").path
        try Data(repeating: 1, count: 32).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let pseudonymizer = Pseudonymizer(key: try Pseudonymizer.loadKey(at: path))
        // python3 -c "import hmac,hashlib; print(hmac.new(bytes([1]*32), b'+33612345678', hashlib.sha256).hexdigest()[:32])"
        #expect(pseudonymizer.pseudonym(for: try PhoneNumber(parsing: "06 12 34 56 78")) == "c31a034d83c851805fc83c6af77d3e4a")
    }

    @Test("a pseudonym is Crypto's HMAC-SHA-256 for keys shorter than, as long as and longer than a block")
    func pseudonymMatchesCryptoHMACForEveryKeyLength() throws {
        let number = try PhoneNumber(parsing: "+33 1 99 00 00 10")
        for length in [1, 16, 32, 63, 64, 65, 100] {
            let key = SymmetricKey(data: (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
            let mac = HMAC<SHA256>.authenticationCode(for: Array(number.description.utf8), using: key)
            let expected = mac.prefix(16).map { String(format: "%02x", $0) }.joined()
            #expect(Pseudonymizer(key: key).pseudonym(for: number) == expected, "key of \(length) bytes")
            // The form the audit trail writes into its entries, without a string.
            var appended: [UInt8] = []
            Pseudonymizer(key: key).mac(for: number).append(to: &appended)
            #expect(String(decoding: appended, as: UTF8.self) == expected, "key of \(length) bytes, appended")
        }
    }
}
