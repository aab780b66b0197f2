import ArgumentParser
import DialGateAudit
import DialGateCore
import DialGateProtocol
import DialGateSystemd
import Foundation

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
            naming the numbers it finds missing: the same numbers this command names. \
            --format csv or jsonl: one row or object per run, the same values (no total line).
            """)

    @OptionGroup var scope: AuditScope

    @OptionGroup var output: FormatOption

    func run() throws {
        let format = try output.parsed()
        let runs = try Self.continuity(scope)
        // Nothing read proves nothing: no journal access, a wrong --run, a period with no run.
        guard !runs.isEmpty else {
            throw fail(
                "no audit entry in scope, so nothing is verified: check --run, --since and --until, and that this user "
                    + "may read the journal (root or the systemd-journal group)")
        }
        switch format {
        case .table:
            for run in runs { print(Self.line(run)) }
            let missing = runs.reduce(0) { $0 + $1.missingCount }
            let entries = runs.reduce(0) { $0 + $1.entries }
            print(Response.fieldText([
                Fact("runs", String(runs.count)), Fact("entries", String(entries)), Fact("missing", String(missing)),
                Fact("result", runs.allSatisfy(\.isComplete) ? "complete" : "incomplete"),
            ]))
        case .csv:
            print(CSV.row(Self.columns))
            for run in runs { print(CSV.row(Self.values(run))) }
        case .jsonl:
            for run in runs {
                print(JSONText.object(zip(Self.columns, Self.values(run)).map { (key: $0, value: .string($1)) }).text)
            }
        }
        if !runs.allSatisfy(\.isComplete) { throw ExitCode(1) }
    }

    /// Reads the start, numbered and stop entries in scope into each run's continuity.
    static func continuity(_ scope: AuditScope) throws -> [AuditContinuity.Run] {
        var continuity = AuditContinuity()
        try read(scope, fields: []) { fields, written in feed(&continuity, fields, written: written) }
        return continuity.report
    }

    /// The fields continuity needs.
    static let continuityFields = ["MESSAGE_ID", AuditField.run, AuditField.seq, AuditField.lastSeq, "_PID"]

    /// Calls `body` with each start, numbered and stop entry in scope, with the continuity
    /// fields and `fields`.
    static func read(_ scope: AuditScope, fields extra: [String], _ body: ([String: String], Date) throws -> Void) throws {
        // Every numbered entry of a run counts: decisions, ledger events, refused requests,
        // abandonment notes. They share one sequence, so a missing one of any kind shows.
        let (reader, end) = try scope.open(
            messageIDs: [AuditMessageID.started] + AuditMessageID.numbered + [AuditMessageID.stopping])
        do {
            while let (fields, written) = try reader.next(before: end, fields: continuityFields + extra) {
                try body(fields, written)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail("cannot read the journal: \(error)")
        }
    }

    /// Feeds one entry to `continuity`; whether it counted for its run (not foreign, not ignored).
    @discardableResult
    static func feed(_ continuity: inout AuditContinuity, _ fields: [String: String], written: Date) -> Bool {
        guard let run = fields[AuditField.run] else { return false }
        // journald's own record of the writing process; "?" if missing (never for
        // entries sent through its socket), which then matches no real process.
        let writer = fields["_PID"] ?? "?"
        switch fields["MESSAGE_ID"] {
        case AuditMessageID.started:
            return continuity.started(run: run, at: written, writer: writer)
        case AuditMessageID.stopping:
            guard let last = fields[AuditField.lastSeq].flatMap(UInt64.init) else { return false }
            return continuity.stopped(run: run, lastSeq: last, at: written, writer: writer)
        default:
            // A decision or a ledger event: one sequence for both. Entries without a
            // number (ledger events of older daemons) prove nothing either way.
            guard let seq = fields[AuditField.seq].flatMap(UInt64.init) else { return false }
            return continuity.decision(run: run, seq: seq, writer: writer)
        }
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

    /// The CSV and JSON names of a run's values.
    static let columns = [
        "run", "started", "stopped", "first_seq", "last_seq_read", "entries", "last_seq", "missing", "missing_count",
        "repeated", "pid", "foreign", "head", "tail", "result",
    ]

    static func values(_ run: AuditContinuity.Run) -> [String] {
        [
            run.id, run.startedAt.map(ISOInstant.format) ?? "", run.stoppedAt.map(ISOInstant.format) ?? "",
            run.lowest.map(String.init) ?? "", run.highest.map(String.init) ?? "", String(run.entries),
            run.lastAnnounced.map(String.init) ?? "", run.missing.isEmpty ? "" : run.missing.sequenceText,
            String(run.missingCount), run.repeated.map(String.init).joined(separator: ","), run.writer ?? "",
            String(run.foreign), run.startedAt == nil ? "unchecked" : "checked", run.stoppedAt == nil ? "unchecked" : "checked",
            run.isComplete ? "complete" : "incomplete",
        ]
    }
}
