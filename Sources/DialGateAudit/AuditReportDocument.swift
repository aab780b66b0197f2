import Foundation

/// The evidence of one period as one self-contained HTML file: what `dialgate audit report`
/// writes for an auditor to keep or hand over. Inline CSS and an inline SVG chart, no script
/// and no external asset, so it reads the same offline and years later. Every text that comes
/// from the journal is escaped (`HTML.escape`).
///
/// Pure: the command reads the journal into this value; the tests build one directly.
public struct AuditReportDocument: Sendable {
    /// A list load read from the journal (`MESSAGE_ID=f093e165…`).
    public struct ListLoad: Sendable {
        public var at: Date
        public var run: String?
        public var trigger: String?
        public var snapshot: String
        public var snapshotSHA256: String?
        /// nil when the entry holds no manifest (written by a daemon before manifests).
        public var manifest: ListManifest?
        /// Before the period: the load in force when it began.
        public var beforePeriod: Bool

        public init(
            at: Date, run: String?, trigger: String?, snapshot: String, snapshotSHA256: String?, manifest: ListManifest?,
            beforePeriod: Bool
        ) {
            self.at = at
            self.run = run
            self.trigger = trigger
            self.snapshot = snapshot
            self.snapshotSHA256 = snapshotSHA256
            self.manifest = manifest
            self.beforePeriod = beforePeriod
        }
    }

    /// A policy entry read from the journal (`MESSAGE_ID=40d4ec40…`).
    public struct PolicyEntry: Sendable {
        public var at: Date
        public var run: String?
        public var trigger: String?
        public var id: String
        /// nil when its JSON could not be read.
        public var record: PolicyRecord?
        public var beforePeriod: Bool

        public init(at: Date, run: String?, trigger: String?, id: String, record: PolicyRecord?, beforePeriod: Bool) {
            self.at = at
            self.run = run
            self.trigger = trigger
            self.id = id
            self.record = record
            self.beforePeriod = beforePeriod
        }
    }

    public var since: Date
    public var until: Date
    public var generatedAt: Date
    public var host: String
    public var commandLine: String
    public var version: String
    public var timeZone: TimeZone
    /// Every run with an entry in the period, with its continuity.
    public var runs: [AuditContinuity.Run]
    /// The decisions of the period, by what they answered.
    public var tally: DecisionTally
    /// Decisions of the period by the snapshot they were made from.
    public var decisionsBySnapshot: [String: UInt64]
    /// Entries with a run's id that another process wrote: never counted as decisions.
    public var foreign: UInt64
    /// Decisions whose answer was a DENY audit-unavailable after their deadline.
    public var abandoned: UInt64
    /// The list loads of the period, and of each run the one in force when the period began.
    public var loads: [ListLoad]
    /// The policy entries of the period, and of each run the one in force when it began.
    public var policies: [PolicyEntry]

    public init(
        since: Date, until: Date, generatedAt: Date, host: String, commandLine: String, version: String,
        timeZone: TimeZone = .current, runs: [AuditContinuity.Run], tally: DecisionTally,
        decisionsBySnapshot: [String: UInt64], foreign: UInt64, abandoned: UInt64, loads: [ListLoad],
        policies: [PolicyEntry]
    ) {
        self.since = since
        self.until = until
        self.generatedAt = generatedAt
        self.host = host
        self.commandLine = commandLine
        self.version = version
        self.timeZone = timeZone
        self.runs = runs
        self.tally = tally
        self.decisionsBySnapshot = decisionsBySnapshot
        self.foreign = foreign
        self.abandoned = abandoned
        self.loads = loads
        self.policies = policies
    }

    /// Whether every run of the period is whole.
    public var isComplete: Bool { runs.allSatisfy(\.isComplete) }

    /// Days of the chart: every local day from `since` to the last instant before `until`.
    public var days: [String] {
        var local = LocalDays(timeZone: timeZone)
        let first = local.day(of: since)
        let last = local.day(of: max(since, until.addingTimeInterval(-0.001)))
        return local.days(from: first, through: last)
    }

    // MARK: rendering

    public var html: String {
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="generator" content="\(e(version))">
            <title>dialgate audit report \(e(time(since))) to \(e(time(until)))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <h1>dialgate audit report</h1>

            """
        page += section("Period and provenance") {
            definitions([
                ("Period", "from \(time(since)) to \(time(until)) (entries journaled at or after the start and before the end)"),
                ("Time zone", "\(timeZone.identifier) (days and times of this report)"),
                ("Host", host),
                ("Command line", commandLine),
                ("Generated", "\(time(generatedAt)) by \(version)"),
            ])
        }
        page += section("Continuity of the trail") { continuity }
        page += section("Decisions") { decisions }
        page += section("Decisions per day") {
            "<figure>\(DayChart(days: days, tally: tally).svg)<figcaption>Decisions per day (local days, \(e(timeZone.identifier))) by answer. "
                + "WOULD-ALLOW and WOULD-DENY answer a PLAN about another instant: never a permission to call.</figcaption></figure>\n"
        }
        page += section("Lists in force") { lists }
        page += section("Policy in force") { policy }
        page += section("How to check this report") { howToCheck }
        page += "</body>\n</html>\n"
        return page
    }

    private var continuity: String {
        var out = ""
        let missing = runs.reduce(0) { $0 + $1.missingCount }
        if isComplete {
            out += "<p class=\"ok\"><strong>Complete</strong>: every numbered entry of the \(runs.count) run(s) below is in the journal.</p>\n"
        } else {
            out += "<p class=\"bad\"><strong>Incomplete</strong>: \(missing) \(missing == 1 ? "entry" : "entries") missing"
            let foreignRuns = runs.filter { $0.foreign > 0 }.count
            if foreignRuns > 0 { out += "; entries another process wrote under a run id in \(foreignRuns) run(s)" }
            out += ". A missing entry is a decision or event whose proof the journal no longer holds.</p>\n"
        }
        if runs.contains(where: { $0.startedAt == nil || $0.stoppedAt == nil }) {
            out += "<p>head=unchecked: the run started before the period (or its start entry was vacuumed), so its first "
                + "numbers are not checked; tail=unchecked: it was still running, or did not stop cleanly, at the end of the period.</p>\n"
        }
        let rows = runs.map { run -> [String] in
            var notes: [String] = []
            if run.startedAt == nil { notes.append("head=unchecked") }
            if run.stoppedAt == nil { notes.append("tail=unchecked") }
            if run.foreign > 0 { notes.append("foreign=\(run.foreign)") }
            if !run.repeated.isEmpty { notes.append("repeated=" + run.repeated.map(String.init).joined(separator: ",")) }
            let seq = run.lowest.flatMap { low in run.highest.map { "\(low)..\($0)" } } ?? "-"
            return [
                run.id, run.writer ?? "-", run.startedAt.map(time) ?? "-", run.stoppedAt.map(time) ?? "-", seq,
                String(run.entries), run.lastAnnounced.map(String.init) ?? "-", run.missing.sequenceText,
                notes.joined(separator: " "), run.isComplete ? "complete" : "incomplete",
            ]
        }
        out += table(
            ["run", "pid", "started", "stopped", "seq", "entries", "last-seq", "missing", "notes", "result"], rows,
            classes: { row in row.last == "complete" ? "" : "bad" })
        return out
    }

    private var decisions: String {
        var out = "<p>\(tally.total) decisions"
        let verdicts = tally.breakdown(by: .verdict)
        if !verdicts.isEmpty { out += ": " + verdicts.map { "\(e($0.value)) \($0.total)" }.joined(separator: ", ") }
        out += ".</p>\n"
        if abandoned > 0 {
            out += "<p>\(abandoned) of them reached the journal after their deadline and were answered DENY audit-unavailable, "
                + "whatever their entry says: they are counted as such.</p>\n"
        }
        if foreign > 0 {
            out += "<p class=\"bad\">\(foreign) entries carry a run's id but were written by another process: they are not counted.</p>\n"
        }
        let columns = tally.verdicts
        out += "<h3>By verdict and reason</h3>\n"
        out += table(["verdict", "reason", "decisions"], tally.reasonsByVerdict.map { [$0.verdict, $0.reason, String($0.count)] })
        out += "<h3>By campaign</h3>\n"
        out += table(
            ["campaign"] + columns + ["total"],
            tally.breakdown(by: .campaign).map { line in
                [line.value] + columns.map { String(line.byVerdict[$0] ?? 0) } + [String(line.total)]
            })
        out += "<h3>By day</h3>\n"
        out += table(
            ["day"] + columns + ["total"],
            tally.breakdown(by: .day).map { line in
                [line.value] + columns.map { String(line.byVerdict[$0] ?? 0) } + [String(line.total)]
            })
        return out
    }

    private var lists: String {
        var out = "<p>Each decision names the snapshot of lists it was made from (DIALGATE_SNAPSHOT): the first 16 hex digits "
            + "of the SHA-256 of its manifest, the files' <code>sha256sum</code> lines in the byte order of their names.</p>\n"
        out += "<h3>Loads</h3>\n"
        out += table(
            ["journaled", "run", "trigger", "snapshot", "files", "note"],
            loads.map { load in
                [
                    time(load.at), load.run ?? "-", load.trigger ?? "-", load.snapshot, load.manifest.map { String($0.files.count) } ?? "-",
                    load.beforePeriod ? "in force when the period began" : "",
                ]
            })
        // Every snapshot met: loaded, or used by a decision.
        var ids: [String] = []
        for id in loads.map(\.snapshot) + decisionsBySnapshot.keys.sorted() where !ids.contains(id) { ids.append(id) }
        for id in ids {
            let load = loads.first { $0.snapshot == id && $0.manifest != nil } ?? loads.first { $0.snapshot == id }
            out += "<h3>Snapshot <code>\(e(id))</code></h3>\n"
            var facts = [("Decisions in the period", String(decisionsBySnapshot[id] ?? 0))]
            if let sha = load?.snapshotSHA256 { facts.append(("SHA-256 of the manifest", sha)) }
            if let load { facts.append(("First load read", "\(time(load.at)), run \(load.run ?? "-"), \(load.trigger ?? "-")")) }
            if let manifest = load?.manifest {
                let matches = manifest.sha256.hasPrefix(id) && (load?.snapshotSHA256.map { $0 == manifest.sha256 } ?? true)
                facts.append(
                    ("Manifest check", matches
                        ? "the SHA-256 of the files' sha256sum lines gives this snapshot id"
                        : "MISMATCH: the SHA-256 of the files' sha256sum lines is \(manifest.sha256), not this snapshot's"))
            }
            out += definitions(facts)
            guard let manifest = load?.manifest else {
                out += "<p class=\"bad\">No manifest of this snapshot is in the journal (vacuumed, or loaded by a daemon that did "
                    + "not journal manifests): its files cannot be named here.</p>\n"
                continue
            }
            out += table(
                ["file", "kind", "as-of", "records", "bad lines", "SHA-256", "attributes"],
                manifest.files.map { file in
                    [
                        file.name, file.kind, file.asOf, String(file.records), String(file.badLines), file.sha256,
                        file.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                    ]
                }, codeColumns: [5])
        }
        return out
    }

    private var policy: String {
        var out = "<p>The values of <code>[policy]</code> and the campaigns, as the daemon journaled them when it started and at each "
            + "reload that applied a configuration. A value marked <em>unconfirmed</em> is a reading of the law compliance.md "
            + "marks as not confirmed; decisions that relied on it say so in their facts.</p>\n"
        if policies.isEmpty {
            out += "<p class=\"bad\">No policy entry is in the journal for these runs (written by a daemon before policy entries, or "
                + "vacuumed): the rules in force cannot be shown.</p>\n"
            return out
        }
        out += "<h3>Entries</h3>\n"
        out += table(
            ["journaled", "run", "trigger", "policy id", "note"],
            policies.map { entry in
                [time(entry.at), entry.run ?? "-", entry.trigger ?? "-", entry.id, entry.beforePeriod ? "in force when the period began" : ""]
            })
        var seen: Set<String> = []
        var previous: PolicyRecord?
        for entry in policies where !seen.contains(entry.id) {
            seen.insert(entry.id)
            out += "<h3>Policy <code>\(e(entry.id))</code></h3>\n"
            guard let record = entry.record else {
                out += "<p class=\"bad\">Its values could not be read from the entry.</p>\n"
                continue
            }
            // What changed from the policy shown before it, so a reload's effect reads at once.
            let before = previous
            out += table(
                ["key", "value", "reading", "before"],
                record.settings.map { setting in
                    let earlier = before?[setting.key]
                    return [
                        setting.key, setting.value, PolicyRecord.unconfirmedReadings.contains(setting.key) ? "unconfirmed" : "",
                        earlier.map { $0 == setting.value ? "" : "was \($0)" } ?? "",
                    ]
                },
                classes: { row in row.last?.isEmpty == false ? "changed" : "" })
            previous = record
            if !record.campaigns.isEmpty {
                out += "<h4>Campaigns</h4>\n"
                out += table(
                    PolicyRecord.campaignKeys,
                    record.campaigns.map { campaign in PolicyRecord.campaignKeys.map { campaign[$0] ?? "" } })
            }
        }
        return out
    }

    private var howToCheck: String {
        """
        <ul>
        <li>Run continuity again: <code>dialgate audit verify --since \(e(iso(since))) --until \(e(iso(until)))</code>.</li>
        <li>The decisions themselves: <code>dialgate audit decisions --since \(e(iso(since))) --until \(e(iso(until))) --format csv</code>.</li>
        <li>A copy of a list file: <code>sha256sum FILE</code> must print a SHA-256 above; every load that included that very copy: \
        <code>journalctl DIALGATE_LIST_SHA256=&lt;sha256&gt;</code>.</li>
        <li>The journal files' seals, when Forward Secure Sealing is on: <code>journalctl --verify --verify-key=KEY</code>.</li>
        </ul>

        """
    }

    // MARK: pieces

    private func e(_ text: String) -> String { HTML.escape(text) }

    private func section(_ title: String, _ body: () -> String) -> String {
        "<section>\n<h2>\(e(title))</h2>\n\(body())</section>\n"
    }

    private func definitions(_ pairs: [(String, String)]) -> String {
        "<dl>\n" + pairs.map { "<dt>\(e($0.0))</dt><dd>\(e($0.1))</dd>\n" }.joined() + "</dl>\n"
    }

    /// A table; cells that are whole numbers are right-aligned.
    private func table(
        _ header: [String], _ rows: [[String]], codeColumns: Set<Int> = [], classes: ([String]) -> String = { _ in "" }
    ) -> String {
        guard !rows.isEmpty else { return "<p class=\"none\">none</p>\n" }
        var out = "<table>\n<thead><tr>" + header.map { "<th>\(e($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows {
            let rowClass = classes(row)
            out += rowClass.isEmpty ? "<tr>" : "<tr class=\"\(e(rowClass))\">"
            for (index, cell) in row.enumerated() {
                let text = codeColumns.contains(index) ? "<code>\(e(cell))</code>" : e(cell)
                out += UInt64(cell) != nil ? "<td class=\"n\">\(text)</td>" : "<td>\(text)</td>"
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    private func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss xxx"
        return formatter.string(from: date)
    }

    private func iso(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
        return formatter.string(from: date)
    }

    static let css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:72em;color:#222;padding:0 1em}\
        h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}\
        table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\
        th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}\
        tr.bad td{background:#fdecea}tr.changed td{background:#fff8e1}.ok{color:#1b5e20}.bad{color:#b71c1c}.none{color:#777}\
        code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}\
        dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0;word-break:break-word}\
        figure{margin:0}figcaption{color:#555;font-size:.9em}\
        @media print{body{margin:0;max-width:none}section{break-inside:avoid-page}}
        """
}
