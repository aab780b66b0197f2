import DialGateClient
import DialGateProtocol
import Foundation
import Testing

@Suite("Withdrawals of consent against the real daemon")
struct ConsentWithdrawalTests {
    @Test("CONSENT scope=* then REVOKE scope=<campaign>: that campaign is denied, another campaign still allowed")
    func withdrawalForOneCampaignEndsTheConsentForItOnly() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let connection = try daemon.client()
            let at = "at=2026-11-30T10:15:00+01:00"
            #expect(
                try connection.ask(#"CONSENT 0199000065 proof="web form v3, ref WF-91002" given-at=2026-11-02T09:00:00Z"#)
                    .hasPrefix("OK consent class=done number=+33199000065 ledger_seq="))
            #expect(try connection.ask("CHECK 0199000065 campaign=fibre-promo \(at)").hasPrefix("ALLOW consent "))
            #expect(
                try connection.ask("REVOKE 0199000065 scope=fibre-promo at=2026-11-20T09:00:00Z")
                    .hasPrefix("OK revoke class=done number=+33199000065 ledger_seq="))
            let withdrawn = try connection.ask("CHECK 0199000065 campaign=fibre-promo \(at)")
            #expect(withdrawn.hasPrefix("DENY no-consent "))
            #expect(ResponseLine(parsing: Substring(withdrawn))?.fields["consent"] == "revoked")
            let other = try connection.ask("CHECK 0199000065 campaign=abo-presse \(at)")
            #expect(other.hasPrefix("ALLOW consent "))
            #expect(ResponseLine(parsing: Substring(other))?.fields["consent_scope"] == "*")
        }
    }

    @Test("a consent from the consents list is withdrawn by a REVOKE for one campaign or offer category, and survives a restart")
    func listConsentWithdrawnByLedgerRevocation() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let at = "at=2026-11-30T10:15:00+01:00"
            // 0199000040 has a scope=* consent in examples/lists.
            #expect(try daemon.ask("CHECK 0199000040 campaign=abo-presse \(at)").hasPrefix("ALLOW consent "))
            #expect(try daemon.ask("REVOKE 0199000040 scope=press at=2026-11-20T09:00:00Z").hasPrefix("OK revoke class=done number=+33199000040 ledger_seq="))
            #expect(try daemon.ask("CHECK 0199000040 campaign=abo-presse \(at)").hasPrefix("DENY no-consent "))
            #expect(try daemon.ask("CHECK 0199000040 campaign=fibre-promo \(at)").hasPrefix("ALLOW consent "))
            daemon.stop()
            try daemon.start()
            try daemon.waitForSocket()
            #expect(try daemon.ask("CHECK 0199000040 campaign=abo-presse \(at)").hasPrefix("DENY no-consent "))
            #expect(try daemon.ask("CHECK 0199000040 campaign=fibre-promo \(at)").hasPrefix("ALLOW consent "))
        }
    }
}
