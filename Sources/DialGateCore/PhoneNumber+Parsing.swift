extension PhoneNumber {
    /// French overseas departments dialled nationally as `0XYZ…`: the national prefix and the
    /// E.164 country code it belongs to.
    static let overseasPrefixes: [(national: String, countryCode: String)] = [
        ("262", "262"), ("692", "262"), ("693", "262"),  // Réunion
        ("269", "262"), ("639", "262"),  // Mayotte
        ("590", "590"), ("690", "590"), ("691", "590"),  // Guadeloupe
        ("594", "594"), ("694", "594"),  // Guyane
        ("596", "596"), ("696", "596"), ("697", "596"),  // Martinique
    ]
    static let overseasCountryCodes: Set<String> = ["262", "590", "594", "596"]

    /// Parses a written number: French national forms (`06 12 34 56 78`, `06.12.34.56.78`,
    /// `(0)6-12…`), `0033…`, `33…`, `+33 (0)6…`, French overseas numbers, or any E.164 number
    /// written with `+` or `00`. Separators (space, dot, dash, slash, parentheses) are ignored.
    ///
    /// - Throws: `PhoneNumberError` saying what was wrong and, for a bad character, where.
    public init(parsing text: some StringProtocol) throws(PhoneNumberError) {
        var digits = ""
        var sawPlus = false
        var position = 0
        var previous: Character = " "
        var sawTrunkZeroInParentheses = false
        for character in text {
            position += 1
            switch character {
            case "0"..."9":
                digits.append(character)
            case "+":
                guard digits.isEmpty, !sawPlus else { throw PhoneNumberError(.invalidCharacter(character), at: position) }
                sawPlus = true
            case " ", ".", "-", "/", "\t", "\u{00A0}":
                break
            case "(", ")":
                break
            default:
                if character.isNumber {
                    throw PhoneNumberError(.nonASCIIDigit(character), at: position)
                }
                throw PhoneNumberError(.invalidCharacter(character), at: position)
            }
            previous = character
        }
        _ = previous
        // "+33 (0)6 …": the trunk zero in parentheses is not dialled from abroad.
        if sawPlus, let range = Self.parenthesisedTrunkZero(in: text) {
            sawTrunkZeroInParentheses = true
            _ = range
        }
        if digits.isEmpty {
            if position == 0 || text.allSatisfy({ $0 == " " || $0 == "\t" }) { throw PhoneNumberError(.empty) }
            throw PhoneNumberError(.tooFewDigits(0))
        }

        let international: String
        if sawPlus {
            international = digits
        } else if digits.hasPrefix("00") {
            international = String(digits.dropFirst(2))
        } else if digits.hasPrefix("0") {
            // A French national number: 0 and a 9-digit national significant number.
            guard digits.count >= 10 else { throw PhoneNumberError(.tooFewDigits(digits.count)) }
            guard digits.count == 10 else { throw PhoneNumberError(.tooManyDigits(digits.count)) }
            international = "33" + digits.dropFirst()
        } else if digits.hasPrefix("33"), digits.count == 11 {
            international = digits
        } else {
            throw PhoneNumberError(.notDialable("no country code: write it with +, 00 or a leading 0"))
        }

        self.init(uncheckedKey: try Self.validatedKey(international, droppingTrunkZero: sawTrunkZeroInParentheses))
    }

    /// Checks international digits (country code first, no `+`) and maps French numbers with an
    /// overseas prefix to the overseas country code.
    static func validatedKey(_ digits: String, droppingTrunkZero: Bool) throws(PhoneNumberError) -> UInt64 {
        guard let first = digits.first else { throw PhoneNumberError(.tooFewDigits(0)) }
        guard first != "0" else { throw PhoneNumberError(.notDialable("a country code cannot start with 0")) }
        var digits = digits
        if digits.hasPrefix("33") || overseasCountryCodes.contains(String(digits.prefix(3))) {
            let codeLength = digits.hasPrefix("33") ? 2 : 3
            var nsn = String(digits.dropFirst(codeLength))
            if nsn.hasPrefix("0") {
                guard droppingTrunkZero else {
                    throw PhoneNumberError(.notDialable("the trunk prefix 0 is not dialled after the country code"))
                }
                nsn.removeFirst()
            }
            guard nsn.count >= 9 else { throw PhoneNumberError(.tooFewDigits(nsn.count + 1)) }
            guard nsn.count == 9 else { throw PhoneNumberError(.tooManyDigits(nsn.count + 1)) }
            let overseas = overseasPrefixes.first { nsn.hasPrefix($0.national) }
            if codeLength == 2 {
                digits = (overseas?.countryCode ?? "33") + nsn
            } else {
                guard let overseas, overseas.countryCode == String(digits.prefix(3)) else {
                    throw PhoneNumberError(.notDialable("+\(digits.prefix(3)) \(nsn.prefix(3)) is not an assigned range"))
                }
                digits = digits.prefix(3) + nsn
            }
        } else {
            guard digits.count >= 8 else { throw PhoneNumberError(.tooFewDigits(digits.count)) }
            guard digits.count <= 15 else { throw PhoneNumberError(.tooManyDigits(digits.count)) }
        }
        guard let key = UInt64(digits) else { throw PhoneNumberError(.tooManyDigits(digits.count)) }
        return key
    }

    /// Finds `(0)` in a written number, the usual way to show a trunk zero.
    static func parenthesisedTrunkZero(in text: some StringProtocol) -> Range<String.Index>? {
        let compact = String(text.filter { $0 != " " })
        return compact.range(of: "(0)")
    }
}
