import DialGateCore
import Foundation
import Testing

@testable import DialGateAudit

@Suite("The HTML report: self-contained, escaped, and saying what the trail shows")
struct AuditReportDocumentTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    /// 2026-11-28T00:00:00+01:00 to 2026-12-01T00:00:00+01:00: three local days.
    static let since = Date(timeIntervalSince1970: 1_795_820_400)
    static let until = Date(timeIntervalSince1970: 1_796_079_600)
    static let hostile = "<script>alert('x')</script>&\""

    static func manifest(name: String = "internal-optout.txt") -> ListManifest {
        ListManifest(files: [
            ListManifest.File(
                name: name, kind: "internal-optout", asOf: "2026-11-01", records: 3, badLines: 0,
                sha256: String(repeating: "ab", count: 32), attributes: ["source": "crm"])
        ])
    }

    static func document(runs: [AuditContinuity.Run]? = nil, snapshot: String? = nil) -> AuditReportDocument {
        var continuity = AuditContinuity()
        continuity.started(run: "run-whole", at: since.addingTimeInterval(60), writer: "10")
        for seq in UInt64(1)...3 { continuity.decision(run: "run-whole", seq: seq, writer: "10") }
        continuity.stopped(run: "run-whole", lastSeq: 3, at: since.addingTimeInterval(3600), writer: "10")
        continuity.started(run: "run-gap", at: since.addingTimeInterval(7200), writer: "11")
        for seq: UInt64 in [1, 3] { continuity.decision(run: "run-gap", seq: seq, writer: "11") }
        var tally = DecisionTally()
        tally.add(day: "2026-11-28", campaign: "fibre-promo", answer: DecisionAnswer(verdict: "ALLOW", reason: "consent"), count: 2)
        tally.add(day: "2026-11-30", campaign: hostile, answer: DecisionAnswer(verdict: "DENY", reason: "unknown-campaign"))
        tally.add(day: "2026-11-30", campaign: "fibre-promo", answer: DecisionAnswer(verdict: "WOULD-DENY", reason: "holiday"))
        let manifest = manifest(name: "opt<out>.txt")
        let id = snapshot ?? String(manifest.sha256.prefix(16))
        var policy = PolicyRecord(policy: PolicySettings(), campaigns: [])
        policy.campaigns = [["id": hostile, "purpose": "commercial"]]
        return AuditReportDocument(
            since: since, until: until, generatedAt: until, host: "host<1>", commandLine: "dialgate audit report --output 'a b.html'",
            version: "dialgate 0.3.0", timeZone: paris, runs: runs ?? continuity.report, tally: tally,
            decisionsBySnapshot: [id: 4], foreign: 0, abandoned: 0,
            loads: [
                .init(at: since.addingTimeInterval(59), run: "run-whole", trigger: "start", snapshot: id, snapshotSHA256: nil,
                    manifest: manifest, beforePeriod: false)
            ],
            policies: [.init(at: since.addingTimeInterval(59), run: "run-whole", trigger: "start", id: policy.id, record: policy, beforePeriod: false)])
    }

    @Test("every text from the journal is escaped: a campaign, a file name, the host cannot inject markup")
    func escaping() {
        #expect(HTML.escape(Self.hostile) == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;")
        #expect(HTML.escape("a\u{1}b") == "a\u{FFFD}b")
        let html = Self.document().html
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"))
        #expect(html.contains("opt&lt;out&gt;.txt"))
        #expect(html.contains("host&lt;1&gt;"))
        #expect(html.contains("dialgate audit report --output &#39;a b.html&#39;"))
    }

    @Test("the report needs nothing outside itself: no script, no link, no image or font to fetch")
    func selfContained() {
        let html = Self.document().html
        for forbidden in ["<script", "<link", "src=", "href=", "url(", "@import", "<img", "<iframe"] {
            #expect(!html.contains(forbidden), "found \(forbidden)")
        }
        // The one address is the SVG namespace, a name that is never fetched.
        #expect(html.components(separatedBy: "http").count - 1 == html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<style>"))
    }

    @Test("the period, the host and the command line that made the report are in it")
    func provenance() {
        let html = Self.document().html
        #expect(html.contains("from 2026-11-28 00:00:00 +01:00 to 2026-12-01 00:00:00 +01:00"))
        #expect(html.contains("Europe/Paris"))
        #expect(html.contains("<dt>Host</dt><dd>host&lt;1&gt;</dd>"))
        #expect(html.contains("<dt>Command line</dt>"))
    }

    @Test("each run is listed with its continuity, and a missing entry makes the report say incomplete")
    func continuity() {
        let html = Self.document().html
        #expect(html.contains("<strong>Incomplete</strong>: 1 entry missing"))
        #expect(html.contains("<td>run-whole</td>"))
        #expect(html.contains("<tr class=\"bad\"><td>run-gap</td>"))
        #expect(html.contains("<td class=\"n\">2</td><td>tail=unchecked</td><td>incomplete</td>"))
        let whole = Self.document(runs: [Self.document().runs[0]])
        #expect(whole.isComplete)
        #expect(whole.html.contains("<strong>Complete</strong>"))
    }

    @Test("the chart has one bar group per day of the period, days without a decision included, and one rect per verdict counted")
    func chart() {
        let document = Self.document()
        #expect(document.days == ["2026-11-28", "2026-11-29", "2026-11-30"])
        let svg = DayChart(days: document.days, tally: document.tally).svg
        #expect(svg.components(separatedBy: "<g class=\"day\">").count - 1 == 3)
        #expect(svg.contains("data-verdict=\"ALLOW\" data-count=\"2\""))
        #expect(svg.contains("data-verdict=\"DENY\" data-count=\"1\""))
        #expect(svg.contains("data-verdict=\"WOULD-DENY\" data-count=\"1\""))
        #expect(svg.contains("<title>2026-11-29</title>"))
        #expect(document.html.contains(svg))
    }

    @Test("the counts by verdict, reason, campaign and day are in the report")
    func counts() {
        let html = Self.document().html
        #expect(html.contains("<p>4 decisions: ALLOW 2, DENY 1, WOULD-DENY 1.</p>"))
        #expect(html.contains("<tr><td>ALLOW</td><td>consent</td><td class=\"n\">2</td></tr>"))
        #expect(html.contains("<tr><td>fibre-promo</td><td class=\"n\">2</td><td class=\"n\">0</td><td class=\"n\">1</td><td class=\"n\">3</td></tr>"))
        #expect(html.contains("<tr><td>2026-11-30</td>"))
    }

    @Test("each snapshot names its files with their SHA-256, and a manifest that does not give its id is flagged")
    func lists() {
        let html = Self.document().html
        #expect(html.contains("<code>" + String(repeating: "ab", count: 32) + "</code>"))
        #expect(html.contains("gives this snapshot id"))
        #expect(!html.contains("MISMATCH"))
        #expect(Self.document(snapshot: "0000000000000000").html.contains("MISMATCH"))
    }

    @Test("a later policy says which values changed from the one before it")
    func policyChanges() {
        var document = Self.document()
        var fewer = PolicySettings()
        fewer.maxAttempts = 2
        let record = PolicyRecord(policy: fewer, campaigns: [])
        document.policies.append(
            .init(at: Self.since.addingTimeInterval(600), run: "run-whole", trigger: "command", id: record.id, record: record, beforePeriod: false))
        let html = document.html
        #expect(html.contains("<tr class=\"changed\"><td>max-attempts</td><td class=\"n\">2</td><td></td><td>was 4</td></tr>"))
        #expect(html.components(separatedBy: "<tr class=\"changed\">").count - 1 == 1)
    }

    @Test("the policy values in force are listed, the unconfirmed readings marked")
    func policy() {
        let html = Self.document().html
        #expect(html.contains("<tr><td>max-attempts</td><td class=\"n\">4</td><td></td><td></td></tr>"))
        #expect(html.contains("<tr><td>callback-exception</td><td>true</td><td>unconfirmed</td><td></td></tr>"))
    }
}
