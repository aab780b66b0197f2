import ArgumentParser
import DialGateAudit
import DialGateCore
import DialGateProtocol
import DialGateSystemd
import Foundation

/// `dialgate audit decisions`: every decision in scope, oldest first: one line each, or CSV,
/// or one JSON object each.
struct Decisions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List decisions: about a number, for a campaign, with a verdict or reason, in a period.",
        discussion: """
            One line per decision, oldest first: when it was journaled, the verdict and reason, then \
            key=value fields as on the wire (seq, run, campaign, number, at, id, peer-pid, peer-uid, \
            rule, regime, snapshot, lists-as-of, facts), and writer-pid, the process journald saw write it. \
            --format csv: the same and every other decision field, one column each, after a header row. \
            --format jsonl: one JSON object per decision with every DIALGATE_* field under its journal \
            name, written (when journaled) and writer_pid. Exit 1 when no decision matched.
            """)

    @Argument(help: "Only decisions about this number (any written form); found through its pseudonym.")
    var number: String?

    @Option(name: .long, help: "Only decisions for this campaign.")
    var campaign: String?

    @Option(name: .long, help: "Only ALLOW or only DENY decisions (either case).")
    var verdict: String?

    @Option(name: .long, help: "Only decisions with this reason (for example bloctel, consent).")
    var reason: String?

    @OptionGroup var key: AuditKeyOption

    @OptionGroup var scope: AuditScope

    @OptionGroup var output: FormatOption

    func run() throws {
        let format = try output.parsed()
        let verdict = self.verdict?.uppercased()
        if let verdict, verdict != "ALLOW", verdict != "DENY" {
            throw fail("--verdict must be ALLOW or DENY, not '\(self.verdict ?? "")'")
        }
        // A typo'd reason would match nothing and read as "no such decision".
        if let reason, Reason(rawValue: reason) == nil {
            let known = Reason.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("--reason '\(reason)' is not a reason dialgate gives; the reasons are: \(known)")
        }
        _ = try scope.bounds()
        let pseudonym = try number.map { try Pseudonym.of($0, keyFile: try key.path()) }
        let matches = [
            (AuditField.numberHMAC, pseudonym), (AuditField.campaign, campaign), (AuditField.verdict, verdict),
            (AuditField.reason, reason),
        ].compactMap { field, value in value.map { (field: field, value: $0) } }
        let (reader, end) = try scope.open(messageIDs: [AuditMessageID.decision], matching: matches)
        do {
            var printed = 0
            if format == .csv { print(CSV.row(Self.csvColumns.map(\.header))) }
            while let (fields, written) = try reader.next(before: end) {
                switch format {
                case .table: print(Self.line(fields, written: written))
                case .csv: print(Self.csvRow(fields, written: written))
                case .jsonl: print(Self.jsonLine(fields, written: written))
                }
                printed += 1
            }
            if printed == 0 {
                note("no decision matched")
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
        (AuditField.seq, "seq"), (AuditField.run, "run"), (AuditField.campaign, "campaign"),
        (AuditField.number, "number"), (AuditField.numberHMAC, "number-hmac"), (AuditField.numberError, "number-error"),
        (AuditField.at, "at"), (AuditField.dryRun, "dry-run"), (AuditField.requestID, "id"),
        (AuditField.peerPID, "peer-pid"), (AuditField.peerUID, "peer-uid"), (AuditField.rule, "rule"),
        (AuditField.regime, "regime"), (AuditField.snapshot, "snapshot"), (AuditField.listsAsOf, "lists-as-of"),
        (AuditField.facts, "facts"),
        // journald's record of the process that wrote the entry: the daemon's, which
        // `audit verify` prints as pid=, unless someone else forged it.
        ("_PID", "writer-pid"),
    ]

    static func line(_ fields: [String: String], written: Date) -> String {
        let head = [ISOInstant.format(written), fields[AuditField.verdict] ?? "-", fields[AuditField.reason] ?? "-"]
        let rest = printed.compactMap { name in fields[name.field].map { Fact(name.key, $0) } }
        return (head + [Response.fieldText(rest)]).joined(separator: " ")
    }

    /// The CSV columns: the line's, in its order, then the other fields a decision may have.
    static let csvColumns: [(header: String, field: String)] = [
        ("written", ""), ("verdict", AuditField.verdict), ("reason", AuditField.reason), ("seq", AuditField.seq),
        ("run", AuditField.run), ("campaign", AuditField.campaign), ("number", AuditField.number),
        ("number-hmac", AuditField.numberHMAC), ("number-error", AuditField.numberError), ("at", AuditField.at),
        ("client-at", AuditField.clientAt), ("dry-run", AuditField.dryRun), ("id", AuditField.requestID),
        ("peer-pid", AuditField.peerPID), ("peer-uid", AuditField.peerUID), ("peer-gid", AuditField.peerGID),
        ("rule", AuditField.rule), ("regime", AuditField.regime), ("snapshot", AuditField.snapshot),
        ("lists-as-of", AuditField.listsAsOf), ("reservation", AuditField.reservation),
        ("deadline-ms", AuditField.deadlineMilliseconds), ("facts", AuditField.facts), ("writer-pid", "_PID"),
    ]

    static func csvRow(_ fields: [String: String], written: Date) -> String {
        CSV.row(csvColumns.map { column in column.field.isEmpty ? ISOInstant.format(written) : fields[column.field] ?? "" })
    }

    /// Every DIALGATE_* field under its journal name, `written` and `writer_pid`, keys sorted.
    static func jsonLine(_ fields: [String: String], written: Date) -> String {
        var object = fields.filter { $0.key.hasPrefix("DIALGATE_") }
        object["written"] = ISOInstant.format(written)
        if let pid = fields["_PID"] { object["writer_pid"] = pid }
        return JSONText.sortedObject(object).text
    }
}
