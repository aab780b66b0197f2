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
}
