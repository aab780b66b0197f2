import Foundation

/// The UTC offsets of one time zone, read from tzdata once and then looked up by binary
/// search, so that turning an instant into local wall time costs no Foundation call, no
/// allocation and no lock on the decision path.
///
/// The table spans 1900 to 2100; an instant outside it asks Foundation directly.
public struct TimeZoneOffsets: Sendable {
    /// The tz identifier (`Europe/Paris`).
    public let identifier: String
    private let timeZone: TimeZone
    /// Unix seconds at which `offsets[i + 1]` takes over from `offsets[i]`, ascending.
    private let transitions: [Int64]
    /// `offsets[0]` applies before the first transition.
    private let offsets: [Int32]

    private static let tableStart: Int64 = -2_208_988_800  // 1900-01-01T00:00Z
    private static let tableEnd: Int64 = 4_102_444_800  // 2100-01-01T00:00Z

    /// Reads the zone's transitions from tzdata; `nil` when the identifier is unknown.
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.identifier = identifier
        self.timeZone = zone
        var transitions: [Int64] = []
        var offsets: [Int32] = [Int32(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(Self.tableStart))))]
        var cursor = Date(timeIntervalSince1970: Double(Self.tableStart))
        // Foundation reports every offset change here (standard-time changes too, not only
        // summer time), which the tests check against Foundation's own conversion.
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor),
            next.timeIntervalSince1970 < Double(Self.tableEnd)
        {
            transitions.append(Int64(next.timeIntervalSince1970.rounded(.down)))
            offsets.append(Int32(zone.secondsFromGMT(for: next)))
            cursor = next
        }
        self.transitions = transitions
        self.offsets = offsets
    }

    /// The zone's offset from UTC, in seconds, at `unixSeconds`.
    public func utcOffset(atUnixSeconds unixSeconds: Int64) -> Int {
        guard unixSeconds >= Self.tableStart, unixSeconds < Self.tableEnd else {
            return timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(unixSeconds)))
        }
        // Count the transitions at or before the instant: that many offsets have taken over.
        var low = 0
        var high = transitions.count
        while low < high {
            let mid = (low + high) / 2
            if transitions[mid] <= unixSeconds { low = mid + 1 } else { high = mid }
        }
        return Int(offsets[low])
    }

    /// The wall time of `instant` in this zone.
    public func localTime(at instant: Date) -> LocalTime {
        let unixSeconds = Self.unixSeconds(instant)
        let offset = utcOffset(atUnixSeconds: unixSeconds)
        let local = unixSeconds + Int64(offset)
        let (dayNumber, secondOfDay) = Self.floorDivision(local, 86_400)
        return LocalTime(
            day: CalendarDay(dayNumber: Int(dayNumber)), minuteOfDay: Int(secondOfDay / 60), utcOffsetSeconds: offset)
    }

    /// Whole seconds since 1970, rounded down; clamped to about ±30,000 years so that a
    /// nonsense instant from a replay cannot trap the conversion.
    static func unixSeconds(_ instant: Date) -> Int64 {
        let seconds = instant.timeIntervalSince1970
        guard seconds.isFinite else { return seconds < 0 ? -limit : limit }
        return Int64(max(-Double(limit), min(Double(limit), seconds.rounded(.down))))
    }

    private static let limit: Int64 = 1_000_000_000_000

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
        return (quotient, value - quotient * divisor)
    }
}
