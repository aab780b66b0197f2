import DialGateAudit
import DialGateCore
import DialGateLedger
import Foundation
import Testing

@testable import DialGateDaemon

/// The frequency cap (D223-9) for calls the softswitch has not reported yet: an ALLOW takes a
/// place at once, the report settles it, and whatever keeps an ALLOW from being given frees it.
@Suite("Calls in flight")
struct CallsInFlightTests {
    static let check = "CHECK \(GateFixture.consenting) campaign=fibre-promo"
    static let plan = "PLAN \(GateFixture.consenting) campaign=fibre-promo"

    /// Three attempts on the days before Monday.
    static func threeAttempts(_ fixture: GateFixture) async throws {
        for day in 23...25 {
            let answer = try await fixture.ask(
                "ATTEMPT \(GateFixture.consenting) campaign=fibre-promo at=2026-11-\(day)T10:30:00+01:00")
            #expect(answer.hasPrefix("OK attempt "))
        }
    }

    static func field(_ name: String, of line: String) -> String? {
        line.split(separator: " ").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    @Test("an ALLOW counts as an attempt at once, so the next CHECK sees it")
    func anAllowCountsAtOnce() async throws {
        let fixture = try GateFixture()
        try await Self.threeAttempts(fixture)
        let allowed = try await fixture.ask(Self.check)
        #expect(allowed.hasPrefix("ALLOW consent class=allowed "))
        #expect(allowed.contains(" attempts_30d=3"))
        #expect(Self.field("reservation", of: allowed)?.hasPrefix("r") == true)
        let denied = try await fixture.ask(Self.check)
        #expect(denied.hasPrefix("DENY frequency-cap class=later "))
        #expect(denied.contains(" attempts_30d=4"))
    }

    @Test("fifty CHECKs at once for a number with 3 attempts in 30 days get exactly one ALLOW")
    func parallelChecksGetOneAllow() async throws {
        let fixture = try GateFixture()
        try await Self.threeAttempts(fixture)
        let answers = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await fixture.ask(Self.check) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count { $0.hasPrefix("ALLOW ") } == 1)
        #expect(answers.count { $0.hasPrefix("DENY frequency-cap ") } == 49)
        #expect(try await fixture.ask(Self.plan).contains(" attempts_30d=4"))
    }

    @Test("an ATTEMPT naming the reservation turns it into that attempt, counted once")
    func anAttemptSettlesItsReservation() async throws {
        let fixture = try GateFixture()
        let allowed = try await fixture.ask(Self.check + " key=call-1")
        #expect(Self.field("reservation", of: allowed) == "call-1")
        let reported = try await fixture.ask(
            "ATTEMPT \(GateFixture.consenting) campaign=fibre-promo reservation=call-1 outcome=busy")
        #expect(reported.hasPrefix("OK attempt class=done "))
        #expect(reported.contains(" reservation=call-1"))
        #expect(try await fixture.ask(Self.plan).contains(" attempts_30d=1"))
        // Sent again (its OK was lost): keyed by the reservation, recorded once.
        let again = try await fixture.ask(
            "ATTEMPT \(GateFixture.consenting) campaign=fibre-promo reservation=call-1 outcome=busy")
        #expect(again.contains(" duplicate=1"))
        #expect(Self.field("ledger_seq", of: again) == Self.field("ledger_seq", of: reported))
        #expect(try await fixture.ask(Self.plan).contains(" attempts_30d=1"))
    }

    @Test("a RELEASE frees the place of a call that was not placed, within the hold only")
    func aReleaseFreesThePlaceWithinTheHold() async throws {
        let fixture = try GateFixture()
        _ = try await fixture.ask(Self.check + " key=call-2")
        #expect(try await fixture.ask(Self.plan).contains(" attempts_30d=1"))
        let released = try await fixture.ask("RELEASE \(GateFixture.consenting) reservation=call-2")
        #expect(released.hasPrefix("OK release class=done "))
        #expect(try await fixture.ask(Self.plan).contains(" attempts_30d=0"))
        #expect(try await fixture.ask("RELEASE \(GateFixture.consenting) reservation=call-2").contains(" duplicate=1"))

        _ = try await fixture.ask(Self.check + " key=call-3")
        fixture.advance(by: CallReservation.hold + 1)
        let late = try await fixture.ask("RELEASE \(GateFixture.consenting) reservation=call-3")
        #expect(late.hasPrefix("ERR reservation-settled class=rejected "))
        #expect(try await fixture.ask(Self.plan).contains(" attempts_30d=1"))
    }

    @Test("a RELEASE or ATTEMPT naming a reservation the gate does not hold for the number changes nothing")
    func anUnknownReservationIsRefused() async throws {
        let fixture = try GateFixture()
        _ = try await fixture.ask(Self.check + " key=call-4")
        #expect(try await fixture.ask("RELEASE 0199000041 reservation=call-4").hasPrefix("ERR unknown-reservation "))
        #expect(
            try await fixture.ask("ATTEMPT \(GateFixture.consenting) campaign=fibre-promo reservation=nope")
                .hasPrefix("ERR unknown-reservation "))
        #expect(try await fixture.ask(Self.plan).contains(" attempts_30d=1"))
    }

    @Test("a CHECK repeated under its key keeps its place instead of taking a second one")
    func aRepeatedCheckKeepsItsPlace() async throws {
        let fixture = try GateFixture()
        try await Self.threeAttempts(fixture)
        let first = try await fixture.ask(Self.check + " key=call-5")
        let again = try await fixture.ask(Self.check + " key=call-5")
        #expect(first.hasPrefix("ALLOW ") && again.hasPrefix("ALLOW "))
        #expect(Self.field("reservation", of: again) == "call-5")
        #expect(try await fixture.ask(Self.plan).contains(" attempts_30d=4"))
        #expect(try await fixture.ask("CHECK 0199000041 campaign=fibre-promo key=call-5").hasPrefix("ERR key-conflict "))
        // Once reported, the key has named its call: a CHECK under it again is refused.
        _ = try await fixture.ask("ATTEMPT \(GateFixture.consenting) campaign=fibre-promo reservation=call-5")
        #expect(try await fixture.ask(Self.check + " key=call-5").hasPrefix("ERR key-conflict class=rejected "))
    }

    @Test("a keyed write sent twice records once and gets the same OK; the key for another number is refused")
    func keyedWritesRecordOnce() async throws {
        let fixture = try GateFixture()
        let first = try await fixture.ask("OPTOUT 0199000070 source=agent-7 key=crm-1")
        let again = try await fixture.ask("OPTOUT 0199000070 source=agent-7 key=crm-1")
        #expect(first.hasPrefix("OK optout class=done "))
        #expect(again.hasPrefix("OK optout class=done "))
        #expect(Self.field("ledger_seq", of: again) == Self.field("ledger_seq", of: first))
        #expect(again.contains(" duplicate=1") && !first.contains("duplicate"))
        #expect(try await fixture.ask("OPTOUT 0199000071 key=crm-1").hasPrefix("ERR key-conflict class=rejected "))
        #expect(fixture.ledger.stats.optOuts == 1)
        // A key names one write of its command: another command may use it.
        #expect(try await fixture.ask("CONSENT 0199000070 proof=p key=crm-1").hasPrefix("OK consent "))
    }

    @Test("a CHECK whose ALLOW is ready only after the client's deadline is denied deadline-exceeded and frees its place")
    func aLateAllowIsDeniedAndFreed() async throws {
        let fixture = try GateFixture()
        fixture.faults.slow(.sync, by: .milliseconds(300))
        let late = try await fixture.ask(Self.check + " deadline-ms=100")
        #expect(late.hasPrefix("DENY deadline-exceeded class=unavailable "))
        #expect(!late.contains("reservation="))
        fixture.faults.heal()
        let freed = try await eventually { try await fixture.ask(Self.plan).contains(" attempts_30d=0") ? true : nil }
        #expect(freed == true)
        let decisions = fixture.sink.entries(withMessageID: AuditMessageID.decision).filter {
            $0.value(of: AuditField.dryRun) == nil
        }
        #expect(decisions.map { $0.value(of: AuditField.reason) } == ["deadline-exceeded"])
        #expect(decisions.allSatisfy { $0.value(of: AuditField.verdict) != "ALLOW" })
    }

    @Test("a CHECK whose journal entry is not taken before the client's deadline is denied and frees its place")
    func aStalledJournalWithinTheClientDeadlineFreesThePlace() async throws {
        let fixture = try GateFixture(auditDeadline: .seconds(10))
        fixture.sink.set(.stall)
        let answer = try await fixture.ask(Self.check + " deadline-ms=1000")
        // The client's deadline bounded the wait for the journal (what remained of the 1 s
        // once the place was on disk), not the audit's 10 s. (Had the sync alone used up the
        // client's deadline, the decision would be deadline-exceeded, and its entry, which must
        // still be journaled, would wait the writer's own 10 s: so the client's deadline here is
        // long enough for a loaded machine's fsync, which once took more than 150 ms.)
        #expect(answer.hasPrefix("DENY audit-unavailable class=unavailable "), "\(answer)")
        #expect(!answer.contains("within 10.0 seconds"), "\(answer)")
        fixture.sink.release()
        let freed = try await eventually { try await fixture.ask(Self.plan).contains(" attempts_30d=0") ? true : nil }
        #expect(freed == true)
    }

    @Test("a reservation the ledger cannot record is no ALLOW")
    func anUnrecordedReservationIsNoAllow() async throws {
        let fixture = try GateFixture()
        fixture.faults.fail(.sync, errno: EIO, times: 1)
        let answer = try await fixture.ask(Self.check)
        #expect(answer.hasPrefix("DENY ledger-unavailable class=unavailable "))
        #expect(fixture.sink.entries(withMessageID: AuditMessageID.decision).map { $0.value(of: AuditField.reason) } == [
            "ledger-unavailable"
        ])
    }

    @Test("a PLAN and a denied CHECK take no place")
    func plansAndDenialsTakeNothing() async throws {
        let fixture = try GateFixture()
        #expect(try await fixture.ask(Self.plan).hasPrefix("WOULD-ALLOW consent class=planned-allowed "))
        #expect(try await fixture.ask("CHECK 0199000030 campaign=fibre-promo").hasPrefix("DENY no-consent class=denied "))
        #expect(fixture.ledger.stats.reservations == 0)
    }
}
