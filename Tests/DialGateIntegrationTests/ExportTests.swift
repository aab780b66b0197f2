import DialGateTestSupport
import Foundation
import Testing

/// `dialgate export`: the ledger's runtime facts, for a CRM and to seed another host.
@Suite("Exports of the ledger")
struct ExportTests {
    static func dialgate(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try ChildProcess.run([RunningDaemon.binary("dialgate")] + arguments)
    }

    @Test("the exported list files seed another host: its opt-outs deny, its consents allow, a withdrawal ends them")
    func exportedListsSeedAnotherHost() async throws {
        try await onOwnThread {
            let first = try RunningDaemon(lists: TestLists.standard)
            #expect(try first.ask("OPTOUT 0199000080 source=agent-1").hasPrefix("OK optout "))
            #expect(try first.ask("CONSENT 0199000081 proof=\"web form; v3\" given-at=2026-11-02T09:00:00Z").hasPrefix("OK consent "))
            #expect(try first.ask("CONSENT 0199000082 proof=p given-at=2026-11-02T09:00:00Z").hasPrefix("OK consent "))
            #expect(try first.ask("REVOKE 0199000082 scope=fibre-promo at=2026-11-20T09:00:00Z").hasPrefix("OK revoke "))
            let exported = first.directory + "/exported"
            try FileManager.default.createDirectory(atPath: exported, withIntermediateDirectories: true)
            let lists = try Self.dialgate(["export", "--config", first.configPath, "--format", "lists", "--output", exported,
                "--as-of", "2026-11-30"])
            #expect(lists.status == 0, "\(lists.output)")
            #expect(lists.output.contains("optouts=1 consents=2"))

            var seeded = TestLists.standard
            for name in ["ledger-optouts.txt", "ledger-consents.csv"] {
                seeded[name] = try String(contentsOfFile: exported + "/" + name, encoding: .utf8)
            }
            let second = try RunningDaemon(lists: seeded)
            let probe = try second.ask("CHECK 0199000080 campaign=fibre-promo")
            #expect(probe.hasPrefix("DENY internal-optout "), "\(probe)")
            #expect(try second.ask("CHECK 0199000080 campaign=fibre-promo").hasPrefix("DENY internal-optout "))
            #expect(try second.ask("CHECK 0199000081 campaign=fibre-promo").hasPrefix("ALLOW consent "))
            // Withdrawn for one campaign: the list format ends the whole consent (denies more, never less).
            #expect(try second.ask("CHECK 0199000082 campaign=fibre-promo").hasPrefix("DENY no-consent "))

            let csv = first.directory + "/crm.csv"
            let rows = try Self.dialgate(["export", "--config", first.configPath, "--format", "csv", "--output", csv])
            #expect(rows.status == 0)
            let text = try String(contentsOfFile: csv, encoding: .utf8)
            #expect(text.hasPrefix("event;number;at;kind;scope;proof;source\n"))
            #expect(text.contains("optout;+33199000080;"))
            #expect(text.contains("consent;+33199000081;2026-11-02T09:00:00.000Z;prospecting;*;\"web form; v3\";"))
            #expect(text.contains("revoke;+33199000082;2026-11-20T09:00:00.000Z;prospecting;fibre-promo;;"))
        }
    }

    @Test("export refuses a bad output or an unreadable ledger with exit 2 and writes nothing")
    func badExportsWriteNothing() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let notADirectory = daemon.directory + "/file"
            try "x".write(toFile: notADirectory, atomically: true, encoding: .utf8)
            let bad = try Self.dialgate(["export", "--config", daemon.configPath, "--format", "lists", "--output", notADirectory])
            #expect(bad.status == 2 && bad.output.contains("is not a directory"))
            let noConfig = try Self.dialgate(["export", "--config", daemon.directory + "/none.toml", "--format", "csv", "--output", daemon.directory + "/x.csv"])
            #expect(noConfig.status == 2)
            #expect(!FileManager.default.fileExists(atPath: daemon.directory + "/x.csv"))
            let badFormat = try Self.dialgate(["export", "--config", daemon.configPath, "--format", "xml", "--output", daemon.directory])
            #expect(badFormat.status != 0)
        }
    }
}
