import DialGateCore
import Foundation
import Testing

@testable import DialGateProtocol

/// The Unicode line breaks and bidi controls Protocol.md names, with how errors name them.
let unicodeHazards: [(scalar: Unicode.Scalar, name: String)] = [
    ("\u{85}", "line break"), ("\u{2028}", "line break"), ("\u{2029}", "line break"),
    ("\u{61C}", "bidi control"), ("\u{200E}", "bidi control"), ("\u{200F}", "bidi control"),
    ("\u{202A}", "bidi control"), ("\u{202B}", "bidi control"), ("\u{202C}", "bidi control"),
    ("\u{202D}", "bidi control"), ("\u{202E}", "bidi control"), ("\u{2066}", "bidi control"),
    ("\u{2067}", "bidi control"), ("\u{2068}", "bidi control"), ("\u{2069}", "bidi control"),
]

/// `U+2028`, as error messages write it.
private func codePoint(_ scalar: Unicode.Scalar) -> String {
    let hex = String(scalar.value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: 4 - hex.count) + hex
}

@Suite("Unicode line breaks and bidi controls are never read or written raw")
struct LineHazardTests {
    @Test(
        "a request holding a Unicode line break or bidi control raw is refused bad-syntax with its position",
        arguments: unicodeHazards.map(\.scalar.value))  // code points, so the test log shows none raw
    func rawHazardRefused(codePoint value: UInt32) {
        let scalar = Unicode.Scalar(value)!
        let name = unicodeHazards.first { $0.scalar == scalar }!.name
        // In a bare value, inside quotes, and in the id: the position counts characters from 1.
        let lines: [(prefix: String, suffix: String)] = [
            ("CHECK 0612345678 campaign=fibre", "promo"),
            ("CONSENT 0612345678 proof=\"web form", " v3\""),
            ("PING id=call", "17"),
        ]
        for (prefix, suffix) in lines {
            let line = prefix + String(Character(scalar)) + suffix
            do {
                _ = try Request(parsing: Substring(line))
                Issue.record("accepted \(line.debugDescription)")
            } catch {
                #expect(error.code == .badSyntax)
                let position = prefix.unicodeScalars.count + 1
                #expect(error.message == "\(name) \(codePoint(scalar)) at character \(position)")
            }
        }
    }

    @Test("a control character written raw is refused with its code point and position")
    func rawControlRefused() {
        do {
            _ = try Request(parsing: "CHECK 0612345678 campaign=a\u{7}b")
            Issue.record("accepted a BEL")
        } catch {
            #expect(error.code == .badSyntax)
            #expect(error.message == "control character U+0007 at character 28")
        }
    }

    @Test("a quoted value may carry a line break or bidi control as its visible \\uXXXX escape")
    func escapedHazardRead() throws {
        let request = try Request(parsing: #"CONSENT 0612345678 proof="a\u2028b\u202ec\\u2029""#)
        guard case .consent(_, _, _, let proof, _) = request.command else {
            Issue.record("not a CONSENT")
            return
        }
        #expect(proof == "a\u{2028}b\u{202E}c\\u2029")
    }

    @Test(
        "a \\u escape that is not four hex digits naming a character is refused bad-syntax",
        arguments: [#"proof="\u20""#, #"proof="\u12G4 x""#, #"proof="\uD800""#, #"proof="ab\u""#])
    func malformedEscapeRefused(argument: String) {
        do {
            _ = try Request(parsing: Substring("CONSENT 0612345678 " + argument))
            Issue.record("accepted \(argument)")
        } catch {
            #expect(error.code == .badSyntax)
            #expect(error.message.hasPrefix("\\u needs four hex digits"))
        }
    }

    @Test("an answer writes each line break and bidi control as a visible \\uXXXX escape inside quotes")
    func answerEscapesHazards() {
        for (scalar, _) in unicodeHazards {
            let value = "a" + String(Character(scalar)) + "b"
            let line = Response(["OK"], fields: [Fact("proof", value)]).line
            #expect(line == "OK proof=\"a\\u\(codePoint(scalar).dropFirst(2))b\"\n")
            #expect(!line.dropLast().unicodeScalars.contains(where: LineHazard.isHazard))
        }
    }

    @Test("journal text writes each hazard as a visible \\uXXXX escape and keeps everything else as it is")
    func journalTextIsVisible() {
        #expect(Response.visible("call-17") == "call-17")
        #expect(Response.visible("fibre promo \"é\"") == "fibre promo \"é\"")
        #expect(Response.visible("abc\u{202E}ynned\u{2028}x\n") == "abc\\u202Eynned\\u2028x\\u000A")
    }

    @Test("quote then tokenize gives back any string, hazards included, and the quoted form holds none raw")
    func quoteTokenizeRoundTrip() throws {
        let alphabet: [Unicode.Scalar] =
            unicodeHazards.map(\.scalar) + ["\u{0}", "\t", "\n", "\r", "\u{7F}", "\u{9F}"]
            + [" ", "\"", "\\", "=", "u", "0", "2", "8", "E", "a", "z", "-", "é", "\u{A0}", "\u{202F}", "✓", "😀", "\u{600}"]
        var random = SplitMix64(seed: 0x5EED_2028)
        for _ in 0..<3000 {
            let length = Int(random.next() % 12)
            var value = ""
            for _ in 0..<length { value.unicodeScalars.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
            let quoted = LineTokenizer.quote(value)
            #expect(!quoted.unicodeScalars.contains(where: LineHazard.isHazard), "\(quoted.debugDescription)")
            #expect(try LineTokenizer.tokenize(Substring(quoted)) == [.init(key: nil, value: value)], "\(value.debugDescription)")
            let field = "k=" + quoted
            #expect(try LineTokenizer.tokenize(Substring(field)) == [.init(key: "k", value: value)], "\(value.debugDescription)")
            let line = Response(["OK"], fields: [Fact("v", value)]).line
            #expect(ResponseLine(parsing: Substring(line))?.fields["v"] == value, "\(value.debugDescription)")
        }
    }
}

/// A small seeded generator, so that a failing case can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
