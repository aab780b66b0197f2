import DialGateCore
import Foundation
import PropertyBased
import Testing

// MARK: - Easter and the public holidays (Code du travail L3133-1)

@Test(
    "Easter Sunday by the anonymous Gregorian algorithm matches the published dates",
    arguments: [
        (1818, "1818-03-22"), (1943, "1943-04-25"), (2000, "2000-04-23"), (2008, "2008-03-23"), (2011, "2011-04-24"),
        (2019, "2019-04-21"), (2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"), (2027, "2027-03-28"),
        (2038, "2038-04-25"), (2285, "2285-03-22"),
    ])
func easterSunday(year: Int, expected: String) {
    #expect(FrenchCalendar.easterSunday(year: year) == day(expected))
}

@Test("L3133-1: the eleven public holidays of 2026 in metropolitan France")
func holidays2026() {
    let holidays = FrenchCalendar.publicHolidays(year: 2026, territory: .metropolitanFrance)
    #expect(holidays.map(\.description) == [
        "2026-01-01 new-years-day", "2026-04-06 easter-monday", "2026-05-01 labour-day", "2026-05-08 victory-in-europe-day",
        "2026-05-14 ascension", "2026-05-25 whit-monday", "2026-07-14 national-day", "2026-08-15 assumption",
        "2026-11-01 all-saints-day", "2026-11-11 armistice-day", "2026-12-25 christmas-day",
    ])
}

@Test("L3133-1: the eleven public holidays of 2027 in metropolitan France")
func holidays2027() {
    let holidays = FrenchCalendar.publicHolidays(year: 2027, territory: .metropolitanFrance)
    #expect(holidays.map(\.description) == [
        "2027-01-01 new-years-day", "2027-03-29 easter-monday", "2027-05-01 labour-day", "2027-05-06 ascension",
        "2027-05-08 victory-in-europe-day", "2027-05-17 whit-monday", "2027-07-14 national-day", "2027-08-15 assumption",
        "2027-11-01 all-saints-day", "2027-11-11 armistice-day", "2027-12-25 christmas-day",
    ])
}

@Test("Two holidays on one day are both listed (Ascension on 1 May 2008)")
func coincidingHolidays() {
    let firstOfMay = FrenchCalendar.publicHolidays(year: 2008, territory: .metropolitanFrance).filter { $0.day == day("2008-05-01") }
    #expect(firstOfMay.map(\.name) == [.labourDay, .ascension])
    #expect(FrenchCalendar.publicHoliday(on: day("2008-05-01"), territory: .metropolitanFrance) == .labourDay)
}

@Test("Alsace-Moselle adds Good Friday and 26 December, for metropolitan numbers only")
func alsaceMoselle() {
    let alsace = FrenchCalendar.publicHolidays(year: 2026, territory: .metropolitanFrance, alsaceMoselle: true)
    #expect(alsace.count == 13)
    #expect(alsace.contains(PublicHoliday(day: day("2026-04-03"), name: .goodFriday)))
    #expect(alsace.contains(PublicHoliday(day: day("2026-12-26"), name: .saintStephensDay)))
    #expect(FrenchCalendar.publicHoliday(on: day("2027-03-26"), territory: .metropolitanFrance, alsaceMoselle: true) == .goodFriday)
    #expect(FrenchCalendar.publicHoliday(on: day("2027-03-26"), territory: .metropolitanFrance) == nil)
    #expect(FrenchCalendar.publicHolidays(year: 2026, territory: .reunion, alsaceMoselle: true).count == 12)
}

@Test(
    "Overseas departments add their day of the abolition of slavery",
    arguments: [
        (Territory.mayotte, "2026-04-27"), (.martinique, "2026-05-22"), (.guadeloupe, "2026-05-27"), (.guyane, "2026-06-10"),
        (.reunion, "2026-12-20"),
    ])
func abolitionOfSlavery(territory: Territory, date: String) {
    let holidays = FrenchCalendar.publicHolidays(year: 2026, territory: territory)
    #expect(holidays.count == (territory == .guadeloupe ? 14 : 12))
    #expect(holidays.contains(PublicHoliday(day: day(date), name: .abolitionOfSlavery)))
    #expect(FrenchCalendar.publicHoliday(on: day(date), territory: territory) == .abolitionOfSlavery)
    #expect(FrenchCalendar.publicHoliday(on: day(date), territory: .metropolitanFrance) == nil)
}

@Test(
    "+590 numbers, shared by Guadeloupe, Saint-Martin and Saint-Barthélemy, keep all three abolition days (fail closed)",
    arguments: [
        ("2026-05-27", PublicHoliday.Name.abolitionOfSlavery), ("2026-05-28", .abolitionOfSlaverySaintMartin),
        ("2026-10-09", .abolitionOfSlaverySaintBarthelemy),
    ])
func sharedCodeKeepsEveryAbolitionDay(date: String, name: PublicHoliday.Name) {
    #expect(FrenchCalendar.publicHoliday(on: day(date), territory: .guadeloupe) == name)
    #expect(FrenchCalendar.publicHolidays(year: 2026, territory: .guadeloupe).contains(PublicHoliday(day: day(date), name: name)))
    #expect(!FrenchCalendar.isCallingDay(day(date), territory: .guadeloupe))
    #expect(FrenchCalendar.isCallingDay(day(date), territory: .martinique))
}

@Test("The per-day check agrees with the yearly list on every day of 2020-2060, every territory")
func perDayMatchesList() {
    let territories: [Territory] = [.metropolitanFrance, .reunion, .mayotte, .guadeloupe, .martinique, .guyane]
    for territory in territories {
        for alsaceMoselle in [false, true] {
            for year in 2020...2060 {
                let listed = Set(
                    FrenchCalendar.publicHolidays(year: year, territory: territory, alsaceMoselle: alsaceMoselle).map(\.day))
                var day = CalendarDay(year: year, month: 1, day: 1)!
                while day.year == year {
                    let found = FrenchCalendar.publicHoliday(on: day, territory: territory, alsaceMoselle: alsaceMoselle)
                    if (found != nil) != listed.contains(day) {
                        Issue.record("\(territory) \(day): per-day \(String(describing: found)), listed \(listed.contains(day))")
                    }
                    day = day.adding(days: 1)
                }
            }
        }
    }
}

// MARK: - Local time in the consumer's time zone

@Test(
    "An instant is read in the consumer's time zone",
    arguments: [
        // Paris: winter UTC+1, summer UTC+2, switching at 01:00 UTC.
        ("2026-01-15T09:00:00Z", Territory.metropolitanFrance, "2026-01-15T10:00", 3600),
        ("2026-07-15T08:00:00Z", .metropolitanFrance, "2026-07-15T10:00", 7200),
        ("2026-03-29T00:59:59Z", .metropolitanFrance, "2026-03-29T01:59", 3600),
        ("2026-03-29T01:00:00Z", .metropolitanFrance, "2026-03-29T03:00", 7200),
        ("2026-10-25T00:59:59Z", .metropolitanFrance, "2026-10-25T02:59", 7200),
        ("2026-10-25T01:00:00Z", .metropolitanFrance, "2026-10-25T02:00", 3600),
        ("2026-08-10T22:30:00Z", .metropolitanFrance, "2026-08-11T00:30", 7200),
        // Overseas: fixed offsets, no summer time.
        ("2026-08-10T22:30:00Z", .reunion, "2026-08-11T02:30", 14400),
        ("2026-08-10T22:30:00Z", .mayotte, "2026-08-11T01:30", 10800),
        ("2026-08-10T22:30:00Z", .guadeloupe, "2026-08-10T18:30", -14400),
        ("2026-08-10T22:30:00Z", .martinique, "2026-08-10T18:30", -14400),
        ("2026-08-10T22:30:00Z", .guyane, "2026-08-10T19:30", -10800),
        ("1969-12-31T23:59:59Z", .guadeloupe, "1969-12-31T19:59", -14400),
    ])
func localTime(utc: String, territory: Territory, expected: String, offset: Int) throws {
    let instant = try #require(ISO8601DateFormatter().date(from: utc))
    let local = try #require(FrenchCalendar.localTime(at: instant, territory: territory))
    #expect(local.description == expected)
    #expect(local.utcOffsetSeconds == offset)
}

@Test("A number outside the French plan has no local time")
func foreignHasNoLocalTime() {
    #expect(FrenchCalendar.localTime(at: Date(timeIntervalSince1970: 0), territory: .foreign) == nil)
}

/// Foundation's own reading of an instant in a zone: day and minute of day.
private func foundationLocal(_ instant: Date, _ zone: TimeZone) -> (CalendarDay, Int) {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
    return (CalendarDay(year: parts.year!, month: parts.month!, day: parts.day!)!, parts.hour! * 60 + parts.minute!)
}

@Test("The offset tables agree with Foundation's calendar around every transition and on a sweep of 1950-2099",
    arguments: [paris, reunion, mayotte, guadeloupe, martinique, cayenne])
func offsetsMatchFoundation(identifier: String) throws {
    let zone = try #require(TimeZone(identifier: identifier))
    let offsets = try #require(FrenchCalendar.zone(identifier))
    var instants: [Date] = []
    var cursor = Date(timeIntervalSince1970: -631_152_000)  // 1950
    while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next.timeIntervalSince1970 < 4_102_444_800 {
        instants += [next.addingTimeInterval(-1), next, next.addingTimeInterval(1)]
        cursor = next
    }
    // Every 1 day, 1 hour and 7 minutes from 1950 to 2099: all hours of all weekdays come by.
    for seconds in stride(from: -631_152_000.0, to: 4_102_444_800, by: 90_420) {
        instants.append(Date(timeIntervalSince1970: seconds))
    }
    var mismatches = 0
    for instant in instants {
        let local = offsets.localTime(at: instant)
        let (expectedDay, expectedMinute) = foundationLocal(instant, zone)
        if local.day != expectedDay || local.minuteOfDay != expectedMinute {
            mismatches += 1
            if mismatches <= 5 { Issue.record("\(identifier) \(instant): \(local) vs \(expectedDay) \(expectedMinute)") }
        }
    }
    #expect(mismatches == 0)
    #expect(instants.count > 50_000)
}

@Test("Local time agrees with Foundation for random instants, also outside the tables' years")
func randomInstantsMatchFoundation() async {
    let zones = [paris, reunion, guadeloupe, cayenne].map { (TimeZone(identifier: $0)!, FrenchCalendar.zone($0)!) }
    await propertyCheck(count: 500, input: Gen.int(in: -5_000_000_000...8_000_000_000), Gen.int(in: 0...3)) { seconds, index in
        let (zone, offsets) = zones[index]
        let instant = Date(timeIntervalSince1970: Double(seconds))
        let local = offsets.localTime(at: instant)
        let (expectedDay, expectedMinute) = foundationLocal(instant, zone)
        #expect(local.day == expectedDay)
        #expect(local.minuteOfDay == expectedMinute)
    }
}

// MARK: - Calling days and hours (D223-9)

@Test(
    "Calling slots are half-open: 10:00 <= t < 13:00 and 14:00 <= t < 20:00",
    arguments: [
        (599, false), (600, true), (779, true), (780, false), (839, false), (840, true), (1199, true), (1200, false), (0, false),
        (1439, false),
    ])
func callingMinute(minute: Int, allowed: Bool) {
    #expect(FrenchCalendar.isCallingMinute(minute, slots: PolicySettings().callingSlots) == allowed)
}

@Test("A calling day is Monday to Friday and not a public holiday")
func callingDays() {
    #expect(FrenchCalendar.isCallingDay(day("2026-11-30"), territory: .metropolitanFrance))  // Monday
    #expect(!FrenchCalendar.isCallingDay(day("2026-11-28"), territory: .metropolitanFrance))  // Saturday
    #expect(!FrenchCalendar.isCallingDay(day("2026-11-29"), territory: .metropolitanFrance))  // Sunday
    #expect(!FrenchCalendar.isCallingDay(day("2026-11-11"), territory: .metropolitanFrance))  // Armistice, Wednesday
    #expect(!FrenchCalendar.isCallingDay(day("2026-05-27"), territory: .guadeloupe))
    #expect(FrenchCalendar.isCallingDay(day("2026-05-27"), territory: .metropolitanFrance))
}

@Test("A calling time needs both a calling day and a minute in a slot")
func callingTime() {
    let settings = PolicySettings()
    let monday = LocalTime(day: day("2026-11-30"), minuteOfDay: 600, utcOffsetSeconds: 3600)
    let mondayLunch = LocalTime(day: day("2026-11-30"), minuteOfDay: 800, utcOffsetSeconds: 3600)
    let saturday = LocalTime(day: day("2026-11-28"), minuteOfDay: 600, utcOffsetSeconds: 3600)
    #expect(FrenchCalendar.isCallingTime(monday, territory: .metropolitanFrance, settings: settings))
    #expect(!FrenchCalendar.isCallingTime(mondayLunch, territory: .metropolitanFrance, settings: settings))
    #expect(!FrenchCalendar.isCallingTime(saturday, territory: .metropolitanFrance, settings: settings))
}
