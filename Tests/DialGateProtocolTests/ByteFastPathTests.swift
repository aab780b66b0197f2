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
            var appended: [UInt8] = Array("at=".utf8)
            ISOInstant.append(date, to: &appended)
            #expect(String(decoding: appended, as: UTF8.self) == "at=" + formatter.string(from: date))
        }
        // Outside the years the ledger keeps, both write the same too.
        for date in [Date(timeIntervalSince1970: -62_200_000_000), Date(timeIntervalSince1970: 253_402_400_000)] {
            var appended: [UInt8] = []
            ISOInstant.append(date, to: &appended)
            #expect(String(decoding: appended, as: UTF8.self) == ISOInstant.format(date))
        }
    }

    /// Words a request line is made of, weighted towards the ones the parser treats apart:
    /// verbs, numbers, every argument a verb takes, `id=` and `key=`, repeats and strays.
    private static let requestWords = [
        "CHECK", "check", "PLAN", "ATTEMPT", "REFUSAL", "OPTOUT", "CONSENT", "REVOKE", "RELEASE", "PING", "STATS", "QUIT",
        "NOPE", "0199000010", "+33612345678", "06-12-AB", "0612345678", "campaign=fibre-promo", "campaign=",
        "campaign=x", "id=r1", "id=", "id=\(String(repeating: "i", count: 65))", "key=k1", "key=k2", "key=",
        "at=2026-11-30T10:15:00+01:00", "at=yesterday", "deadline-ms=200", "deadline-ms=0", "channel=voice",
        "channel=fax", "outcome=answered", "reservation=r7", "proof=p", "kind=callback", "scope=*", "source=web",
        "given-at=2026-11-30T10:15:00Z", "extra=1", "a=b=c", "=v", "stray",
    ]

    @Test("a request reads the same from its bytes as from its text, errors included")
    func plainLinesParseAsTheirTextDoes() {
        var generator = SplitMix64(seed: 14)
        for round in 0..<20_000 {
            let count = Int(generator.next() % 7)
            let line = (0..<count).map { _ in Self.requestWords[Int(generator.next() % UInt64(Self.requestWords.count))] }
                .joined(separator: generator.next() % 5 == 0 ? "\t " : " ")
            let fromText = Result { () throws(ProtocolError) in try Request(parsing: Substring(line)) }
            #expect(Self.fromBytes(line) == fromText, "round \(round): \(line.debugDescription)")
        }
        // Lines the byte reader leaves to the text reader.
        for line in ["PING\r", "CHECK \"06 12 34 56 78\" campaign=x", "CHECK 06\u{7}12 campaign=x", "CHECK é campaign=x"] {
            #expect(Self.fromBytes(line) == nil, "\(line.debugDescription)")
        }
    }

    @Test("a long line reads as a short one: a repeated argument is found however far apart, the last of its id= counts")
    func longLinesFindRepeatedArguments() {
        let distinct = (0..<30).map { "a\($0)=v" }
        var repeated = distinct
        repeated.insert("a3=w", at: 25)
        for (arguments, expected) in [
            (repeated, ProtocolError(.badArgument, "a3 given twice", id: "x")),
            (distinct, ProtocolError(.unknownArgument, "PING takes no argument 'a0'", id: "x")),
        ] {
            let line = (["PING", "id=x"] + arguments).joined(separator: " ")
            #expect(throws: expected) { try Request(parsing: Substring(line)) }
            #expect(Self.fromBytes(line) == .failure(expected))
        }
        // Thousands of id= between the verb and its argument: the last id is the request's.
        let ids = (0..<5_000).map { "id=i\($0)" }.joined(separator: " ")
        let line = "CHECK \(ids) 0612345678 campaign=x"
        let parsed = try? Request(parsing: Substring(line))
        #expect(parsed?.id == "i4999")
        #expect(parsed?.command.verb == .check)
        #expect(Self.fromBytes(line) == parsed.map { .success($0) })
    }

    /// What the server's byte reader makes of `line`'s bytes (`nil`: left to the text reader).
    private static func fromBytes(_ line: String) -> Result<Request, ProtocolError>? {
        Array(line.utf8).withUnsafeBytes(Request.parsingPlain)
    }
}
