import DialGateCore
import Foundation
import Testing

@testable import DialGateProtocol

/// The hot path reads requests and writes answers from bytes, with a slow path for anything
/// unusual; these check that the fast paths give exactly what the character-by-character ones
/// give, on random lines built from the characters that matter.
@Suite("Fast paths read and write what the slow paths do")
struct ByteFastPathTests {
    /// Characters a request line may hold, weighted towards the ones the tokenizer treats apart.
    private static let alphabet: [Character] = Array("aZ09+.-_:=  \t\\\"é\u{2028}\u{7}") + Array("CHECK=campaign")

    private static func randomLine(_ generator: inout SplitMix64, length: Int) -> String {
        String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    @Test("a line tokenizes the same from its bytes as character by character, errors included")
    func plainLinesTokenizeAsTheScalarReaderDoes() throws {
        var generator = SplitMix64(seed: 11)
        for round in 0..<20_000 {
            let line = Self.randomLine(&generator, length: Int(generator.next() % 24))
            let fast = Result { () throws(LineTokenizer.Failure) in try LineTokenizer.tokenize(Substring(line)) }
            let slow = Result { () throws(LineTokenizer.Failure) in try LineTokenizer.tokenizeScalars(Substring(line)) }
            #expect(fast == slow, "round \(round): \(line.debugDescription)")
        }
        // A hook's request, read by the fast path.
        #expect(
            try LineTokenizer.tokenize("CHECK 0199000010  campaign=fibre-promo\tat=a=b")
                == [.init(key: nil, value: "CHECK"), .init(key: nil, value: "0199000010"),
                    .init(key: "campaign", value: "fibre-promo"), .init(key: "at", value: "a=b")])
    }

    @Test("a value is appended as bytes exactly as quote writes it")
    func appendedValuesAreQuotedLikeQuote() {
        var generator = SplitMix64(seed: 12)
        for _ in 0..<20_000 {
            let value = Self.randomLine(&generator, length: Int(generator.next() % 12))
            var bytes: [UInt8] = []
            LineTokenizer.appendQuoted(value, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == LineTokenizer.quote(value), "\(value.debugDescription)")
        }
    }

    @Test("an answer's line is its words, then its fields as fieldText writes them, then LF")
    func answerLinesAreWordsThenFieldText() {
        let response = Response(
            ["DENY", "internal-optout"], id: "call 7",
            fields: [Fact("rule", "L223-1"), Fact("message", "a \"quoted\"\u{2028}text"), Fact("empty", "")])
        #expect(response.line == "DENY internal-optout " + Response.fieldText(response.fields) + "\n")
        #expect(
            response.line
                == "DENY internal-optout id=\"call 7\" class=done rule=L223-1 message=\"a \\\"quoted\\\"\\u2028text\" empty=\"\"\n")
    }

    @Test("instants are written to the millisecond in UTC, whatever the day")
    func instantsAreWrittenToTheMillisecond() {
        var generator = SplitMix64(seed: 13)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        for _ in 0..<5_000 {
            // Whole milliseconds from 1970 to 9999, so both sides round alike.
            let millis = Double(generator.next() % 253_402_300_800_000)
            let date = Date(timeIntervalSince1970: millis / 1000)
            #expect(ISOInstant.format(date) == formatter.string(from: date))
        }
    }
}
