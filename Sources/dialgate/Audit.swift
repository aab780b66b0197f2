import ArgumentParser
import DialGateCore
import DialGateProtocol
import DialGateAudit
import DialGateSystemd
import Foundation

/// `dialgate audit`: what an auditor asks of the journal. Which decisions were given about a
/// number or for a campaign, and why; whether the trail is whole; how many of each; and one
/// report of a period to hand over. One file per subcommand (Audit*.swift); docs/audit.md.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read dialgated's audit trail from the local journal.",
        discussion: "Reading the journal takes root or membership of the systemd-journal group. See docs/audit.md.",
        subcommands: [Decisions.self, Verify.self, Summary.self, Report.self])
}

/// `--format table|csv|jsonl`.
struct FormatOption: ParsableArguments {
    @Option(name: .long, help: "table (for a terminal), csv (with a header row) or jsonl (one JSON object a line).")
    var format = "table"

    /// The format asked for; a clear error (exit 2) for another word.
    func parsed() throws -> AuditOutputFormat {
        guard let format = AuditOutputFormat(rawValue: format) else {
            throw fail("--format must be one of \(AuditOutputFormat.names), not '\(format)'")
        }
        return format
    }
}

/// The entries an audit command reads: a period and a daemon run.
struct AuditScope: ParsableArguments {
    @Option(
        name: .long,
        help: "Only entries written at or after this instant (ISO-8601 with Z or an offset), or from this day (YYYY-MM-DD, this machine's midnight).")
    var since: String?

    @Option(
        name: .long,
        help: "Only entries written before this instant (ISO-8601 with Z or an offset), or before this day (YYYY-MM-DD).")
    var until: String?

    @Option(name: .long, help: "Only entries of this daemon run (DIALGATE_RUN).")
    var run: String?

    /// The period's ends in microseconds since the epoch, checked: each a valid instant or
    /// day, and the start before the end.
    func bounds() throws -> (start: UInt64?, end: UInt64?) {
        let start = try since.map { try Self.microseconds($0, option: "--since") }
        let end = try until.map { try Self.microseconds($0, option: "--until") }
        if let start, let end, start >= end {
            throw fail("--since \(since ?? "") is not before --until \(until ?? ""): the period is empty")
        }
        return (start, end)
    }

    /// Opens the journal on entries of the given kinds within the scope that also have the
    /// given field values, positioned before the first, and returns the instant where reading
    /// must stop.
    func open(messageIDs: [String], matching matches: [(field: String, value: String)] = [], ofRun: Bool = true) throws
        -> (JournalReader, end: UInt64?)
    {
        let (start, end) = try bounds()
        do {
            let reader = try Self.openJournal()
            for id in messageIDs { try reader.addMatch("MESSAGE_ID", id) }
            if ofRun, let run { try reader.addMatch("DIALGATE_RUN", run) }
            for match in matches { try reader.addMatch(match.field, match.value) }
            if let start { try reader.seek(realtimeMicroseconds: start) } else { try reader.seekHead() }
            return (reader, end)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail("cannot read the journal: \(error)")
        }
    }

    /// The local journal, refused when none of its files could be opened: a user who may read
    /// no journal file would otherwise read an empty trail, which proves nothing.
    static func openJournal() throws -> JournalReader {
        let reader = try JournalReader()
        guard reader.hasFiles else {
            throw fail("no journal file is readable by this user: run as root or as a member of the systemd-journal group")
        }
        return reader
    }

    /// The decisions answered DENY audit-unavailable after their deadline, whatever their
    /// entry says: the abandonment notes (`MESSAGE_ID=86ede63e…`) in scope, as `run/seq`.
    /// The daemon sends a note right after the entry it is about, so the notes are read a
    /// minute past the period's end: a decision just before the end is still told right.
    func abandonedDecisions() throws -> Set<String> {
        let (reader, end) = try open(messageIDs: [AuditMessageID.auditAbandoned])
        let lateEnd = end.map { $0 + 60_000_000 }
        var abandoned: Set<String> = []
        do {
            while let (fields, _) = try reader.next(before: lateEnd, fields: [AuditField.run, AuditField.abandonedSeq]) {
                if let run = fields[AuditField.run], let seq = fields[AuditField.abandonedSeq] { abandoned.insert(run + "/" + seq) }
            }
        } catch {
            throw fail("cannot read the journal: \(error)")
        }
        return abandoned
    }

    static func microseconds(_ text: String, option: String) throws -> UInt64 {
        guard let date = ISOInstant.parse(text) ?? localMidnight(text), date.timeIntervalSince1970 >= 0 else {
            throw fail(
                "\(option) '\(text)' is neither an ISO-8601 instant with Z or an offset (2026-11-30T09:00:00Z) nor a day (2026-11-30)")
        }
        return UInt64(date.timeIntervalSince1970 * 1_000_000)
    }

    /// A plain day (`2026-11-30`) as the start of that day on this machine's clock, as
    /// journalctl reads `--since 2026-11-30`.
    private static func localMidnight(_ text: String) -> Date? {
        guard text.utf8.count == 10, let day = CalendarDay(iso: text) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        return calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))
    }
}

extension JournalReader {
    /// The entry before instant `microseconds` (the newest written before it) with all its
    /// fields and when it was written; nil when there is none.
    func last(before microseconds: UInt64) throws -> (fields: [String: String], written: Date)? {
        try seek(realtimeMicroseconds: microseconds)
        while let fields = try previous() {
            let written = try realtimeMicroseconds()
            if written < microseconds { return (fields, Date(timeIntervalSince1970: Double(written) / 1_000_000)) }
        }
        return nil
    }

    /// The next entry written before `end` (all its fields, or only those named), with when it
    /// was written; nil at the end.
    func next(before end: UInt64?, fields names: [String]? = nil) throws -> (fields: [String: String], written: Date)? {
        guard let fields = try names.map({ try next(fields: $0) }) ?? next() else { return nil }
        let written = try realtimeMicroseconds()
        if let end, written >= end { return nil }
        return (fields, Date(timeIntervalSince1970: Double(written) / 1_000_000))
    }
}


/// What a report names as its provenance: this machine and the command that made it.
enum Provenance {
    /// The host name, as the kernel has it.
    static var host: String {
        var name = [UInt8](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return ProcessInfo.processInfo.hostName }
        return String(decoding: name.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The command line, each argument quoted when it holds a space or a quote.
    static var commandLine: String {
        CommandLine.arguments.map { argument in
            argument.isEmpty || argument.contains(where: { " \"'\\$`".contains($0) })
                ? "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'" : argument
        }.joined(separator: " ")
    }
}

/// Writes to standard error, for the notes a command adds to its output.
func note(_ message: String) {
    FileHandle.standardError.write(Data("dialgate: \(message)\n".utf8))
}
