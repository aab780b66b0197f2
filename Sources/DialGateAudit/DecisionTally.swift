import Foundation

/// What the client was answered, from a decision entry: `ALLOW` or `DENY` for a CHECK,
/// `WOULD-ALLOW` or `WOULD-DENY` for a PLAN (`DIALGATE_DRY_RUN=1`: never a permission), and
/// `DENY audit-unavailable` whatever the entry says when an abandonment note
/// (`MESSAGE_ID=86ede63e…`) follows it: its answer left after the deadline as a DENY.
public struct DecisionAnswer: Hashable, Sendable {
    public var verdict: String
    public var reason: String

    /// The answers in the order reports list them.
    public static let verdicts = ["ALLOW", "DENY", "WOULD-ALLOW", "WOULD-DENY"]

    public init(verdict: String, reason: String) {
        self.verdict = verdict
        self.reason = reason
    }

    /// The answer a decision entry stands for.
    public init(fields: [String: String], abandoned: Bool) {
        let verdict = fields[AuditField.verdict] ?? "?"
        if abandoned {
            self.init(verdict: "DENY", reason: "audit-unavailable")
        } else {
            self.init(verdict: fields[AuditField.dryRun] == "1" ? "WOULD-" + verdict : verdict, reason: fields[AuditField.reason] ?? "?")
        }
    }

    /// The order of a verdict among `verdicts` (unknown ones last).
    public static func rank(_ verdict: String) -> Int { verdicts.firstIndex(of: verdict) ?? verdicts.count }
}

/// Decision counts by day, campaign, answer and reason: what `dialgate audit summary` prints
/// and the report shows. Pure: the command reads the journal and feeds it.
public struct DecisionTally: Sendable, Equatable {
    /// One combination counted.
    public struct Key: Hashable, Sendable, Comparable {
        /// The local day the entry was journaled, `YYYY-MM-DD`.
        public var day: String
        public var campaign: String
        public var verdict: String
        public var reason: String

        public init(day: String, campaign: String, verdict: String, reason: String) {
            self.day = day
            self.campaign = campaign
            self.verdict = verdict
            self.reason = reason
        }

        public static func < (left: Key, right: Key) -> Bool {
            (left.day, left.campaign, DecisionAnswer.rank(left.verdict), left.verdict, left.reason)
                < (right.day, right.campaign, DecisionAnswer.rank(right.verdict), right.verdict, right.reason)
        }
    }

    /// One line of a breakdown: a value of the dimension, its count by answer, and its total.
    public struct Line: Sendable, Equatable {
        public var value: String
        public var byVerdict: [String: UInt64]
        public var total: UInt64
    }

    public private(set) var counts: [Key: UInt64] = [:]

    public init() {}

    public mutating func add(day: String, campaign: String, answer: DecisionAnswer, count: UInt64 = 1) {
        counts[Key(day: day, campaign: campaign, verdict: answer.verdict, reason: answer.reason), default: 0] += count
    }

    /// Every decision counted.
    public var total: UInt64 { counts.values.reduce(0, +) }

    /// Every combination with its count, in day, campaign, verdict, reason order.
    public var rows: [(key: Key, count: UInt64)] {
        counts.sorted { $0.key < $1.key }.map { (key: $0.key, count: $0.value) }
    }

    /// The verdicts counted, in `DecisionAnswer.verdicts` order.
    public var verdicts: [String] {
        Set(counts.keys.map(\.verdict)).sorted { (DecisionAnswer.rank($0), $0) < (DecisionAnswer.rank($1), $1) }
    }

    /// What a breakdown counts by.
    public enum Dimension: String, Sendable, CaseIterable {
        case verdict, reason, campaign, day
    }

    /// Counts by one dimension: days and campaigns by name (days oldest first), verdicts in
    /// `DecisionAnswer.verdicts` order, reasons most frequent first.
    public func breakdown(by dimension: Dimension) -> [Line] {
        var lines: [String: Line] = [:]
        for (key, count) in counts {
            let value: String
            switch dimension {
            case .verdict: value = key.verdict
            case .reason: value = key.reason
            case .campaign: value = key.campaign
            case .day: value = key.day
            }
            lines[value, default: Line(value: value, byVerdict: [:], total: 0)].byVerdict[key.verdict, default: 0] += count
            lines[value]!.total += count
        }
        let all = Array(lines.values)
        switch dimension {
        case .day, .campaign: return all.sorted { $0.value < $1.value }
        case .verdict: return all.sorted { (DecisionAnswer.rank($0.value), $0.value) < (DecisionAnswer.rank($1.value), $1.value) }
        case .reason: return all.sorted { ($1.total, $0.value) < ($0.total, $1.value) }
        }
    }

    /// Counts by reason within each verdict: `(verdict, reason, count)`, verdicts in order,
    /// reasons most frequent first.
    public var reasonsByVerdict: [(verdict: String, reason: String, count: UInt64)] {
        var counted: [String: [String: UInt64]] = [:]
        for (key, count) in counts { counted[key.verdict, default: [:]][key.reason, default: 0] += count }
        return counted.sorted { DecisionAnswer.rank($0.key) < DecisionAnswer.rank($1.key) }.flatMap { verdict, reasons in
            reasons.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { (verdict: verdict, reason: $0.key, count: $0.value) }
        }
    }
}

/// The local day of instants, `YYYY-MM-DD` in a time zone (this machine's, for the commands),
/// computed once per day met rather than once per entry: a year of decisions is millions.
public struct LocalDays: Sendable {
    private let calendar: Calendar
    private var current: (start: Date, end: Date, text: String)?

    public init(timeZone: TimeZone = .current) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// The day of `instant`.
    public mutating func day(of instant: Date) -> String {
        if let current, current.start <= instant, instant < current.end { return current.text }
        let start = calendar.startOfDay(for: instant)
        // A day is 23, 24 or 25 hours long: the next day's start, not start + 86400.
        let end = calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400)
        let parts = calendar.dateComponents([.year, .month, .day], from: start)
        let text = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        current = (start, end, text)
        return text
    }

    /// Every day from `first` to `last` (both `YYYY-MM-DD`), so a chart shows days with no
    /// decision too; at most `limit` days.
    public func days(from first: String, through last: String, limit: Int = 3660) -> [String] {
        guard let start = Self.date(first, calendar), let end = Self.date(last, calendar), start <= end else { return [] }
        var days: [String] = []
        var day = start
        while day <= end, days.count < limit {
            let parts = calendar.dateComponents([.year, .month, .day], from: day)
            days.append(String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0))
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { break }
            day = next
        }
        return days
    }

    private static func date(_ text: String, _ calendar: Calendar) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        // Noon: a day's midnight may not exist where the clocks change at midnight.
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12))
    }
}

/// Which process wrote each run, for counting: the process of the first entry read of the run,
/// as `AuditContinuity` judges it. An entry of the run from another process is a forgery
/// (anyone may write to the journal, with any field, but not journald's `_PID`) and is counted
/// apart, never as a decision.
public struct RunWriters: Sendable {
    private var writers: [String: String] = [:]
    /// Entries of a run written by another process than the run's.
    public private(set) var foreign: UInt64 = 0

    public init() {}

    /// Whether an entry of `run` written by process `writer` is the run's own.
    public mutating func accepts(run: String, writer: String) -> Bool {
        if let known = writers[run] {
            if known == writer { return true }
            foreign += 1
            return false
        }
        writers[run] = writer
        return true
    }
}

extension DecisionTally {
    /// The columns of `csv` and the keys of `jsonl`: one row per combination counted.
    public static let rowColumns = ["day", "campaign", "verdict", "reason", "decisions"]

    /// CSV: a header row, then one row per day, campaign, verdict and reason with its count.
    public var csv: String {
        ([CSV.row(Self.rowColumns)]
            + rows.map { CSV.row([$0.key.day, $0.key.campaign, $0.key.verdict, $0.key.reason, String($0.count)]) })
            .map { $0 + "\n" }.joined()
    }

    /// JSON lines: one object per day, campaign, verdict and reason, `decisions` a number.
    public var jsonl: String {
        rows.map { row in
            JSONText.object([
                ("day", .string(row.key.day)), ("campaign", .string(row.key.campaign)), ("verdict", .string(row.key.verdict)),
                ("reason", .string(row.key.reason)), ("decisions", .integer(Int(row.count))),
            ]).text + "\n"
        }.joined()
    }

    /// For a terminal: the total, then the counts by verdict, by verdict and reason, by
    /// campaign and by day, each a table with one column per verdict.
    public var table: String {
        let verdicts = self.verdicts
        var out = "decisions \(total)"
        out += verdicts.isEmpty ? "\n" : ": " + breakdown(by: .verdict).map { "\($0.value) \($0.total)" }.joined(separator: ", ") + "\n"
        var reasons = TextTable(["verdict", "reason", "decisions"])
        for line in reasonsByVerdict { reasons.add([line.verdict, line.reason, String(line.count)]) }
        out += "\nby reason\n" + reasons.text
        for (title, dimension) in [("campaign", Dimension.campaign), ("day", .day)] {
            var table = TextTable([title] + verdicts + ["total"])
            for line in breakdown(by: dimension) {
                table.add([line.value] + verdicts.map { String(line.byVerdict[$0] ?? 0) } + [String(line.total)])
            }
            out += "\nby \(title)\n" + table.text
        }
        return out
    }
}
