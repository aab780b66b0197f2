/// A wall-clock reading in the consumer's time zone, to the minute: the calling rules
/// (D223-9) count days and hours there, not in the gate's own zone.
public struct LocalTime: Hashable, Sendable, CustomStringConvertible {
    /// The local calendar day.
    public let day: CalendarDay
    /// Minutes since local midnight, `0..<1440`. Seconds are dropped: 12:59:59 is minute 779,
    /// still inside a slot that ends at 13:00.
    public let minuteOfDay: Int
    /// The zone's offset from UTC at that instant, in seconds (summer time included).
    public let utcOffsetSeconds: Int

    public init(day: CalendarDay, minuteOfDay: Int, utcOffsetSeconds: Int) {
        self.day = day
        self.minuteOfDay = minuteOfDay
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// ISO weekday of the local day: 1 is Monday, 7 is Sunday.
    public var weekday: Int { day.weekday }

    /// `2026-11-30T10:15`, the form decisions show in their facts.
    public var description: String { FactText.local(self) }
}
