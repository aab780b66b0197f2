import Foundation

/// ISO-8601 instants, the one reader and writer of them in dialgate (the wire, list files, the
/// ledger, the journal): `2026-11-30T10:15:00+01:00`, `2026-11-30T09:15:00Z`, with optional
/// seconds and fraction. A time without `Z` or an offset is refused: the gate must never guess
/// whose local time was meant.
public enum ISOInstant {
    public static func parse(_ text: some StringProtocol) -> Date? {
        let bytes = Array(text.utf8)
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= bytes.count else { return nil }
            var value = 0
            for b in bytes[i..<(i + width)] {
                guard b >= 48, b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            i += width
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
            i < bytes.count, bytes[i] == 84 || bytes[i] == 116 || bytes[i] == 32
        else { return nil }
        i += 1
        guard let hour = number(2), expect(58), let minute = number(2) else { return nil }
        var second = 0
        var fraction = 0.0
        if expect(58) {
            guard let s = number(2) else { return nil }
            second = s
            if expect(46) || expect(44) {
                var scale = 0.1
                let start = i
                while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                    fraction += Double(bytes[i] - 48) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
        }
        var offsetSeconds = 0
        if expect(90) || expect(122) {
            offsetSeconds = 0
        } else if i < bytes.count, bytes[i] == 43 || bytes[i] == 45 {
            let sign = bytes[i] == 45 ? -1 : 1
            i += 1
            guard let oh = number(2) else { return nil }
            _ = expect(58)
            guard let om = number(2), oh <= 23, om <= 59 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == bytes.count, hour <= 23, minute <= 59, second <= 60,
            let calendarDay = CalendarDay(year: year, month: month, day: day)?.dayNumber
        else { return nil }
        let seconds = Double(calendarDay * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    /// Whether `date` lies in the years dialgate keeps instants for, 1970...9999 (UTC, to the
    /// millisecond): what the ledger can write. `parse` reads years 0000...9999 with any
    /// offset, so the wire checks this too, and refuses an instant it could not record.
    public static func isWithinSupportedYears(_ date: Date) -> Bool {
        let seconds = date.timeIntervalSince1970
        return seconds.isFinite && seconds >= 0 && (seconds * 1000).rounded() < 253_402_300_800_000
    }

    /// `2026-11-30T09:15:00.123Z`: how the daemon writes instants.
    public static func format(_ date: Date) -> String {
        let (civil, msOfDay) = civilTime(date)
        guard (0...9999).contains(civil.year) else { return formatOutOfRange(civil, msOfDay) }
        // Written digit by digit into the string's own bytes: one per answer that dates something.
        return String(unsafeUninitializedCapacity: width) { write(civil, msOfDay, into: $0) }
    }

    /// Appends `format(date)`'s bytes to `bytes`, without a string: one per journal entry.
    public static func append(_ date: Date, to bytes: inout [UInt8]) {
        let (civil, msOfDay) = civilTime(date)
        guard (0...9999).contains(civil.year) else {
            bytes.append(contentsOf: formatOutOfRange(civil, msOfDay).utf8)
            return
        }
        bytes.append(count: width) { write(civil, msOfDay, into: $0) }
    }

    /// The length of `2026-11-30T09:15:00.123Z`.
    private static let width = 24

    /// The civil day and the millisecond of that day of `date`, in UTC.
    private static func civilTime(_ date: Date) -> (CalendarDay, Int) {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let days = Int(millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000)
        return (CalendarDay(dayNumber: days), Int(millis - Int64(days) * 86_400_000))
    }

    /// An instant outside the years 0000...9999 (and what the ledger records,
    /// `isWithinSupportedYears`), written all the same.
    private static func formatOutOfRange(_ civil: CalendarDay, _ msOfDay: Int) -> String {
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(civil.year, 4))-\(pad(civil.month, 2))-\(pad(civil.day, 2))T\(pad(msOfDay / 3_600_000, 2)):"
            + "\(pad(msOfDay / 60_000 % 60, 2)):\(pad(msOfDay / 1000 % 60, 2)).\(pad(msOfDay % 1000, 3))Z"
    }

    /// Writes the `width` bytes of an instant of the years 0000...9999 into `out`; returns `width`.
    private static func write(_ civil: CalendarDay, _ msOfDay: Int, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var at = 0
        func put(_ value: Int, _ width: Int) {
            var value = value
            for place in stride(from: width - 1, through: 0, by: -1) {
                out[at + place] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            at += width
        }
        func put(_ byte: UInt8) {
            out[at] = byte
            at += 1
        }
        put(civil.year, 4)
        put(UInt8(ascii: "-"))
        put(civil.month, 2)
        put(UInt8(ascii: "-"))
        put(civil.day, 2)
        put(UInt8(ascii: "T"))
        put(msOfDay / 3_600_000, 2)
        put(UInt8(ascii: ":"))
        put(msOfDay / 60_000 % 60, 2)
        put(UInt8(ascii: ":"))
        put(msOfDay / 1000 % 60, 2)
        put(UInt8(ascii: "."))
        put(msOfDay % 1000, 3)
        put(UInt8(ascii: "Z"))
        return at
    }
}
