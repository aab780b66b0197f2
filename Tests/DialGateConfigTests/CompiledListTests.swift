import DialGateConfig
import Foundation
import Testing

@testable import DialGateCore

/// A text list's compiled file, as `dialgate compile` writes it: header, then the index image.
func compiledBytes(_ text: String, name: String = "list.txt", now: Date = listTestNow) throws -> [UInt8] {
    let file = try ListFile.parse(name: name, contents: Data(text.utf8), now: now)
    let compiled = try CompiledList(compiling: file, attributes: ["compiled-from": name])
    return compiled.headerBytes + compiled.withImage { Array($0) }
}

extension ScratchDirectory {
    /// Writes a file by renaming a new one over it, as `dialgate compile` does: a snapshot that
    /// maps the old file keeps reading the old bytes.
    func replace(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path + "/" + name), options: .atomic)
    }
}

@Suite("Compiled lists")
struct CompiledListTests {
    /// 3 000 numbers of two ranges, some listed twice.
    static let numbers = fictionNumbers(2_000) + fictionNumbers(1_000, from: 500_000) + fictionNumbers(100)

    @Test("a compiled list in the directory is mapped and holds every number of its text list, and no other")
    func compiledListFindsEveryListedNumber() throws {
        let directory = try ScratchDirectory()
        let text = numberList(.bloctelRegistered, asOf: "2026-11-02", Self.numbers)
        try directory.replace("registry.dgidx", try compiledBytes(text, name: "registry.txt"))
        let snapshot = try directory.load().get().snapshot
        #expect(snapshot.files.map(\.name) == ["registry.dgidx"])
        #expect(snapshot.files.first?.records == Self.numbers.count)
        #expect(snapshot.files.first?.kind == .bloctelRegistered)
        #expect(snapshot.files.first?.asOf == day("2026-11-02"))
        #expect(snapshot.manifest.first?.attributes["compiled-from"] == "registry.txt")
        let lists = snapshot.numberLists(of: .bloctelRegistered)
        #expect(lists.count == 1 && lists.first?.count == 3_000)
        for text in Set(Self.numbers) {
            #expect(snapshot.facts(for: number(text)).bloctelRegistrations == [day("2026-11-02")], "\(text)")
        }
        for text in fictionNumbers(500, from: 2_000) + fictionNumbers(100, from: 499_900) {
            #expect(snapshot.facts(for: number(text)).bloctelRegistrations.isEmpty, "\(text)")
        }
    }

    @Test("a compiled list's manifest SHA-256 is sha256sum's of the .dgidx file")
    func manifestDigestIsSha256sum() throws {
        let directory = try ScratchDirectory()
        try directory.replace("optout.dgidx", try compiledBytes(numberList(.internalOptOut, asOf: "2026-11-01", Self.numbers)))
        let snapshot = try directory.load().get().snapshot
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [directory.path + "/optout.dgidx"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(snapshot.manifest.first?.sha256 == String(printed.prefix(64)))
    }

    @Test("a truncated or corrupt compiled list refuses the whole load, and the previous snapshot keeps answering")
    func corruptCompiledListIsRefused() throws {
        let directory = try ScratchDirectory()
        try directory.write("a.txt", numberList(.internalOptOut, asOf: "2026-11-01", ["0199999999"]))
        let good = try compiledBytes(numberList(.bloctelRegistered, asOf: "2026-11-02", Self.numbers))
        try directory.replace("registry.dgidx", good)
        let previous = try directory.load().get().snapshot

        var bad: [(String, [UInt8])] = []
        for length in [0, 7, 8, 63, 64, 100, good.count / 2, good.count - 8, good.count - 1] {
            bad.append(("truncated to \(length) bytes", Array(good.prefix(length))))
        }
        bad.append(("one byte more", good + [0]))
        // A flipped bit in the magic, the version, the lengths, the counts, the checksums, the
        // header text, the index's header, its directory, and its bits near the end.
        for offset in [0, 8, 12, 16, 24, 40, 48, 56, 70, 128, 128 + 8, 128 + 40, good.count - 200, good.count - 12] {
            var flipped = good
            flipped[offset] ^= 0x04
            bad.append(("a bit flipped at byte \(offset)", flipped))
        }
        for version: UInt8 in [1, 3] {
            var other = good
            other[8] = version
            bad.append(("version \(version)", other))
        }
        for (what, bytes) in bad {
            try directory.replace("registry.dgidx", bytes)
            guard case .failure(let failure) = directory.load(previous: previous) else {
                Issue.record("\(what): loaded")
                continue
            }
            #expect(failure.problems.map(\.cause) == [.malformedFile], "\(what)")
            #expect(failure.problems.first?.file == "registry.dgidx", "\(what)")
        }
        // The previous snapshot maps the file it loaded, which the renames left whole.
        #expect(previous.facts(for: number("0199000042")).bloctelRegistrations == [day("2026-11-02")])
        #expect(previous.facts(for: number("0199999999")).internalOptOut != nil)
    }

    @Test("a compiled list that shrank by more than the allowed share is refused as a truncated copy")
    func shrunkCompiledListIsRefused() throws {
        let directory = try ScratchDirectory()
        try directory.replace("registry.dgidx", try compiledBytes(numberList(.bloctelCleared, asOf: "2026-11-02", fictionNumbers(100))))
        let first = try directory.load().get().snapshot
        try directory.replace("registry.dgidx", try compiledBytes(numberList(.bloctelCleared, asOf: "2026-11-02", fictionNumbers(49))))
        guard case .failure(let failure) = directory.load(previous: first) else {
            Issue.record("a truncated copy loaded")
            return
        }
        #expect(failure.problems.map(\.cause) == [.truncatedFile])
    }

    @Test("a compiled list dated after today is refused, as its text list would be")
    func futureCompiledListIsRefused() throws {
        let directory = try ScratchDirectory()
        let later = listTestNow.addingTimeInterval(40 * 86_400)
        try directory.replace("registry.dgidx", try compiledBytes(numberList(.bloctelCleared, asOf: "2026-12-20", ["0199000001"]), now: later))
        guard case .failure(let failure) = directory.load() else {
            Issue.record("a future list loaded")
            return
        }
        #expect(failure.problems.map(\.cause) == [.malformedFile])
        #expect(failure.problems.first?.message.contains("in the future") == true)
    }

    @Test("only number lists compile: consents, contracts and business contacts are records")
    func recordListsDoNotCompile() throws {
        let text = "# dialgate-list kind=b2b-contacts as-of=2026-11-01\nnumber;company;activities\n0199000001;Durand;43.22A\n"
        let file = try ListFile.parse(name: "b2b.csv", contents: Data(text.utf8), now: listTestNow)
        #expect(throws: ListLoadFailure.self) { try CompiledList(compiling: file) }
    }
}
