import Testing

@testable import DialGateCore

/// A written number the parser must accept, and what it must make of it.
struct AcceptedNumber: Sendable, CustomTestStringConvertible {
    let text: String
    let e164: String
    let lineType: LineType
    let territory: Territory

    init(_ text: String, _ e164: String, _ lineType: LineType, _ territory: Territory = .metropolitanFrance) {
        self.text = text
        self.e164 = e164
        self.lineType = lineType
        self.territory = territory
    }

    var testDescription: String { "\(text.debugDescription) → \(e164)" }
}

/// A written number the parser must refuse, with the problem and the blamed position.
struct RejectedNumber: Sendable, CustomTestStringConvertible {
    let text: String
    let problem: PhoneNumberError.Problem
    let position: Int?

    init(_ text: String, _ problem: PhoneNumberError.Problem, at position: Int? = nil) {
        self.text = text
        self.problem = problem
        self.position = position
    }

    var testDescription: String { "\(text.debugDescription) → \(PhoneNumberError(problem, at: position))" }
}

let metropolitanForms: [AcceptedNumber] = [
    "06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "06/12/34/56/78", "0612345678",
    "(06) 12 34 56 78", "(0)6 12 34 56 78", "  06 12 34 56 78  ", "\t06 12 34 56 78",
    "06\u{00A0}12\u{00A0}34\u{00A0}56\u{00A0}78", "06\u{202F}12\u{202F}34\u{202F}56\u{202F}78",
    "+33 6 12 34 56 78", "+33612345678", " +33 6 12 34 56 78", "+ 33 6 12 34 56 78",
    "+33 (0)6 12 34 56 78", "+33(0)612345678", "+33 ( 0 ) 6 12 34 56 78", "+33-6-12-34-56-78",
    "0033 6 12 34 56 78", "0033612345678", "0033 (0)6 12 34 56 78", "00 33 6 12 34 56 78",
    "33 6 12 34 56 78", "33612345678", "33 (0)6 12 34 56 78",
].map { AcceptedNumber($0, "+33612345678", .mobile) }

let lineTypes: [AcceptedNumber] = [
    .init("07 12 34 56 78", "+33712345678", .mobile),
    .init("01 23 45 67 89", "+33123456789", .geographic),
    .init("02 23 45 67 89", "+33223456789", .geographic),
    .init("03 23 45 67 89", "+33323456789", .geographic),
    .init("04 23 45 67 89", "+33423456789", .geographic),
    .init("05 23 45 67 89", "+33523456789", .geographic),
    .init("08 00 12 34 56", "+33800123456", .specialRate),
    .init("09 12 34 56 78", "+33912345678", .nonGeographic),
]

let overseasNumbers: [AcceptedNumber] = [
    .init("0262 12 34 56", "+262262123456", .geographic, .reunion),
    .init("0692 12 34 56", "+262692123456", .mobile, .reunion),
    .init("0693 12 34 56", "+262693123456", .mobile, .reunion),
    .init("0269 61 23 45", "+262269612345", .geographic, .mayotte),
    .init("0639 12 34 56", "+262639123456", .mobile, .mayotte),
    .init("0590 12 34 56", "+590590123456", .geographic, .guadeloupe),
    .init("0690 12 34 56", "+590690123456", .mobile, .guadeloupe),
    .init("0691 12 34 56", "+590691123456", .mobile, .guadeloupe),
    .init("0594 12 34 56", "+594594123456", .geographic, .guyane),
    .init("0694 12 34 56", "+594694123456", .mobile, .guyane),
    .init("0596 12 34 56", "+596596123456", .geographic, .martinique),
    .init("0696 12 34 56", "+596696123456", .mobile, .martinique),
    .init("0697 12 34 56", "+596697123456", .mobile, .martinique),
]

/// Every international way of writing one overseas line gives its national form's key.
let overseasForms: [AcceptedNumber] = [
    "0692 12 34 56", "+262 692 12 34 56", "+262692123456", "+262 (0)692 12 34 56", "00262 692 12 34 56",
    "+33 692 12 34 56", "+33 (0)692 12 34 56", "0033 692 12 34 56", "33 692 12 34 56", "33692123456",
].map { AcceptedNumber($0, "+262692123456", .mobile, .reunion) }

let foreignNumbers: [AcceptedNumber] = [
    .init("+44 20 7946 0958", "+442079460958", .unknown, .foreign),
    .init("+44 (0)20 7946 0958", "+442079460958", .unknown, .foreign),
    .init("0044 20 7946 0958", "+442079460958", .unknown, .foreign),
    .init("+1 (212) 555-0100", "+12125550100", .unknown, .foreign),
    .init("+49 (0)30 123456", "+4930123456", .unknown, .foreign),
    .init("+39 06 1234 5678", "+390612345678", .unknown, .foreign),
    .init("+683 40021", "+68340021", .unknown, .foreign),
    .init("+123 456 789 012 345", "+123456789012345", .unknown, .foreign),
]

let rejectedNumbers: [RejectedNumber] = [
    .init("", .empty),
    .init("   ", .empty),
    .init("\u{00A0}", .empty),
    .init("+", .tooFewDigits(0)),
    .init(" - . ", .tooFewDigits(0)),
    .init("O6 12 34 56 78", .invalidCharacter("O"), at: 1),
    .init("06 12 34 56 7a", .invalidCharacter("a"), at: 14),
    .init("06 12 34 56 78 ext 12", .invalidCharacter("e"), at: 16),
    .init("06 12 34 56 78\n", .invalidCharacter("\n"), at: 15),
    .init("06 12 34 56 78;", .invalidCharacter(";"), at: 15),
    .init("é06 12 34 56 78", .invalidCharacter("é"), at: 1),
    .init("06\u{00A0}12 34 56 7x", .invalidCharacter("x"), at: 14),
    .init("06 12 34 56 7\u{0301}8", .invalidCharacter("7\u{0301}"), at: 13),
    .init("06 12 34 56 78 \u{2013}", .invalidCharacter("\u{2013}"), at: 16),
    .init(
        "\u{0660}\u{0666}\u{0661}\u{0662}\u{0663}\u{0664}\u{0665}\u{0666}\u{0667}\u{0668}",
        .nonASCIIDigit("\u{0660}"), at: 1),
    .init("06 12 34 5\u{0666} 78", .nonASCIIDigit("\u{0666}"), at: 11),
    .init("06 12 34 56 7\u{FF18}", .nonASCIIDigit("\u{FF18}"), at: 14),
    .init("\u{06F0}6 12 34 56 78", .nonASCIIDigit("\u{06F0}"), at: 1),
    .init("06 12 34 56 78+", .invalidCharacter("+"), at: 15),
    .init("++33612345678", .invalidCharacter("+"), at: 2),
    .init("(+33) 6 12 34 56 78", .invalidCharacter("+"), at: 2),
    .init("-+33612345678", .invalidCharacter("+"), at: 2),
    .init("(06 12 34 56 78", .invalidCharacter("("), at: 1),
    .init("06) 12 34 56 78", .invalidCharacter(")"), at: 3),
    .init("((06)) 12 34 56 78", .invalidCharacter("("), at: 2),
    .init("06 12 34 56 7", .tooFewDigits(9)),
    .init("0", .tooFewDigits(1)),
    .init("06 12 34 56 78 9", .tooManyDigits(11)),
    .init("+33 6 12 34 56 7", .tooFewDigits(10)),
    .init("+33 6 12 34 56 78 9", .tooManyDigits(12)),
    .init("0033 6 12 34 56 7", .tooFewDigits(12)),
    .init("+262 692 12 34 5", .tooFewDigits(11)),
    .init("+1 234 567", .tooFewDigits(7)),
    .init("+33 (0)", .tooFewDigits(3)),
    .init("+262(0)", .tooFewDigits(4)),
    .init("+44 (0)", .tooFewDigits(3)),
    .init("0033", .tooFewDigits(4)),
    .init("+3", .tooFewDigits(1)),
    .init("+1234567890123456", .tooManyDigits(16)),
    .init("123456789012345678901234", .tooManyDigits(24)),
    .init("+33 06 12 34 56 78", .trunkZeroAfterCountryCode, at: 5),
    .init("+330612345678", .trunkZeroAfterCountryCode, at: 4),
    .init("0033 06 12 34 56 78", .trunkZeroAfterCountryCode, at: 6),
    .init("33 0612345678", .trunkZeroAfterCountryCode, at: 4),
    .init("+33 (0)0 6 12 34 56 78", .trunkZeroAfterCountryCode, at: 8),
    .init("+262 0692 12 34 56", .trunkZeroAfterCountryCode, at: 6),
    .init("06 12 (0)4 56 78", .misplacedTrunkZero, at: 8),
    .init("+44 20 (0)7946 0958", .misplacedTrunkZero, at: 9),
    .init("+33 (0)6 (0)2 34 56 78", .misplacedTrunkZero, at: 11),
    .init("+262 6 12 34 56 78", .overseasRangeMismatch),
    .init("+262 590 12 34 56", .overseasRangeMismatch),
    .init("+590 692 12 34 56", .overseasRangeMismatch),
    .init("+596 (0)594 12 34 56", .overseasRangeMismatch),
    .init("00 12 34 56 78", .ambiguousDoubleZero),
    .init("0000000000", .ambiguousDoubleZero),
    .init("6 12 34 56 78", .noCountryCode),
    .init("3361234567", .noCountryCode),
    .init("262692123456", .noCountryCode),
    .init("+0 33 6 12 34 56 78", .countryCodeStartsWithZero, at: 2),
    .init("+(0)33 6 12 34 56 78", .countryCodeStartsWithZero, at: 3),
    .init("000 33 6 12 34 56 78", .countryCodeStartsWithZero, at: 3),
]

@Suite("Phone number parsing")
struct PhoneNumberTests {
    @Test(
        "every written form of a number gives its E.164 key, line type and territory",
        arguments: metropolitanForms + lineTypes + overseasNumbers + overseasForms + foreignNumbers)
    func accepted(_ example: AcceptedNumber) throws {
        let number = try PhoneNumber(parsing: example.text)
        #expect(number.description == example.e164)
        #expect(number.lineType == example.lineType)
        #expect(number.territory == example.territory)
    }

    @Test("the generic parser agrees with the String one on substrings", arguments: metropolitanForms + overseasForms)
    func substring(_ example: AcceptedNumber) throws {
        let padded = "[\(example.text)]"
        let inner = padded.dropFirst().dropLast()
        #expect(try PhoneNumber(parsing: inner).description == example.e164)
    }

    @Test("a text that is not a dialable number is refused with its problem and position", arguments: rejectedNumbers)
    func rejected(_ example: RejectedNumber) {
        #expect(throws: PhoneNumberError(example.problem, at: example.position)) {
            try PhoneNumber(parsing: example.text)
        }
        #expect(throws: PhoneNumberError(example.problem, at: example.position)) {
            try PhoneNumber(parsing: example.text[...])
        }
    }

    @Test(
        "each territory counts hours in its own time zone",
        arguments: [
            ("06 12 34 56 78", "Europe/Paris"), ("0262 12 34 56", "Indian/Reunion"),
            ("0639 12 34 56", "Indian/Mayotte"), ("0590 12 34 56", "America/Guadeloupe"),
            ("0596 12 34 56", "America/Martinique"), ("0594 12 34 56", "America/Cayenne"),
        ])
    func timeZone(_ text: String, _ identifier: String) throws {
        #expect(try PhoneNumber(parsing: text).territory.timeZoneIdentifier == identifier)
    }

    @Test("a foreign number has no known time zone or line type")
    func foreignHasNoTimeZone() throws {
        let number = try PhoneNumber(parsing: "+44 20 7946 0958")
        #expect(number.territory.timeZoneIdentifier == nil)
        #expect(number.lineType == .unknown)
    }

    @Test(
        "a key is rebuilt only when it is a normalised E.164 number",
        arguments: [
            (33_612_345_678, true), (262_692_123_456, true), (442_079_460_958, true), (12_345_678, true),
            (123_456_789_012_345, true), (33_692_123_456, false), (33_062_345_678, false),
            (262_612_345_678, false), (0, false), (1_234_567, false), (1_234_567_890_123_456, false),
            (UInt64.max, false),
        ] as [(UInt64, Bool)])
    func keyValidation(_ key: UInt64, _ valid: Bool) {
        #expect((PhoneNumber(key: key) != nil) == valid)
        if valid { #expect(PhoneNumber(key: key)?.key == key) }
    }

    @Test("errors describe the problem and where it is")
    func errorDescription() {
        #expect(PhoneNumberError(.invalidCharacter("a"), at: 3).description == "invalid character 'a' at character 3")
        #expect(PhoneNumberError(.tooFewDigits(9)).description == "too few digits (9)")
    }
}
