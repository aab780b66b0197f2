/// The kind of line a number reaches, from the French numbering plan (ARCEP).
public enum LineType: String, Hashable, Sendable {
    /// 06 and 07; overseas 639 and 69x.
    case mobile
    /// 01 to 05; overseas 262, 269, 590, 594 and 596.
    case geographic
    /// 09.
    case nonGeographic = "non-geographic"
    /// 08.
    case specialRate = "special-rate"
    /// Outside the French plan: the type cannot be told from the number.
    case unknown

    /// The line type of a normalised key, from the first digit of its national significant
    /// number (the digit after the trunk 0).
    init(key: UInt64) {
        let firstDigit = key / 100_000_000 % 10
        switch Territory(key: key) {
        case .foreign:
            self = .unknown
        case .metropolitanFrance:
            switch firstDigit {
            case 1...5: self = .geographic
            case 6, 7: self = .mobile
            case 8: self = .specialRate
            case 9: self = .nonGeographic
            default: self = .unknown
            }
        case .reunion, .mayotte, .guadeloupe, .martinique, .guyane:
            self = firstDigit == 6 ? .mobile : .geographic
        }
    }
}
