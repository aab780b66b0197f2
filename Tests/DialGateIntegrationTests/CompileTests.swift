import DialGateTestSupport
import Foundation
import Testing

/// `dialgate compile` and the daemon serving the compiled list (`docs/lists.md`).
@Suite("Compiled lists in the daemon")
struct CompileTests {
    static func dialgate(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try ChildProcess.run([RunningDaemon.binary("dialgate")] + arguments)
    }

    @Test("a list compiled into the list directory is reloaded and denies its numbers, and again after a restart")
    func compiledListDeniesItsNumbers() async throws {
        try await onOwnThread {
            var lists = TestLists.standard
            lists.removeValue(forKey: "internal-optout.txt")
            let daemon = try RunningDaemon(lists: lists)
            #expect(try daemon.ask("CHECK \(TestLists.optedOut) campaign=fibre-promo").hasPrefix("DENY no-consent "))

            let text = daemon.directory + "/optout.txt"
            try TestLists.standard["internal-optout.txt"]!.write(toFile: text, atomically: true, encoding: .utf8)
            let compiled = daemon.listsPath + "/internal-optout.dgidx"
            let compile = try Self.dialgate(["compile", text, "-o", compiled])
            #expect(compile.status == 0, "\(compile.output)")
            #expect(compile.output.contains("internal-optout as-of 2026-11-01, 3 records, 3 distinct numbers"), "\(compile.output)")
            let listed = try FileManager.default.contentsOfDirectory(atPath: daemon.listsPath)
            #expect(!listed.contains { $0.hasSuffix(".tmp") }, "\(listed)")

            // The daemon polls its directory every second in the tests.
            let denied = try eventually(within: 20, every: 0.2) {
                try daemon.ask("CHECK \(TestLists.optedOut) campaign=fibre-promo").hasPrefix("DENY internal-optout ")
            }
            #expect(denied, "\(daemon.stderr)")
            #expect(try daemon.ask("CHECK \(TestLists.consenting) campaign=fibre-promo").hasPrefix("ALLOW consent "))

            daemon.stop()
            try daemon.start()
            try daemon.waitForSocket()
            #expect(try daemon.ask("CHECK \(TestLists.optedOut) campaign=fibre-promo").hasPrefix("DENY internal-optout "))
            #expect(try daemon.ask("CHECK +33622222224 campaign=fibre-promo").hasPrefix("DENY internal-optout "))
        }
    }

    @Test("a truncated compiled list put in place fails the reload, and the previous lists keep denying")
    func truncatedCompiledListKeepsThePreviousLists() async throws {
        try await onOwnThread {
            let directory = try RunningDaemon.makeScratchDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let text = directory + "/optout.txt"
            try TestLists.standard["internal-optout.txt"]!.write(toFile: text, atomically: true, encoding: .utf8)
            let compiled = directory + "/optout.dgidx"
            #expect(try Self.dialgate(["compile", text, "-o", compiled]).status == 0)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: compiled))

            var lists = TestLists.standard
            lists.removeValue(forKey: "internal-optout.txt")
            let daemon = try RunningDaemon(lists: lists)
            try bytes.write(to: URL(fileURLWithPath: daemon.listsPath + "/internal-optout.dgidx"), options: .atomic)
            #expect(try daemon.ask("RELOAD").hasPrefix("OK reload "))
            #expect(try daemon.ask("CHECK \(TestLists.optedOut) campaign=fibre-promo").hasPrefix("DENY internal-optout "))

            // A copy cut short, renamed into place as a careless copy would leave it.
            try bytes.prefix(bytes.count - 100).write(
                to: URL(fileURLWithPath: daemon.listsPath + "/internal-optout.dgidx"), options: .atomic)
            let reload = try daemon.ask("RELOAD")
            #expect(reload.hasPrefix("ERR reload-failed ") && reload.contains("internal-optout.dgidx"), "\(reload)")
            #expect(try daemon.ask("CHECK \(TestLists.optedOut) campaign=fibre-promo").hasPrefix("DENY internal-optout "))
        }
    }

    @Test("compile refuses a list the daemon would refuse, with exit 2, and writes nothing")
    func refusedListCompilesToNothing() async throws {
        try await onOwnThread {
            let directory = try RunningDaemon.makeScratchDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let text = directory + "/bad.txt"
            try "# dialgate-list kind=internal-optout as-of=2026-11-01\nnot a number\n".write(toFile: text, atomically: true, encoding: .utf8)
            let compile = try Self.dialgate(["compile", text])
            #expect(compile.status == 2)
            #expect(compile.output.contains("refused"), "\(compile.output)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["bad.txt"])
        }
    }
}
