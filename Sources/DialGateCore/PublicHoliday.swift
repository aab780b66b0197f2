/// A day off by law on which consumers may not be called (D223-9): a public holiday of
/// Code du travail L3133-1, a local addition of Alsace-Moselle, or an overseas department's
/// day of the abolition of slavery.
public struct PublicHoliday: Hashable, Sendable, CustomStringConvertible {
    /// Which holiday: the raw value is the token decisions show (`holiday=easter-monday`).
    public enum Name: String, Hashable, Sendable, CaseIterable {
        case newYearsDay = "new-years-day"
        /// Alsace-Moselle only.
        case goodFriday = "good-friday"
        case easterMonday = "easter-monday"
        case labourDay = "labour-day"
        case victoryInEuropeDay = "victory-in-europe-day"
        case ascension
        case whitMonday = "whit-monday"
        case nationalDay = "national-day"
        case assumption
        case allSaintsDay = "all-saints-day"
        case armisticeDay = "armistice-day"
        case christmasDay = "christmas-day"
        /// Alsace-Moselle only (26 Dec).
        case saintStephensDay = "saint-stephens-day"
        /// Overseas departments, each on its own date.
        case abolitionOfSlavery = "abolition-of-slavery"
        /// Saint-Martin, 28 May (circulaire of 3 May 2019, C. trav. L3422-2). Its numbers share
        /// +590 with Guadeloupe and cannot be told apart, so every +590 number keeps it.
        case abolitionOfSlaverySaintMartin = "abolition-of-slavery-saint-martin"
        /// Saint-Barthélemy, 9 October (décret 2012-553). Kept by every +590 number, as above.
        case abolitionOfSlaverySaintBarthelemy = "abolition-of-slavery-saint-barthelemy"
    }

    public let day: CalendarDay
    public let name: Name

    public init(day: CalendarDay, name: Name) {
        self.day = day
        self.name = name
    }

    /// `2026-12-25 christmas-day`.
    public var description: String { "\(day) \(name.rawValue)" }
}
