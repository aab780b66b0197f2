import ArgumentParser
import DialGateAudit
import DialGateCore
import DialGateSystemd
import Foundation

/// `dialgate audit summary`: how many decisions of each kind, in a period: by verdict, reason,
/// campaign and day.
struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count decisions by verdict, reason, campaign and day (this machine's local days).",
        discussion: """
            Counts what the clients were answered: ALLOW and DENY for a CHECK, WOULD-ALLOW and \
            WOULD-DENY for a PLAN (never a permission), and DENY audit-unavailable for a decision \
            whose entry reached the journal after its deadline, whatever the entry says. A day is \
            the local day (this machine's time zone) the decision was journaled. Entries another \
            process wrote under a run's id are not counted. --format csv or jsonl: one row per day, \
            campaign, verdict and reason with its count. Exit 1 when no decision matched.
            """)

    @Option(name: .long, help: "Only decisions for this campaign.")
    var campaign: String?

    @OptionGroup var scope: AuditScope

    @OptionGroup var output: FormatOption

    func run() throws {
        let format = try output.parsed()
        _ = try scope.bounds()
        let (tally, counted) = try Self.tally(scope, campaign: campaign)
        guard tally.total > 0 else {
            note("no decision matched" + (counted.foreign > 0 ? " (\(counted.foreign) entries written by another process not counted)" : ""))
            throw ExitCode(1)
        }
        switch format {
        case .table:
            print(tally.table, terminator: "")
            if counted.abandoned > 0 { print("\n\(counted.abandoned) answered DENY audit-unavailable after their deadline (counted so)") }
            if counted.foreign > 0 { print("\n\(counted.foreign) entries written under a run's id by another process: not counted") }
        case .csv: print(tally.csv, terminator: "")
        case .jsonl: print(tally.jsonl, terminator: "")
        }
    }

    /// What was left out or recounted while counting.
    struct Counted {
        var abandoned: UInt64 = 0
        var foreign: UInt64 = 0
    }

    /// The decisions in scope (of one campaign, when given), counted by what they answered.
    static func tally(_ scope: AuditScope, campaign: String?) throws -> (DecisionTally, Counted) {
        let abandoned = try scope.abandonedDecisions()
        let matches = campaign.map { [(field: AuditField.campaign, value: $0)] } ?? []
        let (reader, end) = try scope.open(messageIDs: [AuditMessageID.decision], matching: matches)
        var tally = DecisionTally()
        var counted = Counted()
        var writers = RunWriters()
        var days = LocalDays()
        let wanted = [
            AuditField.verdict, AuditField.reason, AuditField.campaign, AuditField.dryRun, AuditField.run, AuditField.seq, "_PID",
        ]
        do {
            while let (fields, written) = try reader.next(before: end, fields: wanted) {
                let run = fields[AuditField.run] ?? "-"
                guard writers.accepts(run: run, writer: fields["_PID"] ?? "?") else { continue }
                let late = abandoned.contains(run + "/" + (fields[AuditField.seq] ?? "-"))
                if late { counted.abandoned += 1 }
                tally.add(
                    day: days.day(of: written), campaign: fields[AuditField.campaign] ?? "-",
                    answer: DecisionAnswer(fields: fields, abandoned: late))
            }
        } catch {
            throw fail("cannot read the journal: \(error)")
        }
        counted.foreign = writers.foreign
        return (tally, counted)
    }
}
