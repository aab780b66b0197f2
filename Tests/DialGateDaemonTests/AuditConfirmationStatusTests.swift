import Testing

@testable import DialGateDaemon

@Suite("Audit confirmation status: what STATS and the status line say of the read-back")
struct AuditConfirmationStatusTests {
    @Test("all confirmed: STATS gives the confirmed number and no missing; the status line says nothing")
    func confirmedSaysNothingOnTheStatusLine() {
        let status = AuditConfirmationStatus()
        var snapshot = AuditConfirmationStatus.Snapshot()
        snapshot.confirmedThrough = 42
        status.update(snapshot)
        #expect(status.statisticsFacts.map { "\($0.key)=\($0.value)" } == ["audit_confirmed_seq=42", "audit_missing=0"])
        #expect(status.statusFragment == nil)
    }

    @Test("entries missing: STATS names the count and ranges, the status line warns of the gap")
    func gapIsOnTheStatusLine() {
        let status = AuditConfirmationStatus()
        var snapshot = AuditConfirmationStatus.Snapshot()
        snapshot.confirmedThrough = 5000
        snapshot.missingCount = 132
        snapshot.latestMissing = [3...3, 40...170]
        status.update(snapshot)
        #expect(status.statisticsFacts.map { "\($0.key)=\($0.value)" } == [
            "audit_confirmed_seq=5000", "audit_missing=132", "audit_missing_ranges=3,40..170",
        ])
        #expect(status.statusFragment == "AUDIT GAP: 132 entries missing (3,40..170)")
    }

    @Test("journal unreadable: STATS says unavailable, the status line that the trail is unconfirmed")
    func unreadableIsUnconfirmed() {
        let status = AuditConfirmationStatus()
        var snapshot = AuditConfirmationStatus.Snapshot()
        snapshot.unavailable = "journal unreadable"
        status.update(snapshot)
        #expect(status.statisticsFacts.map { "\($0.key)=\($0.value)" }.last == "audit_confirmation=unavailable")
        #expect(status.statusFragment == "audit unconfirmed: journal unreadable")
    }
}
