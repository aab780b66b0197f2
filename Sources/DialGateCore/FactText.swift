/// Formats the values of decision facts (`2026-11-30`, `2026-11-30T10:15`) straight into
/// their bytes: decisions are made for every call, so no formatter objects and no
/// intermediate strings.
enum FactText {
    /// `YYYY-MM-DD`.
    static func day(_ day: CalendarDay) -> String {
        guard (0...9999).contains(day.year) else { return day.description }
        return String(unsafeUninitializedCapacity: 10) { buffer in
            write(day, into: buffer)
            return 10
        }
    }

    /// `YYYY-MM-DDTHH:MM` in local wall time.
    static func local(_ time: LocalTime) -> String {
        guard (0...9999).contains(time.day.year) else {
            return "\(time.day)T\(time.minuteOfDay / 60):\(time.minuteOfDay % 60)"
        }
        return String(unsafeUninitializedCapacity: 16) { buffer in
            write(time.day, into: buffer)
            buffer[10] = UInt8(ascii: "T")
            digits(time.minuteOfDay / 60, width: 2, into: buffer, at: 11)
            buffer[13] = UInt8(ascii: ":")
            digits(time.minuteOfDay % 60, width: 2, into: buffer, at: 14)
            return 16
        }
    }

    /// `YYYY-MM-DDTHH:MM:00+HH:MM`: a local wall time with its offset, an ISO-8601 instant.
    static func instant(_ time: LocalTime) -> String {
        let offset = abs(time.utcOffsetSeconds) / 60
        let sign = time.utcOffsetSeconds < 0 ? "-" : "+"
        let hours = offset / 60 < 10 ? "0\(offset / 60)" : "\(offset / 60)"
        let minutes = offset % 60 < 10 ? "0\(offset % 60)" : "\(offset % 60)"
        return local(time) + ":00" + sign + hours + ":" + minutes
    }

    private static func write(_ day: CalendarDay, into buffer: UnsafeMutableBufferPointer<UInt8>) {
        digits(day.year, width: 4, into: buffer, at: 0)
        buffer[4] = UInt8(ascii: "-")
        digits(day.month, width: 2, into: buffer, at: 5)
        buffer[7] = UInt8(ascii: "-")
        digits(day.day, width: 2, into: buffer, at: 8)
    }

    private static func digits(_ value: Int, width: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        var rest = value
        for index in stride(from: start + width - 1, through: start, by: -1) {
            buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }
}
