/// The few facts of the numbering plans that normalising and classifying numbers need: the
/// French overseas ranges, the E.164 country-code lengths, and digit arithmetic on keys.
///
/// Kept as integer arithmetic on keys because both run on every query.
enum NumberingPlan {
    /// The country code of metropolitan France.
    static let franceCountryCode: UInt64 = 33

    /// A French national significant number has 9 digits after the trunk 0 or the country code.
    static let nationalSignificantDigits = 9

    /// `10^exponent` for every digit count a `UInt64` can hold (0 to 19). A switch, not a
    /// global array, so that the per-query path needs no lazy-initialisation check.
    static func powerOfTen(_ exponent: Int) -> UInt64 {
        switch exponent {
        case 0: 1
        case 1: 10
        case 2: 100
        case 3: 1_000
        case 4: 10_000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        case 8: 100_000_000
        case 9: 1_000_000_000
        case 10: 10_000_000_000
        case 11: 100_000_000_000
        case 12: 1_000_000_000_000
        case 13: 10_000_000_000_000
        case 14: 100_000_000_000_000
        case 15: 1_000_000_000_000_000
        case 16: 10_000_000_000_000_000
        case 17: 100_000_000_000_000_000
        case 18: 1_000_000_000_000_000_000
        case 19: 10_000_000_000_000_000_000
        default: preconditionFailure("10^\(exponent) does not fit a UInt64")
        }
    }

    /// The country code of the overseas department that a 9-digit French national significant
    /// number belongs to, from its first three digits (`692` → 262), or `nil` for metropolitan
    /// ranges. Overseas departments are dialled from abroad with their own country code.
    static func overseasCountryCode(forRange range: UInt64) -> UInt64? {
        switch range {
        case 262, 269, 639, 692, 693: 262  // Réunion (262, 692, 693) and Mayotte (269, 639)
        case 590, 690, 691: 590  // Guadeloupe
        case 594, 694: 594  // Guyane
        case 596, 696, 697: 596  // Martinique
        default: nil
        }
    }

    /// Whether `countryCode` is one of the overseas departments' own codes.
    static func isOverseasCountryCode(_ countryCode: UInt64) -> Bool {
        countryCode == 262 || countryCode == 590 || countryCode == 594 || countryCode == 596
    }

    /// How many digits the E.164 country code has, from the first digits of an international
    /// number (at most three are needed; country codes are prefix-free).
    static func countryCodeLength(firstTwoDigits: UInt64) -> Int {
        switch firstTwoDigits {
        case 10...19, 70...79: 1
        case 20, 27, 30...34, 36, 39, 40, 41, 43...49, 51...58, 60...66, 81, 82, 84, 86, 90...95, 98: 2
        default: 3
        }
    }

    /// How many decimal digits `value` has (1 for 0).
    static func digitCount(of value: UInt64) -> Int {
        var count = 1
        while count < 20 && value >= powerOfTen(count) { count += 1 }
        return count
    }

    /// The first `length` digits of a `digits`-digit number written with leading zeros.
    static func prefix(_ value: UInt64, digits: Int, length: Int) -> UInt64 {
        value / powerOfTen(digits - length)
    }

    /// The last `length` digits of a number.
    static func suffix(_ value: UInt64, length: Int) -> UInt64 {
        value % powerOfTen(length)
    }
}
