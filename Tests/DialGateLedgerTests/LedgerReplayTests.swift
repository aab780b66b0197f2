import DialGateCore
import Foundation
import Testing

@testable import DialGateLedger

@Suite("Ledger replay of a damaged file")
struct LedgerReplayTests {
    let scratch = LedgerScratchDirectory()
    let alice = phone("06 12 34 56 78")

    /// Writes three opt-outs (seq 1...3) and closes; returns the byte offset where each line starts.
    func threeRecords() async throws -> [Int] {
        let ledger = try Ledger(directory: scratch.path)
        for index in 1...3 {
            try await ledger.append(.optOut(number: phone("+3361000000\(index)"), at: day(Double(index)), source: "s\(index)"))
        }
        ledger.close()
        var starts = [0]
        for (offset, byte) in scratch.logBytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(offset + 1) }
        return Array(starts.dropLast())
    }

    /// The last line, cut at several places: a crash during its write.
    @Test("a record torn at the end is cut away, kept aside, and appends and reopening go on cleanly", arguments: [1, 10, 30, -1])
    func tornTail(keep: Int) async throws {
        let starts = try await threeRecords()
        let original = scratch.logBytes
        let lastLength = original.count - starts[2]
        let kept = keep > 0 ? keep : lastLength - 1  // -1: everything but the newline
        try scratch.writeLog(Array(original[..<(starts[2] + kept)]))

        let ledger = try Ledger(directory: scratch.path)
        let report = ledger.openReport
        #expect(report.recordsReplayed == 2)
        #expect(report.tornTailBytes == kept)
        #expect(report.damagedRecords == 0)
        #expect(report.lastSeq == 2)
        let copy = try #require(report.tornTailCopy)
        #expect(Array(FileManager.default.contents(atPath: copy) ?? Data()) == Array(original[starts[2]..<(starts[2] + kept)]))
        #expect(scratch.logBytes == Array(original[..<starts[2]]))
        #expect(ledger.facts(for: phone("+33610000003")).isEmpty)

        #expect(try await ledger.append(.optOut(number: alice, at: day(9), source: "after")) == 3)
        ledger.close()
        let reopened = try Ledger(directory: scratch.path)
        #expect(reopened.openReport == LedgerOpenReport(recordsReplayed: 3, lastSeq: 3))
        #expect(reopened.facts(for: alice).internalOptOutSource == "after")
    }

    @Test("garbage without a newline after the last record is cut away")
    func garbageTail() async throws {
        _ = try await threeRecords()
        let original = scratch.logBytes
        try scratch.writeLog(original + [0, 0, 0, 0x41, 0x09, 0x42])
        let ledger = try Ledger(directory: scratch.path)
        #expect(ledger.openReport.recordsReplayed == 3)
        #expect(ledger.openReport.tornTailBytes == 6)
        #expect(scratch.logBytes == original)
        #expect(try await ledger.append(.optOut(number: alice, at: day(9), source: "after")) == 4)
    }

    @Test("a complete last line whose checksum fails is cut away and counted as damaged")
    func damagedLastLine() async throws {
        let starts = try await threeRecords()
        var bytes = scratch.logBytes
        bytes[starts[2] + 20] ^= 0x20
        try scratch.writeLog(bytes)
        let ledger = try Ledger(directory: scratch.path)
        #expect(ledger.openReport.recordsReplayed == 2)
        #expect(ledger.openReport.damagedRecords == 1)
        #expect(ledger.openReport.tornTailBytes == bytes.count - starts[2])
        #expect(scratch.logBytes == Array(bytes[..<starts[2]]))
    }

    @Test("a damaged record in the middle refuses to open, and the file is left untouched")
    func damagedMiddleRefuses() async throws {
        let starts = try await threeRecords()
        var bytes = scratch.logBytes
        bytes[starts[1] + 20] ^= 0x20
        try scratch.writeLog(bytes)
        #expect(throws: LedgerError.damagedRecord(line: 2, offset: UInt64(starts[1]), reason: "checksum mismatch")) {
            try Ledger(directory: scratch.path)
        }
        #expect(scratch.logBytes == bytes)
        #expect(scratch.files(withPrefix: "ledger.log.").isEmpty)
    }

    @Test("a damaged record in the middle followed by a torn tail still refuses to open")
    func damagedMiddleAndTornTail() async throws {
        let starts = try await threeRecords()
        var bytes = scratch.logBytes
        bytes[starts[1] + 20] ^= 0x20
        try scratch.writeLog(bytes + Array("4\tdead".utf8))
        #expect(throws: LedgerError.self) { try Ledger(directory: scratch.path) }
    }

    @Test("with the repair option a damaged middle record is dropped, the original kept, and the file reopens cleanly")
    func repairDropsDamage() async throws {
        let starts = try await threeRecords()
        var bytes = scratch.logBytes
        bytes[starts[1] + 20] ^= 0x20
        try scratch.writeLog(bytes)

        let ledger = try Ledger(directory: scratch.path, options: LedgerOptions(repairDamagedRecords: true))
        #expect(ledger.openReport.recordsReplayed == 2)
        #expect(ledger.openReport.damagedRecords == 1)
        let copy = try #require(ledger.openReport.damagedCopy)
        #expect(Array(FileManager.default.contents(atPath: copy) ?? Data()) == bytes)
        #expect(ledger.facts(for: phone("+33610000001")).internalOptOut == day(1))
        #expect(ledger.facts(for: phone("+33610000002")).isEmpty)
        #expect(ledger.facts(for: phone("+33610000003")).internalOptOut == day(3))
        #expect(scratch.logLines.last?.contains("\trepaired\t") == true)
        #expect(try await ledger.append(.optOut(number: alice, at: day(9), source: "after")) == 5)
        ledger.close()

        let reopened = try Ledger(directory: scratch.path)
        #expect(reopened.openReport == LedgerOpenReport(recordsReplayed: 3, lastSeq: 5))
    }

    @Test("a line missing from the middle refuses to open")
    func missingLineRefuses() async throws {
        let starts = try await threeRecords()
        let bytes = scratch.logBytes
        try scratch.writeLog(Array(bytes[..<starts[1]] + bytes[starts[2]...]))
        #expect(throws: LedgerError.missingRecords(after: 1, next: 3)) { try Ledger(directory: scratch.path) }
    }

    @Test("a duplicated line refuses to open")
    func duplicatedLineRefuses() async throws {
        let starts = try await threeRecords()
        let bytes = scratch.logBytes
        try scratch.writeLog(bytes + Array(bytes[starts[1]..<starts[2]]))
        #expect(throws: LedgerError.outOfOrder(line: 4, seq: 2, previous: 3)) { try Ledger(directory: scratch.path) }
    }

    @Test("a whole line this version cannot read refuses to open, even at the end")
    func undecodableTailRefuses() async throws {
        _ = try await threeRecords()
        let body = Array("optout-v2\t+33612345678".utf8)
        var crc = CRC32(Array("4\t".utf8))
        crc.update(body)
        try scratch.writeLog(scratch.logBytes + Array("4\t\(crc.hex)\t".utf8) + body + [UInt8(ascii: "\n")])
        #expect(throws: LedgerError.self) { try Ledger(directory: scratch.path) }
    }
}
