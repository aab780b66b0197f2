import DialGateCore
import Foundation
import Testing

@testable import DialGateLedger

#if canImport(Glibc)
import Glibc
#endif

/// The ledger as a tool reads it beside the daemon: what the daemon's replay would rebuild,
/// without its lock, without changing a byte.
@Suite("Ledger reader")
struct LedgerReaderTests {
    let scratch = LedgerScratchDirectory()
    let alice = phone("06 12 34 56 78")
    let bob = phone("0692 12 34 56")

    /// Opt-outs of +3361000000<n> at day n, n = 1...3; returns the offsets where lines start.
    func threeOptOuts(in ledger: Ledger) async throws -> [Int] {
        for index in 1...3 {
            try await ledger.append(.optOut(number: phone("+3361000000\(index)"), at: day(Double(index)), source: "s\(index)"))
        }
        var starts = [0]
        for (offset, byte) in scratch.logBytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(offset + 1) }
        return Array(starts.dropLast())
    }

    @Test("it sees what the daemon recorded, while the daemon holds the ledger open and locked")
    func readsBesideTheWriter() async throws {
        let ledger = try Ledger(directory: scratch.path)
        defer { ledger.close() }
        try await ledger.append(.optOut(number: alice, at: day(1), source: "agent-42"))
        try await ledger.append(.consent(number: bob, ConsentRecord(scope: "fibre-promo", givenAt: day(2), proof: "web-form")))
        try await ledger.append(.consentRevoked(number: bob, scope: "*", kind: .prospecting, at: day(3)))
        try await ledger.append(.attempt(number: bob, campaign: "fibre-promo", at: day(4)))
        try await ledger.append(.refusal(number: bob, campaign: "fibre-promo", at: day(5)))

        let reader = try LedgerReader(directory: scratch.path)
        #expect(reader.records == 5)
        #expect(reader.lastSeq == 5)
        #expect(reader.tornTailBytes == 0)
        #expect(reader.facts(for: alice) == ledger.facts(for: alice))
        #expect(reader.facts(for: bob) == ledger.facts(for: bob))
        #expect(reader.facts(for: alice).internalOptOutSource == "agent-42")
        #expect(reader.facts(for: phone("06 00 00 00 01")).isEmpty)
        #expect(reader.stats.optOuts == 1 && reader.stats.numbers == 2)
        // The daemon still records after the read: the reader took no lock.
        try await ledger.append(.optOut(number: phone("06 00 00 00 02"), at: day(6), source: "after"))
    }

    @Test("an empty ledger reads as no facts")
    func emptyLedger() throws {
        try FileManager.default.createDirectory(atPath: scratch.path, withIntermediateDirectories: true)
        try scratch.writeLog([])
        let reader = try LedgerReader(directory: scratch.path)
        #expect(reader.records == 0 && reader.lastSeq == 0)
        #expect(reader.facts(for: alice).isEmpty)
    }

    @Test("no ledger file is an error naming the file, not an empty ledger")
    func missingLedger() throws {
        #expect(throws: LedgerError.io(operation: "open", path: scratch.path + "/ledger.log", errno: ENOENT)) {
            try LedgerReader(directory: scratch.path)
        }
    }

    @Test("a torn last line is left out and nothing is cut: the daemon's next open still finds it", arguments: [1, 25, -1])
    func tornTail(keep: Int) async throws {
        let ledger = try Ledger(directory: scratch.path)
        let starts = try await threeOptOuts(in: ledger)
        ledger.close()
        let original = scratch.logBytes
        let kept = keep > 0 ? keep : original.count - starts[2] - 1  // -1: all but the newline
        let torn = Array(original[..<(starts[2] + kept)])
        try scratch.writeLog(torn)

        let reader = try LedgerReader(directory: scratch.path)
        #expect(reader.records == 2)
        #expect(reader.lastSeq == 2)
        #expect(reader.tornTailBytes == kept)
        #expect(reader.facts(for: phone("+33610000002")).internalOptOut == day(2))
        #expect(reader.facts(for: phone("+33610000003")).isEmpty)
        #expect(scratch.logBytes == torn)
        #expect(scratch.files(withPrefix: "ledger.log.").isEmpty)
    }

    @Test("a damaged line in the middle is an error, as it is for the daemon, and the file is untouched")
    func damagedMiddle() async throws {
        let ledger = try Ledger(directory: scratch.path)
        let starts = try await threeOptOuts(in: ledger)
        ledger.close()
        var bytes = scratch.logBytes
        bytes[starts[1] + 20] ^= 0x20
        try scratch.writeLog(bytes)
        #expect(throws: LedgerError.damagedRecord(line: 2, offset: UInt64(starts[1]), reason: "checksum mismatch")) {
            try LedgerReader(directory: scratch.path)
        }
        #expect(scratch.logBytes == bytes)
    }

    @Test("a damaged last line that ends in a newline is a torn tail, left out")
    func damagedLastLine() async throws {
        let ledger = try Ledger(directory: scratch.path)
        let starts = try await threeOptOuts(in: ledger)
        ledger.close()
        var bytes = scratch.logBytes
        bytes[starts[2] + 20] ^= 0x20
        try scratch.writeLog(bytes)
        let reader = try LedgerReader(directory: scratch.path)
        #expect(reader.records == 2)
        #expect(reader.tornTailBytes == bytes.count - starts[2])
    }

    @Test("a missing line, a repeated line or a line this version cannot decode is an error")
    func otherDamage() async throws {
        let ledger = try Ledger(directory: scratch.path)
        let starts = try await threeOptOuts(in: ledger)
        ledger.close()
        let bytes = scratch.logBytes

        try scratch.writeLog(Array(bytes[..<starts[1]] + bytes[starts[2]...]))
        #expect(throws: LedgerError.missingRecords(after: 1, next: 3)) { try LedgerReader(directory: scratch.path) }

        try scratch.writeLog(bytes + Array(bytes[starts[1]..<starts[2]]))
        #expect(throws: LedgerError.outOfOrder(line: 4, seq: 2, previous: 3)) { try LedgerReader(directory: scratch.path) }

        let body = Array("optout-v2\t+33612345678".utf8)
        var crc = CRC32(Array("4\t".utf8))
        crc.update(body)
        try scratch.writeLog(bytes + Array("4\t\(crc.hex)\t".utf8) + body + [UInt8(ascii: "\n")])
        #expect(throws: LedgerError.self) { try LedgerReader(directory: scratch.path) }
    }

    @Test("after a compaction, the gap its marker explains is no error")
    func afterCompaction() async throws {
        let ledger = try Ledger(directory: scratch.path)
        try await ledger.append(.attempt(number: alice, campaign: "c", at: day(0)))
        try await ledger.append(.optOut(number: bob, at: day(1), source: "kept"))
        try await ledger.append(.attempt(number: alice, campaign: "c", at: day(200)))
        try ledger.compact(now: day(200), keepAttemptsDays: 30, keepRefusalsDays: 60)
        ledger.close()
        let reader = try LedgerReader(directory: scratch.path)
        #expect(reader.facts(for: bob).internalOptOutSource == "kept")
        #expect(reader.facts(for: alice).attempts == [day(200)])
    }
}
