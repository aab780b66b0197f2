/// Where a number lives, as far as French calling rules are concerned.
public enum Territory: Hashable, Sendable, CustomStringConvertible {
    case metropolitanFrance
    case reunion
    case mayotte
    case guadeloupe
    case martinique
    case guyane
    /// A number outside the French numbering plan.
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

    /// A stable token for logs and configuration.
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

    /// The territory of a normalised key: `33` and 9 digits is metropolitan France, an overseas
    /// country code and 9 digits is that department (Réunion and Mayotte share +262 and are told
    /// apart by their ranges 269 and 639).
    init(key: UInt64) {
        let billion: UInt64 = 1_000_000_000
        if key / billion == NumberingPlan.franceCountryCode {
            self = .metropolitanFrance
            return
        }
        guard key >= 100 * billion, key < 1000 * billion else {
            self = .foreign
            return
        }
        let range = key / 1_000_000 % 1000
        switch key / billion {
        case 262: self = (range == 269 || range == 639) ? .mayotte : .reunion
        case 590: self = .guadeloupe
        case 594: self = .guyane
        case 596: self = .martinique
        default: self = .foreign
        }
    }
}
