import Foundation

/// The French calling calendar of D223-9: which local days are public holidays, what local
/// time an instant is for a consumer, and whether that is a legal calling time.
///
/// Pure: every function takes the instant or day it works on and never reads a clock.
public enum FrenchCalendar {
    /// Easter Sunday of `year` (Gregorian), by the anonymous Gregorian algorithm
    /// (Meeus/Jones/Butcher); Ascension and Whit Monday hang on it.
    public static func easterSunday(year: Int) -> CalendarDay {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        // The algorithm only yields 22 March to 25 April, which always exist.
        return CalendarDay(year: year, month: month, day: day)!
    }

    /// The public holidays of `year` for a consumer in `territory`, in day order: the eleven
    /// of Code du travail L3133-1, Good Friday and 26 December for metropolitan numbers when
    /// `alsaceMoselle` is set, and the day of the abolition of slavery of an overseas
    /// department. Two holidays on one day (Ascension on 1 May) are both listed.
    public static func publicHolidays(year: Int, territory: Territory, alsaceMoselle: Bool = false) -> [PublicHoliday] {
        let easter = easterSunday(year: year)
        func on(_ month: Int, _ day: Int, _ name: PublicHoliday.Name) -> PublicHoliday {
            PublicHoliday(day: CalendarDay(year: year, month: month, day: day)!, name: name)
        }
        var holidays = [
            on(1, 1, .newYearsDay),
            PublicHoliday(day: easter.adding(days: 1), name: .easterMonday),
            on(5, 1, .labourDay),
            on(5, 8, .victoryInEuropeDay),
            PublicHoliday(day: easter.adding(days: 39), name: .ascension),
            PublicHoliday(day: easter.adding(days: 50), name: .whitMonday),
            on(7, 14, .nationalDay),
            on(8, 15, .assumption),
            on(11, 1, .allSaintsDay),
            on(11, 11, .armisticeDay),
            on(12, 25, .christmasDay),
        ]
        if alsaceMoselle && territory == .metropolitanFrance {
            holidays.append(PublicHoliday(day: easter.adding(days: -2), name: .goodFriday))
            holidays.append(on(12, 26, .saintStephensDay))
        }
        for abolition in abolitionsOfSlavery(territory) {
            holidays.append(on(abolition.month, abolition.day, abolition.name))
        }
        // Stable, so that two holidays of one day keep the order above.
        return holidays.enumerated().sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }.map(\.element)
    }

    /// The public holiday `day` is for a consumer in `territory`, or `nil` on a working day.
    /// Computed without allocating, for the decision path. When two holidays fall on one day
    /// the fixed-date one is named.
    public static func publicHoliday(on day: CalendarDay, territory: Territory, alsaceMoselle: Bool = false)
        -> PublicHoliday.Name?
    {
        switch (day.month, day.day) {
        case (1, 1): return .newYearsDay
        case (5, 1): return .labourDay
        case (5, 8): return .victoryInEuropeDay
        case (7, 14): return .nationalDay
        case (8, 15): return .assumption
        case (11, 1): return .allSaintsDay
        case (11, 11): return .armisticeDay
        case (12, 25): return .christmasDay
        case (12, 26) where alsaceMoselle && territory == .metropolitanFrance: return .saintStephensDay
        default: break
        }
        for abolition in abolitionsOfSlavery(territory) where (abolition.month, abolition.day) == (day.month, day.day) {
            return abolition.name
        }
        // Easter falls 22 March to 25 April, so its movable feasts lie in March to June.
        guard (3...6).contains(day.month) else { return nil }
        switch easterSunday(year: day.year).days(to: day) {
        case -2 where alsaceMoselle && territory == .metropolitanFrance: return .goodFriday
        case 1: return .easterMonday
        case 39: return .ascension
        case 50: return .whitMonday
        default: return nil
        }
    }

    /// Monday to Friday and not a public holiday.
    public static func isCallingDay(_ day: CalendarDay, territory: Territory, alsaceMoselle: Bool = false) -> Bool {
        day.weekday <= 5 && publicHoliday(on: day, territory: territory, alsaceMoselle: alsaceMoselle) == nil
    }

    /// Whether a minute of the local day lies in one of the half-open `slots`
    /// (`600..<780` is 10:00 ≤ t < 13:00).
    public static func isCallingMinute(_ minuteOfDay: Int, slots: [Range<Int>]) -> Bool {
        slots.contains { $0.contains(minuteOfDay) }
    }

    /// Whether `local` is a legal time to call a consumer in `territory` under `settings`:
    /// a calling day and a minute inside `settings.callingSlots`.
    public static func isCallingTime(_ local: LocalTime, territory: Territory, settings: PolicySettings) -> Bool {
        isCallingDay(local.day, territory: territory, alsaceMoselle: settings.alsaceMoselleHolidays)
            && isCallingMinute(local.minuteOfDay, slots: settings.callingSlots)
    }

    /// The consumer's wall time at `instant`, in their territory's time zone; `nil` for a
    /// number outside the French plan (or a zone tzdata does not know).
    public static func localTime(at instant: Date, territory: Territory) -> LocalTime? {
        zone(for: territory)?.localTime(at: instant)
    }

    /// The offsets of the territory's time zone; `nil` outside the French plan.
    public static func zone(for territory: Territory) -> TimeZoneOffsets? {
        // A scan of six enum cases is cheaper than hashing the identifier on every decision.
        for (known, zone) in territoryZones where known == territory { return zone }
        return territory.timeZoneIdentifier.flatMap(zone)
    }

    /// The offsets of a time zone: the French zones are read once per process; any other
    /// zone is read on each call (slow, but no rule pack needs one yet).
    public static func zone(_ identifier: String) -> TimeZoneOffsets? {
        frenchZones[identifier] ?? TimeZoneOffsets(identifier: identifier)
    }

    /// Metropolitan France's zone, used for campaign days when the consumer's is unknown.
    static let paris = zone(for: .metropolitanFrance)

    private static let territoryZones: [(Territory, TimeZoneOffsets)] = [
        Territory.metropolitanFrance, .reunion, .mayotte, .guadeloupe, .martinique, .guyane,
    ].compactMap { territory in
        territory.timeZoneIdentifier.flatMap(TimeZoneOffsets.init(identifier:)).map { (territory, $0) }
    }

    private static let frenchZones: [String: TimeZoneOffsets] = Dictionary(
        territoryZones.map { ($0.1.identifier, $0.1) }, uniquingKeysWith: { first, _ in first })

    /// The days of the abolition of slavery that are public holidays for a consumer in
    /// `territory` (loi 83-550, décret 83-1003). +590 numbers may be in Guadeloupe, Saint-Martin
    /// or Saint-Barthélemy, which share the code and cannot be told apart by number, so they
    /// keep all three days: a call is never allowed on a day off where the consumer may live.
    private static func abolitionsOfSlavery(_ territory: Territory) -> [(month: Int, day: Int, name: PublicHoliday.Name)] {
        switch territory {
        case .mayotte: [(4, 27, .abolitionOfSlavery)]
        case .martinique: [(5, 22, .abolitionOfSlavery)]
        case .guadeloupe:
            [(5, 27, .abolitionOfSlavery), (5, 28, .abolitionOfSlaverySaintMartin), (10, 9, .abolitionOfSlaverySaintBarthelemy)]
        case .guyane: [(6, 10, .abolitionOfSlavery)]
        case .reunion: [(12, 20, .abolitionOfSlavery)]
        default: []
        }
    }
}
