import DialGateAudit
import DialGateTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A list directory, a state directory holding a ledger, and a configuration made from the
/// example one that points at both: what `dialgate scrub` and `dialgate bloctel` read, with no
/// daemon. Removed afterwards.
final class OfflineSetup: @unchecked Sendable {
    let directory: String
    let listsPath: String
    let statePath: String
    let configPath: String

    /// `ledger`: the content of `state/ledger.log` (empty: a ledger with no records), or `nil`
    /// for none at all.
    init(lists: [String: String] = ScrubLists.lists, ledger: [UInt8]? = []) throws {
        directory = try RunningDaemon.makeScratchDirectory()
        listsPath = directory + "/lists"
        statePath = directory + "/state"
        configPath = directory + "/dialgate.toml"
        let fm = FileManager.default
        try fm.createDirectory(atPath: listsPath, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: statePath, withIntermediateDirectories: true)
        for (name, text) in lists { try text.write(toFile: listsPath + "/" + name, atomically: true, encoding: .utf8) }
        if let ledger { try Data(ledger).write(to: URL(fileURLWithPath: statePath + "/ledger.log")) }
        var config = try String(contentsOfFile: RunningDaemon.packageRoot + "/examples/dialgate.toml", encoding: .utf8)
        config = RunningDaemon.setting(config, key: "lists", value: listsPath)
        config = RunningDaemon.setting(config, key: "state", value: statePath)
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    func write(_ name: String, _ text: String) throws { try write(name, Array(text.utf8)) }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
    }

    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: path(name)).map { String(decoding: $0, as: UTF8.self) }
    }

    func bytes(_ name: String) -> [UInt8]? { FileManager.default.contents(atPath: path(name)).map(Array.init) }

    /// The names in the scratch directory, dotfiles included.
    var files: Set<String> { Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []) }

    /// The names in the list directory, dotfiles included.
    var listFiles: Set<String> { Set((try? FileManager.default.contentsOfDirectory(atPath: listsPath)) ?? []) }
}

/// `dialgate` with `arguments`: its exit status, standard output and standard error apart.
func dialgateTool(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
    let run = try ChildProcess.capture([RunningDaemon.binary("dialgate")] + arguments, separateStandardError: true)
    return (run.status, run.output, run.errorOutput)
}

/// The SHA-256 of a file, by sha256sum.
func sha256(ofFile path: String) throws -> String {
    let (status, output) = try ChildProcess.run(["/usr/bin/sha256sum", path])
    guard status == 0, let digest = output.split(separator: " ").first else { throw Failure("sha256sum \(path): \(output)") }
    return String(digest)
}

/// The lists of the scrub tests. Four numbers that every campaign could call on some basis
/// (a consent before July, a contract about telecom and press, a B2B activity that suits
/// software), three of which are on an opt-out list.
enum ScrubLists {
    static let registered = "0199000101"  // Bloctel: cleared in July, registered in November
    static let operatorListed = "0199000102"
    static let optedOut = "0199000103"
    static let clean = "0199000104"
    static let optedOutNumbers = [registered, operatorListed, optedOut]
    static let everyone = optedOutNumbers + [clean]

    static let lists: [String: String] = [
        "bloctel-2026-07-06-cleared.txt": """
            # dialgate-list kind=bloctel-cleared as-of=2026-07-06 source=bloctel
            \(registered)
            \(operatorListed)
            \(optedOut)
            \(clean)

            """,
        "bloctel-2026-11-02-registered.txt": """
            # dialgate-list kind=bloctel-registered as-of=2026-11-02 source=bloctel
            \(registered)

            """,
        "operator-optout.txt": """
            # dialgate-list kind=operator-optout as-of=2026-10-15
            \(operatorListed)

            """,
        "internal-optout.txt": """
            # dialgate-list kind=internal-optout as-of=2026-11-20
            \(optedOut)

            """,
        "consents.csv": "# dialgate-list kind=consents as-of=2026-11-25\nnumber;kind;scope;given_at;proof\n"
            + everyone.map { "\($0);prospecting;*;2026-06-01T10:00:00Z;web-form-v3\n" }.joined(),
        "contracts.csv": "# dialgate-list kind=contracts as-of=2026-11-25\nnumber;subjects;ends\n"
            + everyone.map { "\($0);telecom|press;\n" }.joined(),
        "b2b-contacts.csv": "# dialgate-list kind=b2b-contacts as-of=2026-11-25\nnumber;activities\n"
            + everyone.map { "\($0);62.01Z\n" }.joined(),
    ]

    /// A prospect file of these numbers: `id;nom;telephone`.
    static var prospects: String {
        "id;nom;telephone\n" + everyone.enumerated().map { "\($0.offset + 1);Client \($0.offset + 1);\($0.element)\n" }.joined()
    }
}

/// `text` in Windows-1252 (its characters here are all in ISO-8859-1: one byte each).
func windows1252(_ text: String) -> [UInt8] {
    text.unicodeScalars.map { UInt8($0.value) }
}

/// The rows of a CSV output (header first), split at `;` (the tests' rows hold no quotes).
func rows(_ text: String?) -> [[String]] {
    (text ?? "").split(separator: "\n").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\r\u{FEFF}")) }
        .map { $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init) }
}

@Suite("dialgate scrub: a prospect file through the daemon's policy")
struct ScrubTests {
    static let monday = "2026-11-30T10:15:00+01:00"
    /// A Monday of the opt-out (Bloctel) regime, when the July check is fresh.
    static let julyMonday = "2026-07-20T10:15:00+02:00"

    /// `dialgate scrub` of `input` with `extra`, writing callable.csv and removed.csv beside
    /// it with the setup's configuration, unless `extra` names them.
    static func scrub(_ setup: OfflineSetup, input: String = "prospects.csv", _ extra: [String]) throws
        -> (status: Int32, output: String, errors: String)
    {
        var arguments = ["scrub", setup.path(input)] + extra
        for (option, value) in [("--callable", setup.path("callable.csv")), ("--removed", setup.path("removed.csv")), ("--config", setup.configPath)]
        where !extra.contains(option) {
            arguments += [option, value]
        }
        return try dialgateTool(arguments)
    }

    @Test(
        "a number on an opt-out list (Bloctel registered, operator, internal) is never callable, whatever the campaign and the day",
        arguments: ["fibre-promo", "abo-presse", "sondage-2026", "saas-pro", "isolation-maison"])
    func optOutListsNeverCallable(campaign: String) async throws {
        try await onOwnThread {
            let setup = try OfflineSetup()
            try setup.write("prospects.csv", ScrubLists.prospects)
            for at in [Self.monday, Self.julyMonday] {
                let run = try Self.scrub(setup, ["--campaign", campaign, "--at", at])
                #expect(run.status == 0, "\(run.errors)")
                let callable = rows(setup.read("callable.csv")).dropFirst().map { $0[2] }
                for number in ScrubLists.optedOutNumbers {
                    #expect(!callable.contains(number), "\(number) callable for \(campaign) at \(at)")
                }
                let removed = Dictionary(uniqueKeysWithValues: rows(setup.read("removed.csv")).dropFirst().map { ($0[2], $0[3]) })
                #expect(Set(removed.keys).isSuperset(of: ScrubLists.optedOutNumbers))
                #expect(callable.count + removed.count == ScrubLists.everyone.count)
            }
        }
    }

    @Test("the opt-out lists remove even what the policy would allow on a contract or a consent, with the list's reason")
    func optOutReasons() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup()
            try setup.write("prospects.csv", ScrubLists.prospects)
            let run = try Self.scrub(setup, ["--campaign", "fibre-promo", "--at", Self.monday])
            #expect(run.status == 0, "\(run.errors)")
            #expect(rows(setup.read("callable.csv")) == [["id", "nom", "telephone"], ["4", "Client 4", ScrubLists.clean]])
            #expect(rows(setup.read("removed.csv")) == [
                ["id", "nom", "telephone", "reason", "class", "next"],
                ["1", "Client 1", ScrubLists.registered, "bloctel", "denied", ""],
                ["2", "Client 2", ScrubLists.operatorListed, "operator-list", "denied", ""],
                ["3", "Client 3", ScrubLists.optedOut, "internal-optout", "denied", ""],
            ])
            #expect(run.output.hasPrefix("rows=4 callable=1 removed=3 internal-optout=1 bloctel=1 operator-list=1\n"))
        }
    }

    @Test("each row gets the decision `dialgate check` plans for it: same policy, same lists")
    func sameDecisionsAsCheck() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup()
            // Numbers on no opt-out list: one callable, one never cleared nor consenting, one
            // in Réunion (13:15 there: outside the hours), one unreadable.
            let numbers = [ScrubLists.clean, "0199000199", "0692123456", "01 99 AB"]
            try setup.write("prospects.csv", "telephone\n" + numbers.map { $0 + "\n" }.joined())
            for (campaign, at) in [("fibre-promo", Self.monday), ("fibre-promo", Self.julyMonday), ("abo-presse", Self.julyMonday)] {
                let run = try Self.scrub(setup, ["--campaign", campaign, "--at", at])
                #expect(run.status == 0, "\(run.errors)")
                let callable = Set(rows(setup.read("callable.csv")).dropFirst().map { $0[0] })
                let removed = Dictionary(uniqueKeysWithValues: rows(setup.read("removed.csv")).dropFirst().map { ($0[0], $0[1]) })
                for number in numbers {
                    let check = try dialgateTool(["check", number, "--campaign", campaign, "--at", at, "--config", setup.configPath])
                    let words = check.output.split(separator: " ")
                    if words.first == "WOULD-ALLOW" {
                        #expect(callable.contains(number), "\(number) \(campaign) \(at): \(check.output)")
                    } else {
                        #expect(removed[number] == words.dropFirst().first.map(String.init), "\(number) \(campaign) \(at): \(check.output)")
                    }
                }
            }
        }
    }

    @Test("an Excel export: Windows-1252 accents, ';', a quoted field with a line break, CRLF; outputs in UTF-8 with a BOM")
    func excelExport() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup()
            let text =
                "Nom;Prénom;Adresse;Téléphone\r\n"
                + "Dupont;Hélène;\"12 rue de l'Église\r\n75001 Paris\";01 99 00 01 04\r\n"
                + "Martin;Zoé;\"3 place \"\"Verte\"\"\";01 99 00 01 03\r\n"
            try setup.write("export.csv", windows1252(text))
            let run = try Self.scrub(setup, input: "export.csv", ["--campaign", "fibre-promo", "--date", "2026-11-30"])
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.contains("export.csv: windows-1252, delimiter ';', number column 4 (\"Téléphone\", detected)"))
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            #expect(setup.bytes("callable.csv") == bom + Array(
                ("Nom;Prénom;Adresse;Téléphone\r\n" + "Dupont;Hélène;\"12 rue de l'Église\r\n75001 Paris\";01 99 00 01 04\r\n").utf8))
            #expect(setup.bytes("removed.csv") == bom + Array(
                ("Nom;Prénom;Adresse;Téléphone;reason;class;next\r\n"
                    + "Martin;Zoé;\"3 place \"\"Verte\"\"\";01 99 00 01 03;internal-optout;denied;\r\n").utf8))
        }
    }

    @Test("the number column can be named or numbered, a file without a header says so, and Excel's =\"0…\" is read")
    func columnChoices() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup()
            try setup.write("two.csv", "fixe,mobile\n0199000103,\"=\"\"0199000104\"\"\"\n")
            let named = try Self.scrub(setup, input: "two.csv", ["--campaign", "fibre-promo", "--at", Self.monday, "--column", "Mobile"])
            #expect(named.status == 0, "\(named.errors)")
            #expect(setup.read("callable.csv") == "fixe,mobile\n0199000103,\"=\"\"0199000104\"\"\"\n")
            let numbered = try Self.scrub(setup, input: "two.csv", ["--campaign", "fibre-promo", "--at", Self.monday, "--column", "1"])
            #expect(numbered.status == 0)
            #expect(setup.read("removed.csv") == "fixe,mobile,reason,class,next\n0199000103,\"=\"\"0199000104\"\"\",internal-optout,denied,\n")

            // A header shorter than the rows: the column found in the rows still counts.
            try setup.write("short.csv", "liste de novembre\nDupont;\(ScrubLists.clean)\n")
            let short = try Self.scrub(setup, input: "short.csv", ["--campaign", "fibre-promo", "--at", Self.monday])
            #expect(short.status == 0, "\(short.errors)")
            #expect(setup.read("callable.csv") == "liste de novembre\nDupont;\(ScrubLists.clean)\n")

            try setup.write("bare.txt", "\(ScrubLists.clean)\n\(ScrubLists.optedOut)\n")
            let bare = try Self.scrub(setup, input: "bare.txt", ["--campaign", "fibre-promo", "--at", Self.monday, "--no-header"])
            #expect(bare.status == 0, "\(bare.errors)")
            #expect(setup.read("callable.csv") == "\(ScrubLists.clean)\n")
            #expect(setup.read("removed.csv") == "\(ScrubLists.optedOut);internal-optout;denied;\n")
        }
    }

    @Test("--date is that day at 10:00 in Paris; a 'later' denial says in next= when the call would be allowed")
    func dateAndNext() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup()
            try setup.write("prospects.csv", "telephone\n\(ScrubLists.clean)\n")
            let sunday = try Self.scrub(setup, ["--campaign", "fibre-promo", "--date", "2026-11-29"])
            #expect(sunday.status == 0, "\(sunday.errors)")
            #expect(sunday.output.contains(" at 2026-11-29T09:00:00.000Z;"))
            #expect(rows(setup.read("removed.csv")) == [
                ["telephone", "reason", "class", "next"], [ScrubLists.clean, "non-calling-day", "later", "2026-11-30T10:00:00+01:00"],
            ])
            #expect(rows(setup.read("callable.csv")) == [["telephone"]])
        }
    }

    @Test("bad input: a clear message, exit 2, and nothing written", arguments: ScrubTests.badInputs)
    func badInput(_ bad: BadInput) async throws {
        try await onOwnThread {
            let setup = try OfflineSetup(ledger: bad.ledger)
            try setup.write("prospects.csv", bad.prospects)
            let input = bad.input
            for (name, text) in bad.lists { try text.write(toFile: setup.listsPath + "/" + name, atomically: true, encoding: .utf8) }
            let before = setup.files
            let run = try Self.scrub(setup, input: input, bad.arguments.map { $0.replacingOccurrences(of: "$DIR", with: setup.directory) })
            #expect(run.status == 2, "\(bad.name): \(run.output) \(run.errors)")
            #expect(run.errors.hasPrefix("dialgate: "), "\(bad.name): \(run.errors)")
            #expect(run.errors.contains(bad.message), "\(bad.name): \(run.errors)")
            #expect(setup.files == before, "\(bad.name) left \(setup.files.subtracting(before))")
        }
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        var message: String
        var prospects = Array(ScrubLists.prospects.utf8)
        var input = "prospects.csv"
        var lists: [String: String] = [:]
        var ledger: [UInt8]? = []
        var testDescription: String { name }
    }

    static let plan = ["--campaign", "fibre-promo", "--at", monday]
    static let badInputs: [BadInput] = [
        BadInput(name: "a missing file", arguments: plan, message: "cannot read", input: "missing.csv"),
        BadInput(name: "an encoding it does not read", arguments: plan + ["--encoding", "ebcdic"], message: "--encoding 'ebcdic'"),
        BadInput(
            name: "UTF-8 declared on Windows-1252 bytes", arguments: plan + ["--encoding", "utf-8"], message: "not in the declared encoding utf-8",
            prospects: windows1252("tel;nom\n0199000104;Zoé\n")),
        BadInput(name: "no column of numbers", arguments: plan, message: "no column of", prospects: Array("nom;ville\nDupont;Paris\nMartin;Lyon\n".utf8)),
        BadInput(name: "a number column past the last", arguments: plan + ["--column", "9"], message: "--column 9"),
        BadInput(name: "a number column name not in the header", arguments: plan + ["--column", "portable"], message: "no such column"),
        BadInput(name: "an unknown campaign", arguments: ["--campaign", "nope", "--at", monday], message: "unknown campaign 'nope'"),
        BadInput(name: "an instant without an offset", arguments: ["--campaign", "fibre-promo", "--at", "2026-11-30T10:15:00"], message: "--at"),
        BadInput(name: "a day that is not YYYY-MM-DD", arguments: ["--campaign", "fibre-promo", "--date", "30/11/2026"], message: "--date"),
        BadInput(name: "no instant", arguments: ["--campaign", "fibre-promo"], message: "--at <instant> or --date"),
        BadInput(name: "two instants", arguments: plan + ["--date", "2026-11-30"], message: "give one"),
        BadInput(
            name: "a quote never closed, found while writing", arguments: plan, message: "line 6: a quote opened here is never closed",
            prospects: Array((ScrubLists.prospects + "5;\"Client 5;0199000105\n").utf8)),
        BadInput(name: "no ledger", arguments: plan, message: "cannot read the daemon's ledger", ledger: nil),
        BadInput(name: "a ledger damaged in the middle", arguments: plan, message: "damaged record at line 1", ledger: Array("1\t00000000\toptout\t+33199000103\t2026-11-01T10:00:00.000Z\tx\n2\t19fde094\toptout\t+33199000104\t2026-11-01T10:00:00.000Z\tx\n".utf8)),
        BadInput(
            name: "lists the daemon would refuse", arguments: plan, message: "are refused",
            lists: ["future.txt": "# dialgate-list kind=internal-optout as-of=2099-01-01\n0199000104\n"]),
        BadInput(name: "an output that is the input", arguments: plan + ["--removed", "$DIR/prospects.csv"], message: "is also an input"),
        BadInput(name: "a configuration that does not exist", arguments: plan + ["--config", "$DIR/none.toml"], message: "none.toml"),
    ]

    @Test("one journal entry records the run: the input's SHA-256, counts by reason, campaign, instant, and no number")
    func journalEntry() async throws {
        try await onOwnThread {
            let setup = try OfflineSetup()
            // A file of its own, so its digest finds this run's entry alone.
            try setup.write("prospects.csv", ScrubLists.prospects + "5;\(UUID().uuidString);01 99 AB\n")
            let run = try Self.scrub(setup, ["--campaign", "fibre-promo", "--at", Self.monday])
            #expect(run.status == 0, "\(run.errors)")
            let digest = try sha256(ofFile: setup.path("prospects.csv"))
            let entries = try JournalQuery.entries(matching: "DIALGATE_INPUT_SHA256=\(digest)")
            #expect(entries.count == 1)
            let entry = try #require(entries.first)
            #expect(entry["MESSAGE_ID"] as? String == AuditMessageID.scrub)
            #expect(entry[AuditField.campaign] as? String == "fibre-promo")
            #expect(entry[AuditField.at] as? String == "2026-11-30T09:15:00.000Z")
            #expect(entry[AuditField.rows] as? String == "5")
            #expect(entry[AuditField.callableRows] as? String == "1")
            #expect(entry[AuditField.removedRows] as? String == "4")
            #expect(entry[AuditField.removedByReason] as? String == "invalid-number=1,internal-optout=1,bloctel=1,operator-list=1")
            #expect(entry[AuditField.callableSHA256] as? String == (try sha256(ofFile: setup.path("callable.csv"))))
            #expect(entry[AuditField.removedSHA256] as? String == (try sha256(ofFile: setup.path("removed.csv"))))
            #expect((entry[AuditField.snapshot] as? String)?.count == 16)
            #expect(entry[AuditField.ledgerLastSeq] as? String == "0")
            for (field, value) in entry where field.hasPrefix("DIALGATE_") || field == "MESSAGE" {
                #expect(!"\(value)".contains("199000"), "a number in the journal: \(field)=\(value)")
            }
        }
    }

    @Test("the daemon's ledger counts: an OPTOUT, a CONSENT and a REFUSAL recorded at runtime, read while the daemon runs")
    func ledgerOfARunningDaemon() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: ScrubLists.lists)
            let newcomer = "0199000105"  // in no list: callable only on the consent the daemon records
            let refused = "0199000106"
            #expect(try daemon.ask("OPTOUT \(ScrubLists.clean) source=agent-7").hasPrefix("OK optout "))
            #expect(try daemon.ask("CONSENT \(newcomer) proof=call-recording-77 given-at=2026-11-02T09:00:00Z").hasPrefix("OK consent "))
            #expect(try daemon.ask("CONSENT \(refused) proof=call-recording-78 given-at=2026-11-02T09:00:00Z").hasPrefix("OK consent "))
            #expect(try daemon.ask("REFUSAL \(refused) campaign=fibre-promo").hasPrefix("OK refusal "))
            let prospects = daemon.directory + "/prospects.csv"
            try "telephone\n\(ScrubLists.clean)\n\(newcomer)\n\(refused)\n".write(toFile: prospects, atomically: true, encoding: .utf8)
            let run = try dialgateTool([
                "scrub", prospects, "--campaign", "fibre-promo", "--at", Self.monday, "--config", daemon.configPath,
                "--callable", daemon.directory + "/callable.csv", "--removed", daemon.directory + "/removed.csv",
            ])
            #expect(run.status == 0, "\(run.errors)")
            let callable = try String(contentsOfFile: daemon.directory + "/callable.csv", encoding: .utf8)
            #expect(callable == "telephone\n\(newcomer)\n")
            let removed = rows(try String(contentsOfFile: daemon.directory + "/removed.csv", encoding: .utf8))
            #expect(removed.count == 3)
            #expect(removed[1] == [ScrubLists.clean, "internal-optout", "denied", ""])
            #expect(Array(removed[2].prefix(3)) == [refused, "refusal-cooldown", "later"])
            #expect(removed[2][3].hasPrefix("2027-"))
            // The daemon still serves and records: the scrub took no lock and wrote nothing.
            #expect(try daemon.ask("OPTOUT \(newcomer)").hasPrefix("OK optout "))
        }
    }
}
