import ArgumentParser
import DialGateAudit
import DialGateCore
import DialGateProtocol
import DialGateSystemd
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `dialgate audit report`: the evidence of a period in one self-contained HTML file, for an
/// auditor to keep or hand over.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one self-contained HTML report of a period: runs and continuity, counts, a chart, lists and policy in force.",
        discussion: """
            The report holds: the period, the host and this command line; each daemon run with an \
            entry in the period and its continuity (as audit verify); the decisions by verdict, reason, \
            campaign and day, and a chart of decisions per day; the list snapshots loaded or used, each \
            file with its SHA-256; the policy values and campaigns in force. It has no script and no \
            external asset. Exit 0 written and complete, 1 written but the trail is incomplete, 2 error \
            (nothing written; reading no audit entry at all is an error, not an empty report).
            """)

    @OptionGroup var scope: AuditScope

    @Option(name: .long, help: "The HTML file to write (replaced whole, or not at all).")
    var output: String?

    func run() throws {
        guard scope.since != nil, scope.until != nil else {
            throw fail("--since and --until are required: a report is of a period")
        }
        guard let output, !output.isEmpty else { throw fail("--output FILE.html is required") }
        let (start, end) = try scope.bounds()
        try Self.checkWritable(output)

        let abandoned = try scope.abandonedDecisions()
        var continuity = AuditContinuity()
        var tally = DecisionTally()
        var bySnapshot: [String: UInt64] = [:]
        var days = LocalDays()
        var late: UInt64 = 0
        var read = 0
        let wanted = [AuditField.verdict, AuditField.reason, AuditField.campaign, AuditField.dryRun, AuditField.snapshot]
        try Verify.read(scope, fields: wanted) { fields, written in
            read += 1
            let own = Verify.feed(&continuity, fields, written: written)
            guard own, fields["MESSAGE_ID"] == AuditMessageID.decision else { return }
            let isLate = abandoned.contains((fields[AuditField.run] ?? "-") + "/" + (fields[AuditField.seq] ?? "-"))
            if isLate { late += 1 }
            tally.add(
                day: days.day(of: written), campaign: fields[AuditField.campaign] ?? "-",
                answer: DecisionAnswer(fields: fields, abandoned: isLate))
            bySnapshot[fields[AuditField.snapshot] ?? "-", default: 0] += 1
        }
        let runs = continuity.report
        guard read > 0, !runs.isEmpty else {
            throw fail(
                "no audit entry between --since and --until, so there is nothing to report (nothing written): check the period, "
                    + "--run, and that this user may read the journal (root or the systemd-journal group)")
        }
        let since = Date(timeIntervalSince1970: Double(start!) / 1_000_000)
        let until = Date(timeIntervalSince1970: Double(end!) / 1_000_000)
        let loads = try Self.loads(scope, runs: runs, since: start!, used: bySnapshot.keys.filter { $0 != "-" })
        let policies = try Self.policies(scope, runs: runs, since: start!)
        let document = AuditReportDocument(
            since: since, until: until, generatedAt: Date(), host: Provenance.host, commandLine: Provenance.commandLine,
            version: "dialgate \(Release.version)", runs: runs, tally: tally, decisionsBySnapshot: bySnapshot,
            foreign: runs.reduce(0) { $0 + $1.foreign }, abandoned: late, loads: loads, policies: policies)
        try Self.write(document.html, to: output)
        let whole = document.isComplete
        print(Response.fieldText([
            Fact("report", output), Fact("runs", String(runs.count)), Fact("decisions", String(tally.total)),
            Fact("snapshots", String(Set(loads.map(\.snapshot)).union(bySnapshot.keys.filter { $0 != "-" }).count)),
            Fact("policies", String(Set(policies.map(\.id)).count)), Fact("result", whole ? "complete" : "incomplete"),
        ]))
        if !whole { throw ExitCode(1) }
    }

    /// The list loads in scope; for each run, the load in force when the period began; and for
    /// each snapshot a decision used that no load above explains, a load of it from anywhere
    /// in the journal.
    static func loads(_ scope: AuditScope, runs: [AuditContinuity.Run], since: UInt64, used: [String]) throws
        -> [AuditReportDocument.ListLoad]
    {
        var before: [AuditReportDocument.ListLoad] = []
        var during: [AuditReportDocument.ListLoad] = []
        try journalRead {
            let (reader, end) = try scope.open(messageIDs: [AuditMessageID.listReloaded])
            while let (fields, written) = try reader.next(before: end) {
                if let load = load(fields, written: written, before: false) { during.append(load) }
            }
            for run in runs {
                let reader = try AuditScope.openJournal()
                try reader.addMatch("MESSAGE_ID", AuditMessageID.listReloaded)
                try reader.addMatch(AuditField.run, run.id)
                if let (fields, written) = try reader.last(before: since), let load = load(fields, written: written, before: true) {
                    before.append(load)
                }
            }
            let known = Set((before + during).map(\.snapshot))
            for snapshot in used.sorted() where !known.contains(snapshot) {
                let reader = try AuditScope.openJournal()
                try reader.addMatch("MESSAGE_ID", AuditMessageID.listReloaded)
                try reader.addMatch(AuditField.snapshot, snapshot)
                try reader.seekHead()
                if let fields = try reader.next(), let load = load(fields, written: try reader.written(), before: true) {
                    before.append(load)
                }
            }
        }
        return before.sorted { $0.at < $1.at } + during
    }

    static func load(_ fields: [String: String], written: Date, before: Bool) -> AuditReportDocument.ListLoad? {
        guard let snapshot = fields[AuditField.snapshot] else { return nil }
        return AuditReportDocument.ListLoad(
            at: written, run: fields[AuditField.run], trigger: fields[AuditField.trigger], snapshot: snapshot,
            snapshotSHA256: fields[AuditField.snapshotSHA256], manifest: fields[AuditField.manifest].flatMap(ListManifest.init(json:)),
            beforePeriod: before)
    }

    /// The policy entries in scope, and for each run the one in force when the period began.
    static func policies(_ scope: AuditScope, runs: [AuditContinuity.Run], since: UInt64) throws -> [AuditReportDocument.PolicyEntry] {
        var before: [AuditReportDocument.PolicyEntry] = []
        var during: [AuditReportDocument.PolicyEntry] = []
        func entry(_ fields: [String: String], _ written: Date, before: Bool) -> AuditReportDocument.PolicyEntry? {
            guard let id = fields[AuditField.policyID] else { return nil }
            let record = fields[AuditField.policy].flatMap { PolicyRecord(policyJSON: $0, campaignsJSON: fields[AuditField.campaigns]) }
            return AuditReportDocument.PolicyEntry(
                at: written, run: fields[AuditField.run], trigger: fields[AuditField.trigger], id: id, record: record,
                beforePeriod: before)
        }
        try journalRead {
            let (reader, end) = try scope.open(messageIDs: [AuditMessageID.policyInForce])
            while let (fields, written) = try reader.next(before: end) {
                if let policy = entry(fields, written, before: false) { during.append(policy) }
            }
            for run in runs {
                let reader = try AuditScope.openJournal()
                try reader.addMatch("MESSAGE_ID", AuditMessageID.policyInForce)
                try reader.addMatch(AuditField.run, run.id)
                if let (fields, written) = try reader.last(before: since), let policy = entry(fields, written, before: true) {
                    before.append(policy)
                }
            }
        }
        return before.sorted { $0.at < $1.at } + during
    }

    /// Runs journal reads, turning a journal error into exit 2.
    private static func journalRead(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail("cannot read the journal: \(error)")
        }
    }

    /// Refuses, before anything is read, an output that cannot be written: a directory, or a
    /// file in a directory that does not exist or that this user may not write.
    static func checkWritable(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw fail("--output \(path) is a directory: name the HTML file to write")
        }
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw fail("--output \(path): no directory \(directory) to write it in")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw fail("--output \(path): this user may not write in \(directory)")
        }
    }

    /// Writes `text` to `path` whole or not at all: into a hidden file beside it, synced, then
    /// renamed over it.
    static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try Data(text.utf8).write(to: temporary, options: [])
            let descriptor = open(temporary.path, O_RDONLY)
            if descriptor >= 0 {
                _ = fsync(descriptor)
                close(descriptor)
            }
            guard rename(temporary.path, path) == 0 else {
                throw fail("cannot write \(path): rename: \(String(cString: strerror(errno)))")
            }
        } catch let exit as ExitCode {
            try? FileManager.default.removeItem(at: temporary)
            throw exit
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw fail("cannot write \(path): \(error.localizedDescription)")
        }
    }
}

extension JournalReader {
    /// When the current entry was written.
    func written() throws -> Date {
        Date(timeIntervalSince1970: Double(try realtimeMicroseconds()) / 1_000_000)
    }
}
