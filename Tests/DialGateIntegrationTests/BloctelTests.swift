import DialGateTestSupport
import Foundation
import Testing

/// The monthly Bloctel check: `bloctel prepare` writes what is uploaded, `bloctel import` turns
/// what came back into the daemon's two list files of that check.
@Suite("dialgate bloctel: prepare a check, import its result")
struct BloctelTests {
    /// A prospect file with a duplicate, an unreadable number, a foreign number, an overseas
    /// one and a name spanning two lines (row 8 starts on line 8 and ends on line 9).
    static let prospects = """
        nom;tel;ref
        A;01 99 00 01 01;R1
        B;+33 1 99 00 01 02;R2
        C;0199000101;R3
        D;pas un numéro;R4
        E;+44 20 7946 0000;R5
        F;0692 12 34 56;R6
        "G
        H";01.99.00.01.03;R7

        """

    /// Writes the upload file of `prospects` to `sent.csv`.
    static func prepare(_ setup: OfflineSetup, _ extra: [String] = []) throws -> (status: Int32, output: String, errors: String) {
        try setup.write("prospects.csv", prospects)
        return try dialgateTool(["bloctel", "prepare", setup.path("prospects.csv"), "--output", setup.path("sent.csv")] + extra)
    }

    /// `bloctel import` of sent.csv and returned.csv into the setup's list directory, unless
    /// `extra` names other files.
    static func importCheck(_ setup: OfflineSetup, holds: String = "cleared", asOf: String = "2026-07-06", _ extra: [String] = [])
        throws -> (status: Int32, output: String, errors: String)
    {
        var arguments = ["bloctel", "import", "--returned-holds", holds, "--as-of", asOf] + extra
        for (option, value) in [("--sent", setup.path("sent.csv")), ("--returned", setup.path("returned.csv")), ("--config", setup.configPath)]
        where !extra.contains(option) {
            arguments += [option, value]
        }
        return try dialgateTool(arguments)
    }

    @Test("prepare: one line per distinct French number, national form, identified by its spreadsheet row; the rest reported by line")
    func prepareWritesTheUploadFile() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup(lists: [:])
            let run = try Self.prepare(setup)
            #expect(run.status == 0, "\(run.errors)")
            #expect(setup.read("sent.csv") == "Telephone;Identifiant\n0199000101;2\n0199000102;3\n0692123456;7\n0199000103;8\n")
            #expect(run.output.hasPrefix("rows=7 sent=4 duplicates=1 invalid=1 foreign=1\n"))
            let problems = run.errors.split(separator: "\n")
            #expect(problems.count == 2)
            #expect(problems.first?.hasPrefix("prospects.csv:5: invalid number 'pas un numéro'") == true)
            #expect(problems.last?.hasPrefix("prospects.csv:6: +442079460000 is not a French number") == true)
        }
    }

    @Test("prepare --id-column: each line carries the row's own identifier")
    func prepareWithIdentifiers() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup(lists: [:])
            let run = try Self.prepare(setup, ["--id-column", "ref"])
            #expect(run.status == 0, "\(run.errors)")
            #expect(setup.read("sent.csv") == "Telephone;Identifiant\n0199000101;R1\n0199000102;R2\n0692123456;R6\n0199000103;R7\n")
        }
    }

    @Test("prepare refuses, exit 2, writing nothing: a missing file, no number column, nothing French, an unknown id column")
    func prepareBadInput() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup(lists: [:])
            try setup.write("names.csv", "nom;ville\nDupont;Paris\n")
            try setup.write("abroad.csv", "tel\n+44 20 7946 0000\n")
            try setup.write("prospects.csv", Self.prospects)
            for (input, extra, message) in [
                ("missing.csv", [String](), "cannot read"), ("names.csv", [], "no column of"),
                ("abroad.csv", [], "no French number to send"), ("prospects.csv", ["--id-column", "code"], "--id-column code"),
                ("prospects.csv", ["--encoding", "utf-16"], "--encoding"),
            ] {
                let before = setup.files
                let run = try dialgateTool(["bloctel", "prepare", setup.path(input), "--output", setup.path("sent.csv")] + extra)
                #expect(run.status == 2, "\(input) \(extra)")
                #expect(run.errors.contains(message), "\(input): \(run.errors)")
                #expect(setup.files == before)
            }
        }
    }

    @Test("import (returned = cleared): the numbers sent and not returned are registered, as of the day of the check, and the daemon's policy reads them so")
    func importWritesBothListFiles() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup(lists: [:])
            #expect(try Self.prepare(setup).status == 0)
            try setup.write("returned.csv", "Telephone;Identifiant\r\n0199000102;3\r\n0692123456;7\r\n")
            let run = try Self.importCheck(setup)
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.hasPrefix("sent=4 returned=2 registered=2 cleared=2 as-of=2026-07-06\n"))
            let names = setup.listFiles.sorted()
            #expect(names.count == 2)
            let registered = try #require(names.first { $0.hasSuffix("-registered.csv") })
            let cleared = try #require(names.first { $0.hasSuffix("-cleared.csv") })
            #expect(registered.hasPrefix("bloctel-2026-07-06-") && cleared.hasPrefix("bloctel-2026-07-06-"))
            let check = String(try sha256(ofFile: setup.path("sent.csv")).prefix(8))
            #expect(
                try String(contentsOfFile: setup.listsPath + "/" + registered, encoding: .utf8)
                    == "# dialgate-list kind=bloctel-registered as-of=2026-07-06 source=bloctel sent=\(check)\nTelephone;Identifiant\n0199000101;2\n0199000103;8\n")
            #expect(
                try String(contentsOfFile: setup.listsPath + "/" + cleared, encoding: .utf8)
                    == "# dialgate-list kind=bloctel-cleared as-of=2026-07-06 source=bloctel sent=\(check)\nTelephone;Identifiant\n0199000102;3\n0692123456;7\n")
            #expect(!setup.listFiles.contains { $0.hasPrefix(".") })

            // The daemon's loader and policy read them: a Monday two weeks after the check.
            let at = "2026-07-20T10:15:00+02:00"
            for (number, head) in [("0199000101", "WOULD-DENY bloctel "), ("0199000103", "WOULD-DENY bloctel "), ("0199000102", "WOULD-ALLOW bloctel-clear ")] {
                let decision = try dialgateTool(["check", number, "--campaign", "fibre-promo", "--at", at, "--config", setup.configPath])
                #expect(decision.output.hasPrefix(head), "\(number): \(decision.output) \(decision.errors)")
            }
        }
    }

    @Test("import (returned = registered): the numbers returned are the registered ones, the others cleared")
    func importRegisteredReturned() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup(lists: [:])
            #expect(try Self.prepare(setup).status == 0)
            try setup.write("returned.csv", "0199000101\n")
            let run = try Self.importCheck(setup, holds: "registered")
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.hasPrefix("sent=4 returned=1 registered=1 cleared=3 as-of=2026-07-06\n"))
            let registered = try #require(setup.listFiles.first { $0.hasSuffix("-registered.csv") })
            #expect(try String(contentsOfFile: setup.listsPath + "/" + registered, encoding: .utf8).hasSuffix("Telephone;Identifiant\n0199000101;2\n"))
        }
    }

    @Test("import of an empty answer (nothing came back): every number sent is registered, and no empty cleared file is written")
    func importNothingReturned() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup(lists: [:])
            #expect(try Self.prepare(setup).status == 0)
            try setup.write("returned.csv", "Telephone;Identifiant\n")
            let run = try Self.importCheck(setup)
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.hasPrefix("sent=4 returned=0 registered=4 cleared=0 as-of=2026-07-06\n"))
            #expect(setup.listFiles.count == 1 && setup.listFiles.first?.hasSuffix("-registered.csv") == true)
        }
    }

    @Test("importing the same answer again changes nothing; another answer for the same check is refused")
    func importTwice() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup(lists: [:])
            #expect(try Self.prepare(setup).status == 0)
            try setup.write("returned.csv", "0199000102\n")
            #expect(try Self.importCheck(setup).status == 0)
            let first = setup.listFiles
            let again = try Self.importCheck(setup)
            #expect(again.status == 0)
            #expect(again.output.contains("already there, unchanged"))
            #expect(setup.listFiles == first)
            try setup.write("returned.csv", "0199000101\n")
            let other = try Self.importCheck(setup)
            #expect(other.status == 2)
            #expect(other.errors.contains("exists with other content"))
            #expect(setup.listFiles == first)
        }
    }

    @Test("import refuses, exit 2, writing nothing: a returned number not sent, a day in the future, a bad day, an unreadable number, the same file twice, no list directory")
    func importBadInput() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup(lists: [:])
            #expect(try Self.prepare(setup).status == 0)
            let tomorrow = Self.parisDay(Date().addingTimeInterval(2 * 86_400))
            let cases: [(returned: String, holds: String, asOf: String, extra: [String], message: String)] = [
                ("0199000102\n0199000199\n", "cleared", "2026-07-06", [], "1 number(s) that were not sent"),
                ("0199000102\n", "cleared", tomorrow, [], "is in the future"),
                ("0199000102\n", "cleared", "06/07/2026", [], "--as-of '06/07/2026'"),
                ("0199000102\n01 99 AB\n", "cleared", "2026-07-06", [], "invalid number '01 99 AB'"),
                ("0199000102\n", "cleared", "2026-07-06", ["--returned", setup.path("sent.csv")], "the same file"),
                ("0199000102\n", "cleared", "2026-07-06", ["--lists", setup.path("nowhere")], "does not exist"),
            ]
            for bad in cases {
                try setup.write("returned.csv", bad.returned)
                let run = try Self.importCheck(setup, holds: bad.holds, asOf: bad.asOf, bad.extra)
                #expect(run.status == 2, "\(bad.message): \(run.output) \(run.errors)")
                #expect(run.errors.contains(bad.message), "\(run.errors)")
                #expect(setup.listFiles.isEmpty, "\(bad.message): \(setup.listFiles)")
            }
            // The refusal of a number not sent names it and its line.
            try setup.write("returned.csv", "0199000102\n0199000199\n")
            #expect(try Self.importCheck(setup).errors.contains("returned.csv:2: +33199000199 was not in sent.csv"))
            // A missing returned file.
            try FileManager.default.removeItem(atPath: setup.path("returned.csv"))
            let missing = try Self.importCheck(setup)
            #expect(missing.status == 2 && missing.errors.contains("cannot read"))
            #expect(setup.listFiles.isEmpty)
        }
    }

    /// The civil day of `instant` in Paris, `YYYY-MM-DD`.
    static func parisDay(_ instant: Date) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Europe/Paris")
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: instant)
    }
}
