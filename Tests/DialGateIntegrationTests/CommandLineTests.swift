import DialGateProtocol
import DialGateTestSupport
import Foundation
import Testing

/// The `dialgate` command as a shell hook uses it: exit 0 for ALLOW, 1 for DENY, 2 for errors.
@Suite("The dialgate command")
struct CommandLineTests {
    static func dialgate(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try ChildProcess.run([RunningDaemon.binary("dialgate")] + arguments)
    }

    @Test("check through the socket exits 0 for ALLOW and 1 for DENY, printing the answer; with --at it plans")
    func checkThroughTheSocket() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let allow = try Self.dialgate(["check", "06 11 11 11 11", "--campaign", "fibre-promo", "--socket", daemon.socketPath])
            #expect(allow.status == 0)
            #expect(allow.output.hasPrefix("ALLOW consent "))
            let deny = try Self.dialgate(["check", TestLists.optedOut, "--campaign", "fibre-promo", "--socket", daemon.socketPath])
            #expect(deny.status == 1)
            #expect(deny.output.hasPrefix("DENY internal-optout "))
            let planned = try Self.dialgate([
                "check", "06 11 11 11 11", "--campaign", "fibre-promo", "--at", TestLists.sunday, "--socket", daemon.socketPath,
            ])
            #expect(planned.status == 1)
            #expect(planned.output.hasPrefix("WOULD-DENY non-calling-day "))
            let ping = try Self.dialgate(["ping", "--socket", daemon.socketPath])
            #expect(ping.status == 0 && ping.output == "PONG class=done\n")
            let reload = try Self.dialgate(["reload", "--socket", daemon.socketPath])
            #expect(reload.status == 0)
        }
    }

    @Test("--version names the release and the protocol, as the daemon's VERSION does")
    func versionIsTheDaemons() async throws {
        try await onOwnThread {
            let version = try Self.dialgate(["--version"])
            #expect(version.status == 0)
            #expect(version.output == "dialgate \(Release.version) (protocol \(Release.protocolVersion))\n")
            let daemon = try RunningDaemon(lists: TestLists.standard)
            #expect(try daemon.ask("VERSION").hasPrefix("VERSION dialgate/\(Release.version) class=done protocol=\(Release.protocolVersion) "))
        }
    }

    @Test("stats --json prints one JSON object, counters as numbers")
    func statsAsJSON() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            _ = try daemon.ask("CHECK \(TestLists.optedOut) campaign=fibre-promo")
            let stats = try Self.dialgate(["stats", "--json", "--socket", daemon.socketPath])
            #expect(stats.status == 0)
            let object = try JSONSerialization.jsonObject(with: Data(stats.output.utf8)) as? [String: Any]
            #expect(object?["decisions"] as? Int == 1)
            #expect(object?["deny"] as? Int == 1)
            #expect(object?["class"] as? String == "done")
            #expect((object?["snapshot"] as? String)?.isEmpty == false || object?["snapshot"] is Int)
            let unreachable = try Self.dialgate(["stats", "--json", "--socket", daemon.directory + "/nothing.sock"])
            #expect(unreachable.status == 2)
        }
    }

    @Test("check offline decides from the configuration and the lists, without a daemon, and never says a bare ALLOW")
    func checkOffline() async throws {
        try await onOwnThread {
            let config = RunningDaemon.packageRoot + "/examples/dialgate.toml"
            let allow = try Self.dialgate([
                "check", "0199000040", "--campaign", "fibre-promo", "--at", "2026-11-30T10:15:00+01:00", "--config", config,
            ])
            #expect(allow.status == 0)
            #expect(allow.output.hasPrefix("WOULD-ALLOW consent "))
            #expect(allow.output.contains("ledger") && allow.output.contains("not consulted"))
            let deny = try Self.dialgate([
                "check", "0199000001", "--campaign", "fibre-promo", "--at", "2026-07-20T10:15:00+02:00", "--config", config,
            ])
            #expect(deny.status == 1)
            #expect(deny.output.hasPrefix("WOULD-DENY bloctel "))
        }
    }

    @Test("errors exit 2: no daemon on the socket, an unreadable configuration")
    func errorsExitTwo() async throws {
        try await onOwnThread {
            let noDaemon = try Self.dialgate(["check", "0612345678", "--campaign", "x", "--socket", "/nonexistent/dialgate.sock"])
            #expect(noDaemon.status == 2)
            let noConfig = try Self.dialgate(["check", "0612345678", "--campaign", "x", "--config", "/nonexistent.toml"])
            #expect(noConfig.status == 2)
        }
    }

    @Test("pseudonym prints the HMAC under which the journal recorded the number's decisions")
    func pseudonymFindsTheJournalEntries() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let run = try daemon.auditRun()
            _ = try daemon.ask("CHECK \(TestLists.consenting) campaign=fibre-promo at=\(TestLists.monday)")
            let (status, output) = try Self.dialgate([
                "pseudonym", "06.11.11.11.11", "--key-file", daemon.statePath + "/audit.key",
            ])
            #expect(status == 0)
            let pseudonym = output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(pseudonym.count == 32)
            let entries = try JournalQuery.entries(matching: "DIALGATE_RUN=\(run)")
            #expect(entries.contains { ($0["DIALGATE_NUMBER_HMAC"] as? String) == pseudonym })
            // Pseudonymous by default: the clear number is not in the journal.
            #expect(!entries.contains { $0["DIALGATE_NUMBER"] != nil })
            // The configuration says where the key is: the same pseudonym without --key-file.
            let fromConfig = try Self.dialgate(["pseudonym", "06.11.11.11.11", "--config", daemon.configPath])
            #expect(fromConfig.status == 0 && fromConfig.output == output)
            // No key: an error and nothing on stdout, never an empty pseudonym.
            let noKey = try Self.dialgate(["pseudonym", "06.11.11.11.11", "--key-file", daemon.directory + "/none.key"])
            #expect(noKey.status == 2)
            #expect(noKey.output.hasPrefix("dialgate: cannot read the audit key"))
        }
    }
}
