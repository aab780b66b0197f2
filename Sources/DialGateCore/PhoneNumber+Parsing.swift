extension PhoneNumber {
    /// Parses a written number: French national forms (`06 12 34 56 78`, `06.12.34.56.78`,
    /// `(0)6-12…`), `0033…`, `33…`, `+33 (0)6…`, French overseas numbers (`0692…` is
    /// `+262692…`), or any E.164 number written with `+` or `00`. Spaces (also no-break),
    /// dots, dashes, slashes and parentheses are separators; `+` may only come first.
    ///
    /// - Throws: `PhoneNumberError` saying what was wrong and, when one character is to blame,
    ///   its 1-based position.
    public init(parsing text: some StringProtocol) throws(PhoneNumberError) {
        let outcome =
            text.utf8.withContiguousStorageIfAvailable(Self.parse(utf8:))
            ?? ContiguousArray(text.utf8).withUnsafeBufferPointer(Self.parse(utf8:))
        switch outcome {
        case .number(let key): self.init(uncheckedKey: key)
        case .failure(let failure): throw failure.error(in: text)
        }
    }

    /// Parses a written number; the same as the generic form, without its generic overhead on
    /// the per-query path.
    public init(parsing text: String) throws(PhoneNumberError) {
        var text = text
        switch text.withUTF8(Self.parse(utf8:)) {
        case .number(let key): self.init(uncheckedKey: key)
        case .failure(let failure): throw failure.error(in: text)
        }
    }
}

// MARK: - Scanning the text

extension PhoneNumber {
    /// The result of reading the bytes: a key, or why not with the byte to blame.
    enum ParseOutcome {
        case number(UInt64)
        case failure(ParseFailure)
    }

    /// A failure located by UTF-8 offset; turned into a character position only when thrown.
    enum ParseFailure {
        /// The character holding this byte is not allowed here.
        case badCharacter(byteOffset: Int)
        /// A problem, blamed on the character at the byte offset when there is one.
        case problem(PhoneNumberError.Problem, byteOffset: Int?)

        func error(in text: some StringProtocol) -> PhoneNumberError {
            switch self {
            case .badCharacter(let offset):
                let (character, position) = Self.character(atByteOffset: offset, in: text)
                return PhoneNumberError(
                    Self.isDigit(character) ? .nonASCIIDigit(character) : .invalidCharacter(character), at: position)
            case .problem(let problem, let offset):
                return PhoneNumberError(problem, at: offset.map { Self.character(atByteOffset: $0, in: text).position })
            }
        }

        /// A digit of some script (Arabic-Indic, fullwidth, superscript...), not a fraction or
        /// a numeral letter.
        private static func isDigit(_ character: Character) -> Bool {
            guard character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first else { return false }
            return scalar.properties.numericType == .decimal || scalar.properties.numericType == .digit
        }

        /// The character (grapheme cluster) that holds a byte, and its 1-based position.
        private static func character(atByteOffset offset: Int, in text: some StringProtocol) -> (
            character: Character, position: Int
        ) {
            var position = 0
            var index = text.startIndex
            while index < text.endIndex {
                position += 1
                let next = text.index(after: index)
                if text.utf8.distance(from: text.startIndex, to: next) > offset { return (text[index], position) }
                index = next
            }
            preconditionFailure("byte offset \(offset) is past the end of the text")
        }
    }

    /// Reads the digits and the few marks that matter (`+`, `(0)`) in one pass over UTF-8 bytes,
    /// accumulating the digits as an integer, then normalises them.
    static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> ParseOutcome {
        var value: UInt64 = 0
        var digitCount = 0
        var international = false
        var sawNonSpace = false
        var openParenthesis: Int? = nil  // byte offset of an unclosed "("
        var digitsInParentheses = 0
        var lastDigit: UInt8 = 0
        var lastDigitOffset = 0
        var trunkZeroMark: Int? = nil  // digit index of the 0 written "(0)"
        var offset = 0
        while offset < bytes.count {
            let byte = bytes[offset]
            let digit = byte &- UInt8(ascii: "0")
            if digit < 10 {
                // Past 19 digits the number is refused anyway; keep counting, stop accumulating.
                if digitCount < 19 { value = value &* 10 &+ UInt64(digit) }
                digitCount += 1
                digitsInParentheses += 1
                lastDigit = digit
                lastDigitOffset = offset
                sawNonSpace = true
                offset += 1
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                break
            case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "/"):
                sawNonSpace = true
            case UInt8(ascii: "("):
                guard openParenthesis == nil else { return .failure(.badCharacter(byteOffset: offset)) }
                openParenthesis = offset
                digitsInParentheses = 0
                sawNonSpace = true
            case UInt8(ascii: ")"):
                guard openParenthesis != nil else { return .failure(.badCharacter(byteOffset: offset)) }
                if digitsInParentheses == 1 && lastDigit == 0 {
                    // A second "(0)" cannot be right after the country code too.
                    guard trunkZeroMark == nil else {
                        return .failure(.problem(.misplacedTrunkZero, byteOffset: lastDigitOffset))
                    }
                    trunkZeroMark = digitCount - 1
                }
                openParenthesis = nil
                sawNonSpace = true
            case UInt8(ascii: "+"):
                guard !sawNonSpace else { return .failure(.badCharacter(byteOffset: offset)) }
                international = true
                sawNonSpace = true
            case 0xC2 where offset + 1 < bytes.count && bytes[offset + 1] == 0xA0:
                offset += 2  // U+00A0 no-break space
                continue
            case 0xE2 where offset + 2 < bytes.count && bytes[offset + 1] == 0x80 && bytes[offset + 2] == 0xAF:
                offset += 3  // U+202F narrow no-break space, the French thousands separator
                continue
            default:
                return .failure(.badCharacter(byteOffset: offset))
            }
            offset += 1
        }
        if let openParenthesis { return .failure(.badCharacter(byteOffset: openParenthesis)) }
        guard digitCount > 0 else { return .failure(.problem(sawNonSpace ? .tooFewDigits(0) : .empty, byteOffset: nil)) }

        switch normalise(value, digits: digitCount, international: international, trunkZeroMark: trunkZeroMark) {
        case .key(let key):
            return .number(key)
        case .rejected(let problem, let digitIndex):
            return .failure(.problem(problem, byteOffset: digitIndex.flatMap { byteOffset(ofDigit: $0, in: bytes) }))
        }
    }

    /// Where the `index`-th ASCII digit is; only used to point at an error.
    private static func byteOffset(ofDigit index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var seen = 0
        for (offset, byte) in bytes.enumerated() where byte &- UInt8(ascii: "0") < 10 {
            if seen == index { return offset }
            seen += 1
        }
        return nil
    }
}

// MARK: - Normalising the digits

extension PhoneNumber {
    /// Normalised digits, or the problem and the index of the digit to blame.
    enum Normalisation: Equatable {
        case key(UInt64)
        case rejected(PhoneNumberError.Problem, digitIndex: Int?)
    }

    /// Turns the digits as written into an E.164 key.
    ///
    /// - Parameters:
    ///   - value: the digits as an integer (leading zeros are implied by `digits`).
    ///   - digits: how many digits were written, at most 19 (more are refused).
    ///   - international: whether the text started with `+`.
    ///   - trunkZeroMark: the index of a zero written `(0)`, if any.
    static func normalise(_ value: UInt64, digits: Int, international: Bool, trunkZeroMark: Int?) -> Normalisation {
        guard digits <= 19 else { return .rejected(.tooManyDigits(digits), digitIndex: nil) }
        let first = NumberingPlan.prefix(value, digits: digits, length: 1)
        let firstTwo = digits >= 2 ? NumberingPlan.prefix(value, digits: digits, length: 2) : first * 10
        var start = 0  // index of the country code's first digit
        if !international {
            if digits >= 2 && firstTwo == 0 {
                // "00" is the international prefix, unless the whole is shaped like a national number.
                guard digits != 10 else { return .rejected(.ambiguousDoubleZero, digitIndex: nil) }
                start = 2
            } else if first == 0 {
                // National: trunk 0 (plain or "(0)") and a 9-digit national significant number.
                if let mark = trunkZeroMark, mark != 0 { return .rejected(.misplacedTrunkZero, digitIndex: mark) }
                guard digits >= 10 else { return .rejected(.tooFewDigits(digits), digitIndex: nil) }
                guard digits == 10 else { return .rejected(.tooManyDigits(digits), digitIndex: nil) }
                return french(nationalSignificantNumber: value, countryCode: NumberingPlan.franceCountryCode)
            } else if firstTwo == NumberingPlan.franceCountryCode && digits >= 11 {
                start = 0  // "33 6 12 34 56 78": the country code without its prefix
            } else {
                return .rejected(.noCountryCode, digitIndex: nil)
            }
        }
        return normaliseInternational(
            NumberingPlan.suffix(value, length: digits - start), digits: digits - start, writtenDigits: digits,
            startIndex: start, trunkZeroMark: trunkZeroMark)
    }

    /// Normalises the digits after `+` or `00`: country code first.
    private static func normaliseInternational(
        _ value: UInt64, digits: Int, writtenDigits: Int, startIndex: Int, trunkZeroMark: Int?
    ) -> Normalisation {
        guard digits > 0 else { return .rejected(.tooFewDigits(writtenDigits), digitIndex: nil) }
        let firstTwo = digits >= 2 ? NumberingPlan.prefix(value, digits: digits, length: 2) : value * 10
        guard firstTwo >= 10 else { return .rejected(.countryCodeStartsWithZero, digitIndex: startIndex) }
        let codeLength = NumberingPlan.countryCodeLength(firstTwoDigits: firstTwo)
        guard digits > codeLength else { return .rejected(.tooFewDigits(writtenDigits), digitIndex: nil) }

        var value = value
        var digits = digits
        if let mark = trunkZeroMark {
            // "(0)" is the trunk prefix shown for national callers; only right after the code.
            guard mark - startIndex == codeLength else { return .rejected(.misplacedTrunkZero, digitIndex: mark) }
            let rest = digits - codeLength - 1
            value = NumberingPlan.prefix(value, digits: digits, length: codeLength) * NumberingPlan.powerOfTen(rest)
                + NumberingPlan.suffix(value, length: rest)
            digits -= 1
        }

        let countryCode = NumberingPlan.prefix(value, digits: digits, length: codeLength)
        guard countryCode == NumberingPlan.franceCountryCode || NumberingPlan.isOverseasCountryCode(countryCode)
        else {
            guard digits >= 8 else { return .rejected(.tooFewDigits(writtenDigits), digitIndex: nil) }
            guard digits <= 15 else { return .rejected(.tooManyDigits(writtenDigits), digitIndex: nil) }
            return .key(value)
        }
        let nationalDigits = digits - codeLength
        guard nationalDigits > 0 else { return .rejected(.tooFewDigits(writtenDigits), digitIndex: nil) }
        let national = NumberingPlan.suffix(value, length: nationalDigits)
        if NumberingPlan.prefix(national, digits: nationalDigits, length: 1) == 0 {
            // Blame the zero as written: after the code, and after a removed "(0)".
            let written = startIndex + codeLength + (trunkZeroMark == nil ? 0 : 1)
            return .rejected(.trunkZeroAfterCountryCode, digitIndex: written)
        }
        guard nationalDigits >= NumberingPlan.nationalSignificantDigits else {
            return .rejected(.tooFewDigits(writtenDigits), digitIndex: nil)
        }
        guard nationalDigits == NumberingPlan.nationalSignificantDigits else {
            return .rejected(.tooManyDigits(writtenDigits), digitIndex: nil)
        }
        return french(nationalSignificantNumber: national, countryCode: countryCode)
    }

    /// The key of a 9-digit French national significant number dialled with `countryCode`:
    /// overseas ranges take their department's code, whether dialled with +33 or that code.
    private static func french(nationalSignificantNumber number: UInt64, countryCode: UInt64) -> Normalisation {
        let billion: UInt64 = 1_000_000_000
        let range = number / 1_000_000
        guard range >= 100 else { return .rejected(.trunkZeroAfterCountryCode, digitIndex: nil) }
        switch NumberingPlan.overseasCountryCode(forRange: range) {
        case let overseas? where countryCode == NumberingPlan.franceCountryCode || countryCode == overseas:
            return .key(overseas * billion + number)
        case nil where countryCode == NumberingPlan.franceCountryCode:
            return .key(countryCode * billion + number)
        default:
            return .rejected(.overseasRangeMismatch, digitIndex: nil)
        }
    }
}
