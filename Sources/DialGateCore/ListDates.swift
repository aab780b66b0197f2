import Foundation

/// Dates and instants as list files write them, and the French civil day they fall on.
enum ListDates {
    /// Lists are dated in France: Bloctel and the company both work on Paris time, so "today"
    /// for an as-of check and the day of a date-only consent are Paris days.
    static let listTimeZone = TimeZone(identifier: "Europe/Paris")!

    /// How to read a date written without a time of day, where an instant is expected.
    enum DateOnlyReading {
        /// The first instant of that day (a revocation dated that day counts all day).
        case startOfDay
        /// The first instant of the next day (a consent dated that day may have come late
        /// in it, so it counts only from the next day: the reading that never allows too early).
        case startOfNextDay
    }

    /// The civil day `instant` falls on in `timeZone`.
    static func day(of instant: Date, in timeZone: TimeZone = listTimeZone) -> CalendarDay {
        let local = Int((instant.timeIntervalSince1970).rounded(.down)) + timeZone.secondsFromGMT(for: instant)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return CalendarDay(dayNumber: days)
    }

    /// Midnight at the start of `day` in `timeZone`.
    static func startOfDay(_ day: CalendarDay, in timeZone: TimeZone = listTimeZone) -> Date {
        let utcMidnight = Double(day.dayNumber) * 86_400
        let firstGuess = Date(timeIntervalSince1970: utcMidnight - Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: utcMidnight))))
        return Date(timeIntervalSince1970: utcMidnight - Double(timeZone.secondsFromGMT(for: firstGuess)))
    }

    /// Parses `YYYY-MM-DD`, or an ISO 8601 date-time with a UTC offset
    /// (`2026-09-01T14:03:00+02:00`, `2026-09-01T12:03Z`, fractions of a second allowed).
    /// - Returns: the instant, or a message saying what is wrong.
    static func instant(_ text: String, dateOnly: DateOnlyReading) -> Result<Date, DateProblem> {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, let day = CalendarDay(iso: text.prefix(10)) else {
            return .failure(DateProblem("'\(text)' is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SS+HH:MM)"))
        }
        if bytes.count == 10 {
            switch dateOnly {
            case .startOfDay: return .success(startOfDay(day))
            case .startOfNextDay: return .success(startOfDay(day.adding(days: 1)))
            }
        }
        if let instant = ISOInstant.parse(text) { return .success(instant) }
        if ISOInstant.parse(text + "Z") != nil {
            return .failure(DateProblem("'\(text)' has no UTC offset (add Z or +HH:MM): the instant would be ambiguous"))
        }
        return .failure(DateProblem("'\(text)' is not an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS+HH:MM)"))
    }

    /// Why a date could not be read.
    struct DateProblem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }
}
