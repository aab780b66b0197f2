import PropertyBased
import Testing

@testable import DialGateCore

/// How a French number can be written: the prefix before the 9 significant digits.
private let frenchPrefixes = ["0", "(0)", "+33", "+33 (0)", "0033", "0033(0)", "00 33", "33", "33 (0)"]
/// How the significant digits can be grouped.
private let groupings: [[Int]] = [[1, 2, 2, 2, 2], [3, 2, 2, 2], [3, 3, 3], [1, 4, 4], [9]]
private let separators = [" ", ".", "-", "/", "", "\u{00A0}", "\u{202F}", " - ", "  ", "\t"]
/// Characters random texts are made of: mostly what numbers are written with, and a few
/// that must be refused (letters, other scripts' digits, other dashes).
private let alphabet: [Character] =
    Array("00000111222333444555666777888999") + Array("+++  ..--//()") + ["a", "x", "\u{0663}", "\u{FF18}", "é", "\u{2013}", "\u{00A0}"]

/// A French national significant number written in some style.
struct WrittenFrenchNumber: Sendable, CustomTestStringConvertible {
    let significant: UInt64
    let text: String

    init(significant: UInt64, prefix: String, grouping: [Int], separator: String, padding: String) {
        self.significant = significant
        let digits = Array(String(significant))
        var groups: [String] = []
        var start = 0
        for length in grouping {
            groups.append(String(digits[start..<start + length]))
            start += length
        }
        var body = groups.joined(separator: separator)
        // "0" reads as the trunk zero of the first group ("06 12…"), other prefixes stand apart.
        body = prefix == "0" ? "0" + body : prefix + separator + body
        self.text = padding + body + padding
    }

    /// The key the number must have: overseas ranges take their department's code.
    var expectedKey: UInt64 {
        let range = significant / 1_000_000
        let countryCode: UInt64 =
            switch range {
            case 262, 269, 639, 692, 693: 262
            case 590, 690, 691: 590
            case 594, 694: 594
            case 596, 696, 697: 596
            default: 33
            }
        return countryCode * 1_000_000_000 + significant
    }

    var testDescription: String { text.debugDescription }
}

private let writtenFrenchNumbers = zip(
    Gen.uint64(in: 100_000_000...999_999_999),
    Gen.int(in: 0..<frenchPrefixes.count),
    Gen.int(in: 0..<groupings.count),
    Gen.int(in: 0..<separators.count),
    Gen.bool
).map { significant, prefix, grouping, separator, padded in
    WrittenFrenchNumber(
        significant: significant, prefix: frenchPrefixes[prefix], grouping: groupings[grouping],
        separator: separators[separator], padding: padded ? " " : "")
}

/// International numbers of any country, written with `+` or `00`.
private let internationalTexts = zip(Gen.uint64(in: 1_000_000...999_999_999_999_999_999), Gen.bool).map {
    digits, plus in
    (plus ? "+" : "00") + String(digits)
}

private let randomTexts = Gen.int(in: 0..<alphabet.count).array(of: 0...20).map { indices in
    String(indices.map { alphabet[$0] })
}

/// Short texts of the characters whose meaning depends on place (`+`, `0`, `(0)`, country
/// codes), where the digit arithmetic has its edge cases.
private let prefixAlphabet: [Character] = Array("+0()369 +0()2")
private let prefixTexts = Gen.int(in: 0..<prefixAlphabet.count).array(of: 0...14).map { indices in
    String(indices.map { prefixAlphabet[$0] })
}

/// Well-written French numbers with one character of `alphabet` put in somewhere: a separator
/// leaves some valid, a digit, a letter or a misplaced `+` makes them refused, so both sides of the
/// property are exercised in every run, whatever the seed.
private let nearlyWrittenTexts = zip(writtenFrenchNumbers, Gen.int(in: 0...30), Gen.int(in: 0..<alphabet.count)).map {
    written, position, character in
    var characters = Array(written.text)
    characters.insert(alphabet[character], at: min(position, characters.count))
    return String(characters)
}

private func parse(_ text: String) -> Result<PhoneNumber, PhoneNumberError> {
    Result { () throws(PhoneNumberError) in try PhoneNumber(parsing: text) }
}

/// Whether a text is `+` and 8 to 15 digits without a leading zero.
private func isE164(_ text: String) -> Bool {
    let digits = text.utf8.dropFirst()
    return text.first == "+" && (8...15).contains(digits.count) && digits.first != UInt8(ascii: "0")
        && digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
}

@Suite("Phone number properties")
struct PhoneNumberPropertyTests {
    @Test("a French number written in any style has the key of its compact national form")
    func anyStyleSameKey() async throws {
        await propertyCheck(count: 500, input: writtenFrenchNumbers) { written in
            let compact = try PhoneNumber(parsing: "0" + String(written.significant))
            let styled = try PhoneNumber(parsing: written.text)
            #expect(styled == compact)
            #expect(styled.key == written.expectedKey)
        }
    }

    @Test("normalising a normalised number changes nothing")
    func normalisingIsIdempotent() async throws {
        await propertyCheck(count: 300, input: writtenFrenchNumbers) { written in
            let number = try PhoneNumber(parsing: written.text)
            #expect(parse(number.description) == .success(number))
            #expect(PhoneNumber(key: number.key) == number)
        }
        await propertyCheck(count: 500, input: internationalTexts) { text in
            switch parse(text) {
            case .success(let number):
                #expect(parse(number.description) == .success(number))
                #expect(PhoneNumber(key: number.key) == number)
            case .failure(let error):
                // Only digits were written, so a refusal is about the digits, never a character.
                switch error.problem {
                case .tooFewDigits, .tooManyDigits, .notDialable: break
                default: Issue.record("unexpected \(error) for \(text)")
                }
            }
        }
    }

    @Test("every accepted text is a valid E.164 number, every refusal points into the text")
    func acceptedIsE164() async {
        await propertyCheck(count: 2000, input: randomTexts) { text in
            _ = checkAcceptedOrLocated(text)
        }
        await propertyCheck(count: 2000, input: prefixTexts) { text in
            _ = checkAcceptedOrLocated(text)
        }
        var nearlyAccepted = 0
        await propertyCheck(count: 1000, input: nearlyWrittenTexts) { text in
            if checkAcceptedOrLocated(text) { nearlyAccepted += 1 }
        }
        // Random texts are rarely valid (some runs have none); texts one character away from a
        // valid number are valid about one time in five, so the property met accepted ones.
        #expect(nearlyAccepted > 0)
        #expect(nearlyAccepted < 1000)
    }
}

/// Checks one text: accepted as a valid E.164 number, or refused with a position inside it
/// that points at the blamed character. Returns whether it was accepted.
private func checkAcceptedOrLocated(_ text: String) -> Bool {
    switch parse(text) {
    case .success(let number):
        #expect(isE164(number.description), "\(text.debugDescription) gave \(number)")
        #expect(PhoneNumber(key: number.key) == number)
        return true
    case .failure(let error):
        guard let position = error.position else { return false }
        let characters = Array(text)
        #expect((1...characters.count).contains(position), "\(error) in \(text.debugDescription)")
        guard (1...characters.count).contains(position) else { return false }
        switch error.problem {
        case .invalidCharacter(let blamed), .nonASCIIDigit(let blamed):
            #expect(characters[position - 1] == blamed, "\(error) in \(text.debugDescription)")
        default:
            #expect(characters[position - 1].isNumber, "\(error) in \(text.debugDescription)")
        }
        return false
    }
}
