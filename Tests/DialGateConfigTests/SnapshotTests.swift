import DialGateConfig
import Foundation
import Testing

@testable import DialGateCore

/// A scratch list directory, removed when the test ends.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("dialgate-lists-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    func remove(_ name: String) throws {
        try FileManager.default.removeItem(atPath: path + "/" + name)
    }

    func load(previous: Snapshot? = nil, now: Date = listTestNow) -> Result<ListLoad, ListLoadFailure> {
        ListDirectoryLoader(directory: path).load(previous: previous, now: now)
    }
}

func numberList(_ kind: ListKind, asOf: String, _ numbers: [String]) -> String {
    "# dialgate-list kind=\(kind) as-of=\(asOf)\n" + numbers.joined(separator: "\n") + "\n"
}

/// `count` distinct fiction numbers (01 99 00 xx xx) from `first`.
func fictionNumbers(_ count: Int, from first: Int = 0) -> [String] {
    (first..<(first + count)).map { String(format: "0199%06d", $0) }
}

func number(_ text: String) -> PhoneNumber { try! PhoneNumber(parsing: text) }


@Suite("Snapshots and the list directory")
struct SnapshotTests {
    @Test("only regular .txt, .csv and .list files not starting with a dot are loaded")
    func fileSelection() throws {
        let directory = try ScratchDirectory()
        let good = numberList(.internalOptOut, asOf: "2026-11-01", ["0199000001"])
        try directory.write("a.txt", good)
        try directory.write("b.csv", good)
        try directory.write("c.list", good)
        try directory.write(".d.txt", "garbage")
        try directory.write(".e.txt.tmp", "garbage")
        try directory.write("f.txt.tmp", "garbage")
        try directory.write("README.md", "garbage")
        try directory.write("g.txt~", "garbage")
        try FileManager.default.createDirectory(atPath: directory.path + "/old.txt", withIntermediateDirectories: false)
        let load = try directory.load().get()
        #expect(load.snapshot.files.map(\.name) == ["a.txt", "b.csv", "c.list"])
        #expect(load.warnings.isEmpty)
    }

    @Test("a missing directory fails the load; an empty one gives an empty snapshot that clears nobody")
    func missingAndEmptyDirectory() throws {
        let missing = ListDirectoryLoader(directory: "/nonexistent/dialgate/lists").load(previous: nil, now: listTestNow)
        guard case .failure(let failure) = missing else {
            Issue.record("a missing directory loaded")
            return
        }
        #expect(failure.problems.map(\.cause) == [.directory])
        #expect(failure.problems.first?.message == "no list directory at /nonexistent/dialgate/lists")

        let directory = try ScratchDirectory()
        let snapshot = try directory.load().get().snapshot
        #expect(snapshot.files.isEmpty)
        #expect(snapshot.facts(for: number("0199000001")) == CallFacts())
        #expect(snapshot.oldestClearanceAsOf == nil)
        #expect(snapshot.loadedAt == listTestNow)
    }

    @Test("one refused file refuses the whole load, listing every problem of every file")
    func oneBadFileRefusesAll() throws {
        let directory = try ScratchDirectory()
        try directory.write("good.txt", numberList(.internalOptOut, asOf: "2026-11-01", ["0199000001"]))
        try directory.write("no-header.txt", "0199000002\n")
        try directory.write("future.txt", numberList(.bloctelCleared, asOf: "2026-12-25", ["0199000003"]))
        var warned = "# dialgate-list kind=operator-optout as-of=2026-11-01\n"
        warned += fictionNumbers(200).joined(separator: "\n") + "\nnot-a-number\n"
        try directory.write("warned.txt", warned)
        guard case .failure(let failure) = directory.load() else {
            Issue.record("a load with bad files succeeded")
            return
        }
        #expect(
            failure.problems.map(\.description) == [
                "future.txt:1: as-of 2026-12-25 is in the future (today is 2026-11-29 in Europe/Paris)",
                "no-header.txt:1: missing header: the first line must be `# dialgate-list kind=<kind> as-of=YYYY-MM-DD`",
                "warned.txt:202: invalid character 'n' at character 1",
            ])
    }

    @Test("bad lines under the allowed share load, and come back as warnings")
    func warningsOnSuccess() throws {
        let directory = try ScratchDirectory()
        try directory.write("optout.txt", numberList(.internalOptOut, asOf: "2026-11-01", fictionNumbers(150) + ["01 99 00 00"]))
        let load = try directory.load().get()
        #expect(load.warnings.map(\.description) == ["optout.txt:152: too few digits (8)"])
        #expect(load.snapshot.files.first?.records == 150)
        #expect(load.snapshot.files.first?.badLines == 1)
    }

    @Test("a file that shrank by more than the allowed share is refused as a truncated copy")
    func shrinkRefused() throws {
        let directory = try ScratchDirectory()
        try directory.write("bloctel.csv", numberList(.bloctelCleared, asOf: "2026-11-02", fictionNumbers(100)))
        let first = try directory.load().get().snapshot

        try directory.write("bloctel.csv", numberList(.bloctelCleared, asOf: "2026-11-02", fictionNumbers(49)))
        guard case .failure(let failure) = directory.load(previous: first) else {
            Issue.record("a truncated copy loaded")
            return
        }
        #expect(failure.problems.map(\.cause) == [.truncatedFile])
        #expect(failure.problems.first?.message.hasPrefix("49 records where the previous copy had 100") == true)

        // Half is within the default limit; and without a previous snapshot nothing is compared.
        try directory.write("bloctel.csv", numberList(.bloctelCleared, asOf: "2026-11-02", fictionNumbers(50)))
        #expect(try directory.load(previous: first).get().snapshot.totalNumbers == 50)
        try directory.write("bloctel.csv", numberList(.bloctelCleared, asOf: "2026-11-02", fictionNumbers(10)))
        #expect(try directory.load(previous: nil).get().snapshot.totalNumbers == 10)
    }

    @Test("a file removed since the previous snapshot is a warning, not a refusal")
    func removedFile() throws {
        let directory = try ScratchDirectory()
        try directory.write("a.txt", numberList(.internalOptOut, asOf: "2026-11-01", ["0199000001"]))
        try directory.write("old-bloctel.txt", numberList(.bloctelCleared, asOf: "2026-07-06", ["0199000002"]))
        let first = try directory.load().get().snapshot
        try directory.remove("old-bloctel.txt")
        let load = try directory.load(previous: first).get()
        #expect(load.warnings.map(\.cause) == [.removedFile])
        #expect(load.warnings.first?.file == "old-bloctel.txt")
        #expect(load.snapshot.files.map(\.name) == ["a.txt"])
    }

    @Test("the snapshot id is stable for the same content and changes with any content change")
    func snapshotID() throws {
        let directory = try ScratchDirectory()
        try directory.write("a.txt", numberList(.internalOptOut, asOf: "2026-11-01", ["0199000001", "0199000002"]))
        let first = try directory.load().get().snapshot
        let again = try directory.load(previous: first).get().snapshot
        #expect(first.id == again.id)
        #expect(first.id.count == 16)
        try directory.write("a.txt", numberList(.internalOptOut, asOf: "2026-11-01", ["0199000001", "0199000003"]))
        let changed = try directory.load(previous: first).get().snapshot
        #expect(changed.id != first.id)
        #expect(Snapshot.empty(loadedAt: listTestNow).id != first.id)
    }

    @Test("facts(for:) fills the list part of CallFacts for each kind of list")
    func factsForEachKind() throws {
        let directory = try ScratchDirectory()
        try directory.write("internal.txt", numberList(.internalOptOut, asOf: "2026-11-20", ["0199000001"]))
        try directory.write("operator.txt", numberList(.operatorOptOut, asOf: "2026-10-15", ["0199000002"]))
        try directory.write("registered.txt", numberList(.bloctelRegistered, asOf: "2026-11-02", ["0199000003"]))
        try directory.write("cleared.csv", numberList(.bloctelCleared, asOf: "2026-11-02", ["0199000004"]))
        try directory.write(
            "consents.csv",
            "# dialgate-list kind=consents as-of=2026-11-25\nnumber;kind;given_at;proof\n"
                + "0199000005;callback;2026-11-18T11:30:00+01:00;recording 1\n"
                + "0199000005;prospecting;2026-08-20T18:00:00+02:00;form 2\n")
        try directory.write(
            "contracts.csv", "# dialgate-list kind=contracts as-of=2026-11-25\nnumber;subjects;ends\n0199000006;telecom|mobile;2027-06-30\n")
        try directory.write(
            "b2b.csv", "# dialgate-list kind=b2b-contacts as-of=2026-11-25\nnumber;activities\n0199000007;62.01Z|it\n")
        try directory.write(
            "b2b-more.csv", "# dialgate-list kind=b2b-contacts as-of=2026-11-25\nnumber;activities\n0199000007;it|63.11Z\n")
        let snapshot = try directory.load().get().snapshot

        #expect(snapshot.facts(for: number("0199000001")) == CallFacts(internalOptOut: .list(file: "internal.txt")))
        #expect(snapshot.facts(for: number("0199000002")) == CallFacts(operatorOptOutAsOf: day("2026-10-15")))
        #expect(snapshot.facts(for: number("0199000003")) == CallFacts(bloctelRegisteredAsOf: day("2026-11-02")))
        #expect(snapshot.facts(for: number("0199000004")) == CallFacts(bloctelClearedAsOf: day("2026-11-02")))
        let consents = snapshot.facts(for: number("0199000005")).consents
        #expect(consents.map(\.kind) == [.callback, .prospecting])
        #expect(consents.map(\.proof) == ["recording 1", "form 2"])
        #expect(
            snapshot.facts(for: number("0199000006")).contracts == [
                ContractRecord(subjects: ["telecom", "mobile"], ends: day("2027-06-30"))
            ])
        #expect(snapshot.facts(for: number("0199000007")).businessActivities == ["it", "63.11Z", "62.01Z"])
        #expect(snapshot.facts(for: number("0199000008")) == CallFacts())
        #expect(snapshot.totalNumbers == 9)
    }

    @Test("several Bloctel checks are kept newest first: a number gets the newest date that holds it")
    func bloctelNewestFirst() throws {
        let directory = try ScratchDirectory()
        try directory.write("r-07.txt", numberList(.bloctelRegistered, asOf: "2026-07-06", ["0199000001", "0199000002"]))
        try directory.write("r-11.txt", numberList(.bloctelRegistered, asOf: "2026-11-02", ["0199000001"]))
        try directory.write("c-07.csv", numberList(.bloctelCleared, asOf: "2026-07-06", ["0199000003", "0199000004"]))
        try directory.write("c-11.csv", numberList(.bloctelCleared, asOf: "2026-11-02", ["0199000003", "0199000002"]))
        try directory.write("c-09.csv", numberList(.bloctelCleared, asOf: "2026-09-01", ["0199000003"]))
        let snapshot = try directory.load().get().snapshot

        #expect(snapshot.numberLists(of: .bloctelCleared).map(\.asOf) == [day("2026-11-02"), day("2026-09-01"), day("2026-07-06")])
        #expect(snapshot.numberLists(of: .bloctelRegistered).map(\.file) == ["r-11.txt", "r-07.txt"])
        #expect(snapshot.oldestClearanceAsOf == day("2026-07-06"))
        #expect(snapshot.newestClearanceAsOf == day("2026-11-02"))
        #expect(snapshot.facts(for: number("0199000001")).bloctelRegisteredAsOf == day("2026-11-02"))
        #expect(snapshot.facts(for: number("0199000003")).bloctelClearedAsOf == day("2026-11-02"))
        #expect(snapshot.facts(for: number("0199000004")).bloctelClearedAsOf == day("2026-07-06"))
        // Registered in July, cleared in November: both dates are facts; the policy weighs them.
        let both = snapshot.facts(for: number("0199000002"))
        #expect(both.bloctelRegisteredAsOf == day("2026-07-06"))
        #expect(both.bloctelClearedAsOf == day("2026-11-02"))
    }

    @Test("STATS facts give the id, the numbers, and per kind the count and newest as-of")
    func statisticsFacts() throws {
        let directory = try ScratchDirectory()
        try directory.write("c-07.csv", numberList(.bloctelCleared, asOf: "2026-07-06", ["0199000003", "0199000004"]))
        try directory.write("c-11.csv", numberList(.bloctelCleared, asOf: "2026-11-02", ["0199000003"]))
        try directory.write("internal.txt", numberList(.internalOptOut, asOf: "2026-11-20", ["0199000001"]))
        let snapshot = try directory.load().get().snapshot
        let facts = Dictionary(uniqueKeysWithValues: snapshot.statisticsFacts.map { ($0.key, $0.value) })
        #expect(facts["snapshot"] == snapshot.id)
        #expect(facts["numbers"] == "4")
        #expect(facts["list_files"] == "3")
        #expect(facts["bloctel_cleared"] == "3")
        #expect(facts["bloctel_cleared_asof"] == "2026-11-02")
        #expect(facts["bloctel_cleared_oldest_asof"] == "2026-07-06")
        #expect(facts["internal_optout"] == "1")
        #expect(facts["consents"] == "0")
        #expect(facts["consents_asof"] == nil)
        #expect(facts["bad_lines"] == "0")
    }

    @Test("the example list directory loads and says what its comments say")
    func examples() throws {
        let lists = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/lists").path
        let load = try ListDirectoryLoader(directory: lists).load(previous: nil, now: listTestNow).get()
        #expect(load.warnings.isEmpty)
        let snapshot = load.snapshot
        #expect(Set(snapshot.files.map(\.kind)) == Set(ListKind.allCases))
        #expect(snapshot.oldestClearanceAsOf == day("2026-07-06"))

        // Registered in July, found cleared in November.
        let leftBloctel = snapshot.facts(for: number("01 99 00 00 04"))
        #expect(leftBloctel.bloctelRegisteredAsOf == day("2026-07-06"))
        #expect(leftBloctel.bloctelClearedAsOf == day("2026-11-02"))
        // Cleared in July, registered since.
        let joinedBloctel = snapshot.facts(for: number("01 99 00 00 06"))
        #expect(joinedBloctel.bloctelRegisteredAsOf == day("2026-11-02"))
        #expect(joinedBloctel.bloctelClearedAsOf == day("2026-07-06"))
        #expect(snapshot.facts(for: number("01 99 00 00 11")).internalOptOut == .list(file: "internal-optout.txt"))
        #expect(snapshot.facts(for: number("01 99 00 00 12")).operatorOptOutAsOf == day("2026-10-15"))
        let consented = snapshot.facts(for: number("01 99 00 00 45"))
        #expect(consented.internalOptOut == .list(file: "internal-optout.txt"))
        #expect(consented.consents.count == 1)
        #expect(snapshot.facts(for: number("01 99 00 00 44")).consents.first?.revokedAt != nil)
        #expect(snapshot.facts(for: number("01 99 00 00 51")).contracts.first?.subjects == ["energy-renovation"])
        #expect(snapshot.facts(for: number("01 99 00 90 01")).businessActivities == ["62.01Z", "it-services"])
    }
}
