import Foundation
import Testing

@testable import DialGateAudit

@Suite("Decision counts: what the clients were answered, by verdict, reason, campaign and day")
struct DecisionTallyTests {
    static func decision(_ verdict: String, _ reason: String, plan: Bool = false) -> [String: String] {
        var fields = [AuditField.verdict: verdict, AuditField.reason: reason]
        if plan { fields[AuditField.dryRun] = "1" }
        return fields
    }

    @Test("a CHECK counts as its verdict, a PLAN as WOULD-…, a decision answered after its deadline as DENY audit-unavailable")
    func answers() {
        #expect(DecisionAnswer(fields: Self.decision("ALLOW", "consent"), abandoned: false) == DecisionAnswer(verdict: "ALLOW", reason: "consent"))
        #expect(
            DecisionAnswer(fields: Self.decision("DENY", "holiday", plan: true), abandoned: false)
                == DecisionAnswer(verdict: "WOULD-DENY", reason: "holiday"))
        #expect(
            DecisionAnswer(fields: Self.decision("ALLOW", "consent"), abandoned: true)
                == DecisionAnswer(verdict: "DENY", reason: "audit-unavailable"))
    }

    @Test("counts add up by every dimension, and each breakdown sums to the total")
    func breakdowns() {
        var tally = DecisionTally()
        tally.add(day: "2026-11-30", campaign: "fibre-promo", answer: DecisionAnswer(verdict: "ALLOW", reason: "consent"), count: 3)
        tally.add(day: "2026-11-30", campaign: "fibre-promo", answer: DecisionAnswer(verdict: "DENY", reason: "bloctel"), count: 5)
        tally.add(day: "2026-12-01", campaign: "abo-presse", answer: DecisionAnswer(verdict: "DENY", reason: "bloctel"))
        tally.add(day: "2026-12-01", campaign: "abo-presse", answer: DecisionAnswer(verdict: "WOULD-ALLOW", reason: "exempt-press"))
        #expect(tally.total == 10)
        for dimension in DecisionTally.Dimension.allCases {
            #expect(tally.breakdown(by: dimension).reduce(0) { $0 + $1.total } == 10)
        }
        #expect(tally.breakdown(by: .verdict).map(\.value) == ["ALLOW", "DENY", "WOULD-ALLOW"])
        #expect(tally.breakdown(by: .reason).first?.value == "bloctel")
        #expect(tally.breakdown(by: .reason).first?.total == 6)
        let campaigns = tally.breakdown(by: .campaign)
        #expect(campaigns.map(\.value) == ["abo-presse", "fibre-promo"])
        #expect(campaigns.last?.byVerdict == ["ALLOW": 3, "DENY": 5])
        #expect(tally.breakdown(by: .day).map { ($0.value, $0.total) }.elementsEqual([("2026-11-30", 8), ("2026-12-01", 2)], by: ==))
        #expect(tally.reasonsByVerdict.map { "\($0.verdict) \($0.reason) \($0.count)" } == [
            "ALLOW consent 3", "DENY bloctel 6", "WOULD-ALLOW exempt-press 1",
        ])
    }

    @Test("the summary's CSV has a header and one row per day, campaign, verdict and reason; its JSON lines the same")
    func summaryRows() throws {
        var tally = DecisionTally()
        tally.add(day: "2026-11-30", campaign: "a,b", answer: DecisionAnswer(verdict: "DENY", reason: "unknown-campaign"), count: 2)
        tally.add(day: "2026-11-30", campaign: "fibre-promo", answer: DecisionAnswer(verdict: "ALLOW", reason: "consent"))
        #expect(tally.csv == """
            day,campaign,verdict,reason,decisions
            2026-11-30,"a,b",DENY,unknown-campaign,2
            2026-11-30,fibre-promo,ALLOW,consent,1

            """)
        let objects = try tally.jsonl.split(separator: "\n").map { line in
            try #require(JSONText.parse(String(line)) as? [String: Any])
        }
        #expect(objects.count == 2)
        #expect(objects[0]["campaign"] as? String == "a,b")
        #expect(JSONText.integer(objects[0]["decisions"]) == 2)
    }

    @Test("the summary's table starts with the total and has one section per breakdown")
    func summaryTable() {
        var tally = DecisionTally()
        tally.add(day: "2026-11-30", campaign: "fibre-promo", answer: DecisionAnswer(verdict: "ALLOW", reason: "consent"), count: 2)
        tally.add(day: "2026-11-30", campaign: "fibre-promo", answer: DecisionAnswer(verdict: "DENY", reason: "bloctel"))
        #expect(tally.table == """
            decisions 3: ALLOW 2, DENY 1

            by reason
            verdict  reason   decisions
            ALLOW    consent          2
            DENY     bloctel          1

            by campaign
            campaign     ALLOW  DENY  total
            fibre-promo      2     1      3

            by day
            day         ALLOW  DENY  total
            2026-11-30      2     1      3

            """)
    }

    @Test("a local day runs from local midnight to the next, 23 or 25 hours on the days the clocks change")
    func localDays() throws {
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        var days = LocalDays(timeZone: paris)
        // 2026-10-25: the clocks go back at 03:00 CEST, a 25-hour day.
        let instants: [(TimeInterval, String)] = [
            (1_792_879_200, "2026-10-25"),  // 2026-10-24T22:00:00Z = 00:00 CEST
            (1_792_879_199, "2026-10-24"),
            (1_792_969_199, "2026-10-25"),  // 2026-10-25T22:59:59Z = 23:59:59 CET, 25 hours after it began
            (1_792_969_200, "2026-10-26"),
        ]
        for (seconds, day) in instants {
            #expect(days.day(of: Date(timeIntervalSince1970: seconds)) == day)
        }
        #expect(days.days(from: "2026-10-24", through: "2026-10-27") == ["2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27"])
        #expect(days.days(from: "2026-10-27", through: "2026-10-24").isEmpty)
    }

    @Test("an entry written under a run's id by another process than the run's is refused and counted as foreign")
    func runWriters() {
        var writers = RunWriters()
        let judged = [("r", "10"), ("r", "10"), ("r", "666"), ("s", "666")].map { writers.accepts(run: $0.0, writer: $0.1) }
        #expect(judged == [true, true, false, true])
        #expect(writers.foreign == 1)
    }
}
