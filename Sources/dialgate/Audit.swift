import ArgumentParser
import DialGateCore
import DialGateProtocol
import DialGateAudit
import DialGateSystemd
import Foundation

/// `dialgate audit`: what an auditor asks of the journal. Which decisions were given about a
/// number or for a campaign, and why; and whether the trail is whole.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read dialgated's audit trail from the local journal.",
        discussion: "Reading the journal takes root or membership of the systemd-journal group.",
        subcommands: [Decisions.self, Verify.self])
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

    /// Opens the journal on entries of the given kinds within the scope that also have the
    /// given field values, positioned before the first, and returns the instant where reading
    /// must stop.
    func open(messageIDs: [String], matching matches: [(field: String, value: String)] = []) throws
        -> (JournalReader, end: UInt64?)
    {
        let start = try since.map { try Self.microseconds($0, option: "--since") }
        let end = try until.map { try Self.microseconds($0, option: "--until") }
        do {
            let reader = try JournalReader()
            for id in messageIDs { try reader.addMatch("MESSAGE_ID", id) }
            if let run { try reader.addMatch("DIALGATE_RUN", run) }
            for match in matches { try reader.addMatch(match.field, match.value) }
            if let start { try reader.seek(realtimeMicroseconds: start) } else { try reader.seekHead() }
            return (reader, end)
        } catch {
            throw fail("cannot read the journal: \(error)")
        }
    }

    private static func microseconds(_ text: String, option: String) throws -> UInt64 {
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
    /// The next entry written before `end` (all its fields, or only those named), with when it
    /// was written; nil at the end.
    func next(before end: UInt64?, fields names: [String]? = nil) throws -> (fields: [String: String], written: Date)? {
        guard let fields = try names.map({ try next(fields: $0) }) ?? next() else { return nil }
        let written = try realtimeMicroseconds()
        if let end, written >= end { return nil }
        return (fields, Date(timeIntervalSince1970: Double(written) / 1_000_000))
    }
}

/// `dialgate audit decisions`: every decision in scope, one line each, oldest first.
struct Decisions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List decisions: about a number, for a campaign, with a verdict or reason, in a period.",
        discussion: """
            One line per decision, oldest first: when it was journaled, the verdict and reason, then \
            key=value fields as on the wire (seq, run, campaign, number, at, id, peer-pid, peer-uid, \
            rule, regime, snapshot, lists-as-of, facts), and writer-pid, the process journald saw write it.
            """)

    @Argument(help: "Only decisions about this number (any written form); found through its pseudonym.")
    var number: String?

    @Option(name: .long, help: "Only decisions for this campaign.")
    var campaign: String?

    @Option(name: .long, help: "Only ALLOW or only DENY decisions (either case).")
    var verdict: String?

    @Option(name: .long, help: "Only decisions with this reason (for example bloctel, consent).")
    var reason: String?

    @Option(name: .long, help: "The audit key file, to find a number's pseudonym.")
    var keyFile = "/var/lib/dialgate/audit.key"

    @OptionGroup var scope: AuditScope

    func run() throws {
        let verdict = self.verdict?.uppercased()
        if let verdict, verdict != "ALLOW", verdict != "DENY" {
            throw fail("--verdict must be ALLOW or DENY, not '\(self.verdict ?? "")'")
        }
        // A typo'd reason would match nothing and read as "no such decision".
        if let reason, Reason(rawValue: reason) == nil {
            let known = Reason.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("--reason '\(reason)' is not a reason dialgate gives; the reasons are: \(known)")
        }
        let pseudonym = try number.map { try Pseudonym.of($0, keyFile: keyFile) }
        let matches = [
            ("DIALGATE_NUMBER_HMAC", pseudonym), ("DIALGATE_CAMPAIGN", campaign), ("DIALGATE_VERDICT", verdict),
            ("DIALGATE_REASON", reason),
        ].compactMap { field, value in value.map { (field: field, value: $0) } }
        let (reader, end) = try scope.open(messageIDs: [AuditMessageID.decision], matching: matches)
        do {
            var printed = 0
            while let (fields, written) = try reader.next(before: end) {
                print(Self.line(fields, written: written))
                printed += 1
            }
            if printed == 0 {
                FileHandle.standardError.write(Data("dialgate: no decision matched\n".utf8))
                throw ExitCode(1)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail("cannot read the journal: \(error)")
        }
    }

    /// The journal fields of a decision, and the wire's keys they are printed under.
    private static let printed: [(field: String, key: String)] = [
        ("DIALGATE_SEQ", "seq"), ("DIALGATE_RUN", "run"), ("DIALGATE_CAMPAIGN", "campaign"),
        ("DIALGATE_NUMBER", "number"), ("DIALGATE_NUMBER_HMAC", "number-hmac"), ("DIALGATE_NUMBER_ERROR", "number-error"),
        ("DIALGATE_AT", "at"), ("DIALGATE_DRY_RUN", "dry-run"), ("DIALGATE_REQUEST_ID", "id"),
        ("DIALGATE_PEER_PID", "peer-pid"), ("DIALGATE_PEER_UID", "peer-uid"), ("DIALGATE_RULE", "rule"),
        ("DIALGATE_REGIME", "regime"), ("DIALGATE_SNAPSHOT", "snapshot"), ("DIALGATE_LISTS_ASOF", "lists-as-of"),
        ("DIALGATE_FACTS", "facts"),
        // journald's record of the process that wrote the entry: the daemon's, which
        // `audit verify` prints as pid=, unless someone else forged it.
        ("_PID", "writer-pid"),
    ]

    static func line(_ fields: [String: String], written: Date) -> String {
        let head = [ISOInstant.format(written), fields["DIALGATE_VERDICT"] ?? "-", fields["DIALGATE_REASON"] ?? "-"]
        let rest = printed.compactMap { name in fields[name.field].map { Fact(name.key, $0) } }
        return (head + [Response.fieldText(rest)]).joined(separator: " ")
    }
}

/// `dialgate audit verify`: proves that no audit entry (decision or ledger event) of any run in
/// scope is missing.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that no audit entry is missing from the journal (exit 0 whole, 1 missing, 2 error).",
        discussion: """
            Each daemon run numbers its audit entries 1, 2, 3... (DIALGATE_SEQ), decisions and ledger \
            events (opt-out, consent, attempt, refusal, revoke) in one sequence, and journals its \
            start and, when it stops, its last number; ledger events without a number (older daemons) \
            are not counted. One line per run: its numbers, what is missing, the pid that wrote it, \
            entries of the run another process wrote (foreign=), and result=complete or incomplete. \
            head=unchecked: the run's start entry is not in scope (before --since, or vacuumed away); \
            tail=unchecked: it is still running or did not stop cleanly. The running daemon reads its \
            own entries back too, and journals an alert (MESSAGE_ID cf264523e7004521ac4e0bce4b4c7d3f) \
            naming the numbers it finds missing: the same numbers this command names.
            """)

    @OptionGroup var scope: AuditScope

    func run() throws {
        // Every numbered entry of a run counts: decisions, ledger events, refused requests,
        // abandonment notes. They share one sequence, so a missing one of any kind shows.
        let (reader, end) = try scope.open(
            messageIDs: [AuditMessageID.started] + AuditMessageID.numbered + [AuditMessageID.stopping])
        var continuity = AuditContinuity()
        do {
            let wanted = ["MESSAGE_ID", "DIALGATE_RUN", "DIALGATE_SEQ", "DIALGATE_LAST_SEQ", "_PID"]
            while let (fields, written) = try reader.next(before: end, fields: wanted) {
                guard let run = fields["DIALGATE_RUN"] else { continue }
                // journald's own record of the writing process; "?" if missing (never for
                // entries sent through its socket), which then matches no real process.
                let writer = fields["_PID"] ?? "?"
                switch fields["MESSAGE_ID"] {
                case AuditMessageID.started:
                    continuity.started(run: run, at: written, writer: writer)
                case AuditMessageID.stopping:
                    guard let last = fields["DIALGATE_LAST_SEQ"].flatMap(UInt64.init) else { continue }
                    continuity.stopped(run: run, lastSeq: last, at: written, writer: writer)
                default:
                    // A decision or a ledger event: one sequence for both. Entries without a
                    // number (ledger events of older daemons) prove nothing either way.
                    guard let seq = fields["DIALGATE_SEQ"].flatMap(UInt64.init) else { continue }
                    continuity.decision(run: run, seq: seq, writer: writer)
                }
            }
        } catch {
            throw fail("cannot read the journal: \(error)")
        }
        let runs = continuity.report
        // Nothing read proves nothing: no journal access, a wrong --run, a period with no run.
        guard !runs.isEmpty else {
            throw fail(
                "no audit entry in scope, so nothing is verified: check --run, --since and --until, and that this user "
                    + "may read the journal (root or the systemd-journal group)")
        }
        for run in runs { print(Self.line(run)) }
        let missing = runs.reduce(0) { $0 + $1.missingCount }
        let whole = runs.allSatisfy(\.isComplete)
        let entries = runs.reduce(0) { $0 + $1.entries }
        print(Response.fieldText([
            Fact("runs", String(runs.count)), Fact("entries", String(entries)), Fact("missing", String(missing)),
            Fact("result", whole ? "complete" : "incomplete"),
        ]))
        if !whole { throw ExitCode(1) }
    }

    static func line(_ run: AuditContinuity.Run) -> String {
        var fields = [Fact("run", run.id)]
        fields.append(Fact("started", run.startedAt.map(ISOInstant.format) ?? "-"))
        fields.append(Fact("stopped", run.stoppedAt.map(ISOInstant.format) ?? "-"))
        if let lowest = run.lowest, let highest = run.highest { fields.append(Fact("seq", "\(lowest)..\(highest)")) }
        fields.append(Fact("entries", String(run.entries)))
        if let last = run.lastAnnounced { fields.append(Fact("last-seq", String(last))) }
        fields.append(Fact("missing", run.missing.sequenceText))
        if !run.repeated.isEmpty { fields.append(Fact("repeated", run.repeated.map(String.init).joined(separator: ","))) }
        if let writer = run.writer { fields.append(Fact("pid", writer)) }
        if run.foreign > 0 { fields.append(Fact("foreign", String(run.foreign))) }
        if run.startedAt == nil { fields.append(Fact("head", "unchecked")) }
        if run.stoppedAt == nil { fields.append(Fact("tail", "unchecked")) }
        fields.append(Fact("result", run.isComplete ? "complete" : "incomplete"))
        return Response.fieldText(fields)
    }
}
