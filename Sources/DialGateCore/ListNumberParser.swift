/// Turns the number field of a list line into a `PhoneNumber` key.
///
/// Ten-digit French national numbers (`0612345678`, the Bloctel form) and `+33` numbers without
/// separators are by far the commonest lines of big lists; they are converted straight from
/// bytes, which is many times faster than the general parser. Everything else goes through
/// `PhoneNumber(parsing:)`, so both paths accept the same texts and give the same keys (a test
/// compares them).
enum ListNumberParser {
    static func key(_ text: UnsafeRawBufferPointer) throws(PhoneNumberError) -> UInt64 {
        if let key = fastKey(text) { return key }
        return try PhoneNumber(parsing: ListText.string(text)).key
    }

    /// The key of `0XXXXXXXXX` or `+33XXXXXXXXX` (X digits, the first not 0), or `nil` for any
    /// other text.
    static func fastKey(_ text: UnsafeRawBufferPointer) -> UInt64? {
        let nsnStart: Int
        if text.count == 10, text[0] == 0x30 {
            nsnStart = 1
        } else if text.count == 12, text[0] == 0x2B, text[1] == 0x33, text[2] == 0x33 {
            nsnStart = 3
        } else {
            return nil
        }
        guard text[nsnStart] != 0x30 else { return nil }
        var nsn: UInt64 = 0
        for index in nsnStart..<text.count {
            let digit = text[index] &- 0x30
            guard digit <= 9 else { return nil }
            nsn = nsn * 10 + UInt64(digit)
        }
        return countryCode(nsn: nsn) * 1_000_000_000 + nsn
    }

    /// The E.164 country code of a French 9-digit national significant number: overseas
    /// departments have their own (`0692…` is Réunion, `+262`), as in `PhoneNumber.overseasPrefixes`.
    static func countryCode(nsn: UInt64) -> UInt64 {
        switch nsn / 1_000_000 {
        case 262, 692, 693, 269, 639: 262
        case 590, 690, 691: 590
        case 594, 694: 594
        case 596, 696, 697: 596
        default: 33
        }
    }
}

extension ListNumberParser {
    static func key(_ text: String) throws(PhoneNumberError) -> UInt64 {
        var text = text
        if let key = text.withUTF8({ fastKey(UnsafeRawBufferPointer($0)) }) { return key }
        return try PhoneNumber(parsing: text).key
    }
}
