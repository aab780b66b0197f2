/// A dialable telephone number, normalised to E.164 and held as one integer key.
///
/// Every written form of one line (`06 12 34 56 78`, `+33 (0)6 12 34 56 78`, `0033612345678`,
/// `33612345678`) maps to the same key, so that a list, the ledger and a query agree on who a
/// number is. French overseas departments are mapped to their own country codes (`0692…` is
/// `+262692…`), because that is how the consumer is reached and which time zone they live in.
public struct PhoneNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The E.164 digits as an integer (`+33612345678` is `33612345678`). E.164 numbers never
    /// start with 0 and have at most 15 digits, so the integer is exact and unique.
    public let key: UInt64

    /// Rebuilds a number from its key, checking that it is a valid E.164 number.
    public init?(key: UInt64) {
        guard let number = try? PhoneNumber(parsing: "+\(key)"), number.key == key else { return nil }
        self = number
    }

    init(uncheckedKey key: UInt64) {
        self.key = key
    }

    /// `+` followed by the digits.
    public var description: String { "+\(key)" }

    /// The French territory the number belongs to, which fixes its time zone and holidays.
    public var territory: Territory { Territory(key: key) }

    /// What kind of line the number reaches (mobile, geographic, ...).
    public var lineType: LineType { LineType(key: key) }

    public static func < (lhs: PhoneNumber, rhs: PhoneNumber) -> Bool { lhs.key < rhs.key }
}

/// Where a number lives, as far as French calling rules are concerned.
public enum Territory: Hashable, Sendable, CustomStringConvertible {
    case metropolitanFrance
    case reunion
    case mayotte
    case guadeloupe
    case martinique
    case guyane
    /// A number outside the French numbering plan; the country code is given when known.
    case foreign

    /// The consumer's time zone, in which calling days and hours are counted; `nil` when unknown.
    public var timeZoneIdentifier: String? {
        switch self {
        case .metropolitanFrance: "Europe/Paris"
        case .reunion: "Indian/Reunion"
        case .mayotte: "Indian/Mayotte"
        case .guadeloupe: "America/Guadeloupe"
        case .martinique: "America/Martinique"
        case .guyane: "America/Cayenne"
        case .foreign: nil
        }
    }

    public var description: String {
        switch self {
        case .metropolitanFrance: "metropolitan-france"
        case .reunion: "reunion"
        case .mayotte: "mayotte"
        case .guadeloupe: "guadeloupe"
        case .martinique: "martinique"
        case .guyane: "guyane"
        case .foreign: "foreign"
        }
    }

    init(key: UInt64) {
        let digits = String(key)
        guard digits.count == 12 || (digits.count == 11 && digits.hasPrefix("33")) else {
            self = .foreign
            return
        }
        if digits.count == 11 { self = .metropolitanFrance; return }
        let nsn = digits.dropFirst(3)
        switch digits.prefix(3) {
        case "262": self = (nsn.hasPrefix("269") || nsn.hasPrefix("639")) ? .mayotte : .reunion
        case "590": self = .guadeloupe
        case "594": self = .guyane
        case "596": self = .martinique
        default: self = .foreign
        }
    }
}

/// The kind of line a number reaches, from the French numbering plan (ARCEP).
public enum LineType: String, Hashable, Sendable {
    case mobile
    case geographic
    case nonGeographic = "non-geographic"
    case specialRate = "special-rate"
    /// Outside the French plan: the type cannot be told from the number.
    case unknown

    init(key: UInt64) {
        let territory = Territory(key: key)
        let digits = String(key)
        switch territory {
        case .foreign:
            self = .unknown
        case .metropolitanFrance:
            switch digits.dropFirst(2).first {
            case "1", "2", "3", "4", "5": self = .geographic
            case "6", "7": self = .mobile
            case "8": self = .specialRate
            default: self = .nonGeographic
            }
        default:
            let nsn = digits.dropFirst(3)
            self = (nsn.hasPrefix("6")) ? .mobile : .geographic
        }
    }
}

/// Why a text is not a dialable number, and where the problem was seen.
public struct PhoneNumberError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Hashable, Sendable {
        case empty
        case invalidCharacter(Character)
        case nonASCIIDigit(Character)
        case tooFewDigits(Int)
        case tooManyDigits(Int)
        case notDialable(String)
    }

    /// What was wrong.
    public let problem: Problem
    /// The 1-based character position in the input, when one character is to blame.
    public let position: Int?

    public init(_ problem: Problem, at position: Int? = nil) {
        self.problem = problem
        self.position = position
    }

    public var description: String {
        let at = position.map { " at character \($0)" } ?? ""
        switch problem {
        case .empty: return "empty number"
        case .invalidCharacter(let c): return "invalid character '\(c)'\(at)"
        case .nonASCIIDigit(let c): return "non-ASCII digit '\(c)'\(at)"
        case .tooFewDigits(let n): return "too few digits (\(n))"
        case .tooManyDigits(let n): return "too many digits (\(n))"
        case .notDialable(let why): return "not dialable: \(why)"
        }
    }
}
