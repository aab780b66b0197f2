import DialGateSystemd
import Testing

/// Every journal value is made single-line on its way into an entry, whether appended as a
/// string or written into the entry's bytes: a hazard is tried at every offset of values of
/// every length up to 40 bytes, where a scan that looks at several bytes at once would break.
@Suite("Single-line journal values")
struct SingleLineTests {
    /// The rule, one scalar at a time: controls (C0, DEL, C1), Unicode line breaks and bidi
    /// controls become one space each; everything else stays.
    private static func expected(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let hazard =
                value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x61C || value == 0x200E || value == 0x200F
                || (0x2028...0x202E).contains(value) || (0x2066...0x2069).contains(value)
            out.append(hazard ? " " : scalar)
        }
        return String(out)
    }

    private static let pieces = [
        "a", "Z", "~", " ", "é", "€", "\u{7F}", "\n", "\t", "\u{0}", "\u{1F}", "\u{85}", "\u{9F}", "\u{A0}", "\u{2028}",
        "\u{2029}", "\u{202E}", "\u{2066}", "\u{2069}", "\u{61C}", "\u{200E}", "\u{200D}", "\u{2030}", "\u{1F600}",
    ]

    @Test("each hazard becomes a space at every offset of a value, and nothing else changes, built either way")
    func hazardsBecomeSpacesAtEveryOffset() {
        for length in 0..<40 {
            for piece in Self.pieces {
                for offset in 0...length {
                    let plain = String(repeating: "x", count: length)
                    let text = String(plain.prefix(offset)) + piece + String(plain.dropFirst(offset))
                    var entry = EncodedJournalEntry(capacity: 64)
                    entry.append("A", text)
                    entry.append("B") { $0.append(contentsOf: text.utf8) }
                    #expect(entry.fields.map(\.value) == [Self.expected(text), Self.expected(text)], "\(text.debugDescription)")
                }
            }
        }
    }

    @Test("a value of random pieces reads as the rule says")
    func randomValuesFollowTheRule() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0..<60, using: &generator)).map { _ in Self.pieces.randomElement(using: &generator)! }
                .joined()
            var entry = EncodedJournalEntry(capacity: 64)
            entry.append("A", text)
            #expect(entry.value(of: "A") == Self.expected(text), "\(text.debugDescription)")
        }
    }
}
