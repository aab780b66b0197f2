import DialGateClient
import DialGateTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Bad input gets a clear error and changes nothing")
struct BadInputTests {
    @Test("STATS counts every ERR answer, in all and by its code, whichever layer refused the request")
    func statsCountErrorsByCode() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let connection = try daemon.client()
            #expect(try connection.ask("DIAL +33611111111").hasPrefix("ERR unknown-command "))
            #expect(try connection.ask("DIAL +33611111112").hasPrefix("ERR unknown-command "))
            #expect(try connection.ask("CHECK 0611111111").hasPrefix("ERR missing-argument "))
            #expect(try connection.ask("ATTEMPT 0611111111 campaign=fibre-prom0").hasPrefix("ERR unknown-campaign "))
            let stats = try connection.ask("STATS")
            #expect(RunningDaemon.field("errors", in: stats) == "4")
            #expect(RunningDaemon.field("errors_unknown_command", in: stats) == "2")
            #expect(RunningDaemon.field("errors_missing_argument", in: stats) == "1")
            #expect(RunningDaemon.field("errors_unknown_campaign", in: stats) == "1")
        }
    }

    @Test("an unknown command is an ERR and the connection stays usable")
    func unknownCommand() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let connection = try daemon.client()
            #expect(try connection.ask("DIAL +33611111111").hasPrefix("ERR unknown-command "))
            #expect(try connection.ask("PING") == "PONG class=done")
        }
    }

    @Test("an overlong line is answered ERR line-too-long and the connection is closed")
    func overlongLine() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let connection = try daemon.client()
            try connection.send("CHECK " + String(repeating: "6", count: 5000) + " campaign=fibre-promo\n")
            #expect(try connection.readLine()?.hasPrefix("ERR line-too-long ") == true)
            #expect(try connection.readLine() == nil)
            #expect(try daemon.ask("PING") == "PONG class=done")
        }
    }

    @Test("binary garbage is refused as bad encoding, and the next request is served")
    func binaryGarbage() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let connection = try daemon.client()
            try connection.sendBytes([0xFF, 0xFE, 0x00, 0x01, 0xC3, 0x28, 0x0A])
            #expect(try connection.readLine()?.hasPrefix("ERR bad-encoding ") == true)
            try connection.sendBytes([0x43, 0x48, 0x45, 0x43, 0x4B, 0x01, 0x02, 0x0A])  // "CHECK\x01\x02"
            #expect(try connection.readLine()?.hasPrefix("ERR bad-syntax ") == true)
            #expect(try connection.ask("PING") == "PONG class=done")
        }
    }

    @Test("CRLF line endings are accepted")
    func crlfAccepted() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let connection = try daemon.client()
            try connection.send("PING\r\nCHECK \(TestLists.consenting) campaign=fibre-promo at=\(TestLists.monday)\r\n")
            #expect(try connection.readLine() == "PONG class=done")
            #expect(try connection.readLine()?.hasPrefix("ALLOW consent ") == true)
        }
    }

    @Test("a write with an invalid number is refused and records nothing")
    func invalidNumberWriteRecordsNothing() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let before = try daemon.ask("STATS")
            #expect(try daemon.ask("OPTOUT 06-12-AB").hasPrefix("ERR invalid-number "))
            #expect(try daemon.ask("ATTEMPT 0612345678").hasPrefix("ERR missing-argument "))
            #expect(try daemon.ask("CHECK 0612345678 campaign=fibre-promo at=tomorrow").hasPrefix("ERR bad-argument "))
            #expect(try daemon.ask("CHECK 0612345678 campain=fibre-promo").hasPrefix("ERR "))
            let after = try daemon.ask("STATS")
            #expect(RunningDaemon.field("ledger_writes", in: before) == RunningDaemon.field("ledger_writes", in: after))
        }
    }

    @Test("a CHECK of an unparsable number is a DENY invalid-number decision, audited")
    func invalidNumberCheckIsAuditedDeny() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let run = try daemon.auditRun()
            let answer = try daemon.ask("CHECK 06123 campaign=fibre-promo id=short")
            #expect(answer.hasPrefix("DENY invalid-number id=short "))
            let entries = try JournalQuery.entries(matching: "DIALGATE_RUN=\(run)")
            #expect(entries.contains { ($0["DIALGATE_REASON"] as? String) == "invalid-number" && ($0["DIALGATE_REQUEST_ID"] as? String) == "short" })
        }
    }

    @Test("connections over max-connections are refused with ERR overload")
    func tooManyConnections() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(
                configure: { RunningDaemon.setting($0, key: "max-connections", raw: "2") }, lists: TestLists.standard)
            let first = try daemon.client()
            // Wait until the start-up probe's connection is gone, so exactly one is open.
            while RunningDaemon.field("connections", in: try first.ask("STATS")) != "1" { usleep(10_000) }
            let second = try daemon.client()
            #expect(try first.ask("PING") == "PONG class=done")
            #expect(try second.ask("PING") == "PONG class=done")
            let third = try daemon.client()
            #expect(try third.readLine()?.hasPrefix("ERR overload ") == true)
        }
    }

    @Test("an idle connection is closed after idle-timeout-seconds")
    func idleConnectionClosed() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(
                configure: { RunningDaemon.setting($0, key: "idle-timeout-seconds", raw: "1") }, lists: TestLists.standard)
            let connection = try daemon.client()
            #expect(try connection.ask("PING") == "PONG class=done")
            #expect(try connection.readLine() == nil)
        }
    }
}

@Suite("Reloading lists")
struct ReloadTests {
    @Test("a corrupted list file is refused and the previous lists keep answering")
    func corruptedListKeepsPreviousAnswers() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let run = try daemon.auditRun()
            #expect(try daemon.ask("CHECK \(TestLists.optedOut) campaign=fibre-promo at=\(TestLists.monday)").hasPrefix("DENY internal-optout "))
            try "garbage without a header\n\u{0}\u{1}".write(
                toFile: daemon.listsPath + "/internal-optout.txt", atomically: true, encoding: .utf8)
            let reload = try daemon.ask("RELOAD")
            #expect(reload.hasPrefix("ERR reload-failed "))
            #expect(try daemon.ask("CHECK \(TestLists.optedOut) campaign=fibre-promo at=\(TestLists.monday)").hasPrefix("DENY internal-optout "))
            let stats = try daemon.ask("STATS")
            #expect(RunningDaemon.field("reloads_failed", in: stats).flatMap(Int.init) ?? 0 >= 1)
            let failures = try JournalQuery.entries(matching: "MESSAGE_ID=6bf59aeb8dd646cabb508377d1d5fd3d", atLeast: 1)
            #expect(!failures.isEmpty)
            _ = run
        }
    }

    @Test("a truncated copy of a list (shrunk by more than max-shrink) is refused")
    func truncatedListRefused() async throws {
        try await onOwnThread {
            var lists = TestLists.standard
            lists["internal-optout.txt"] = "# dialgate-list kind=internal-optout as-of=2026-11-01\n"
                + (0..<100).map { "06 22 22 23 \(String(format: "%02d", $0))" }.joined(separator: "\n") + "\n06 22 22 22 22\n"
            let daemon = try RunningDaemon(lists: lists)
            try "# dialgate-list kind=internal-optout as-of=2026-11-02\n06 22 22 23 00\n".write(
                toFile: daemon.listsPath + "/internal-optout.txt", atomically: true, encoding: .utf8)
            #expect(try daemon.ask("RELOAD").hasPrefix("ERR reload-failed "))
            #expect(try daemon.ask("CHECK \(TestLists.optedOut) campaign=fibre-promo at=\(TestLists.monday)").hasPrefix("DENY internal-optout "))
        }
    }

    @Test("a changed list directory is picked up without a signal (polling)")
    func changedListsArePickedUp() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            #expect(try daemon.ask("CHECK \(TestLists.unknown) campaign=fibre-promo at=\(TestLists.monday)").hasPrefix("DENY no-consent "))
            try "# dialgate-list kind=internal-optout as-of=2026-11-02\n0633333333\n".write(
                toFile: daemon.listsPath + "/more-optouts.txt", atomically: true, encoding: .utf8)
            var answer = ""
            _ = try eventually(within: 20, every: 0.2) { () throws -> Bool? in
                answer = try daemon.ask("CHECK \(TestLists.unknown) campaign=fibre-promo at=\(TestLists.monday)")
                return answer.hasPrefix("DENY internal-optout ") ? true : nil
            }
            #expect(answer.hasPrefix("DENY internal-optout "))
        }
    }

    @Test("with no loadable lists at start the daemon still answers, denying with lists-unavailable")
    func noListsDeniesEverything() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: ["broken.txt": "not a list\n"])
            #expect(try daemon.ask("CHECK \(TestLists.consenting) campaign=fibre-promo at=\(TestLists.monday)").hasPrefix("DENY lists-unavailable "))
        }
    }
}
