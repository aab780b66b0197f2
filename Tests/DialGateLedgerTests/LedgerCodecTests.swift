import DialGateCore
import Foundation
import Testing

@testable import DialGateLedger

@Suite("Ledger line format")
struct LedgerCodecTests {
    static let number = try! PhoneNumber(parsing: "+33612345678")
    static let at = Date(timeIntervalSince1970: 1_786_443_300.123)

    static let records: [LedgerRecord] = [
        .optOut(number: number, at: at, source: "agent:42"),
        .optOut(number: number, at: at, source: "tab\there, newline\nthere, back\\slash, cr\r, é"),
        .optOut(number: number, at: at, source: ""),
        .consent(number: number, ConsentRecord(kind: .prospecting, scope: "*", givenAt: at, proof: "form v3 #991")),
        .consent(
            number: number,
            ConsentRecord(kind: .offHours, scope: "camp-7", givenAt: at, proof: "call 12", revokedAt: at.addingTimeInterval(60))),
        .consentRevoked(number: number, scope: "*", kind: .callback, at: at),
        .attempt(number: number, campaign: "spring\tsale", at: at),
        .refusal(number: try! PhoneNumber(parsing: "0692 12 34 56"), campaign: "c1", at: Date(timeIntervalSince1970: 0)),
    ]

    static func line(_ seq: UInt64, _ entry: LedgerEntry) throws -> [UInt8] {
        var buffer: [UInt8] = []
        try LedgerCodec.encode(seq: seq, entry, into: &buffer)
        return buffer
    }

    @Test("CRC-32 is the zlib checksum")
    func crcMatchesZlib() {
        #expect(CRC32(Array("123456789".utf8)).value == 0xCBF4_3926)
        #expect(CRC32(Array("123456789".utf8)).hex == "cbf43926")
        var split = CRC32(Array("1234".utf8))
        split.update(Array("56789".utf8))
        #expect(split.value == 0xCBF4_3926)
    }

    @Test("every record decodes to what was encoded, at millisecond precision", arguments: records)
    func roundTrip(record: LedgerRecord) throws {
        let line = try Self.line(42, .record(record))
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false)
        #expect(LedgerCodec.decode(line.dropLast()) == .entry(seq: 42, .record(record.atFilePrecision)))
    }

    @Test("a line is readable: sequence, checksum, type, number, ISO date, escaped text")
    func readableLine() throws {
        let line = try Self.line(17, .record(.optOut(number: Self.number, at: Self.at, source: "a\tb")))
        let text = String(decoding: line, as: UTF8.self)
        let fields = text.dropLast().split(separator: "\t", omittingEmptySubsequences: false)
        #expect(fields.count == 6)
        #expect(fields[0] == "17")
        #expect(fields[1].count == 8)
        #expect(fields[2...] == ["optout", "+33612345678", "2026-08-11T10:15:00.123Z", "a\\tb"])
    }

    @Test("dates are written in UTC with milliseconds and read back exactly")
    func isoDates() {
        #expect(LedgerCodec.isoText(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(LedgerCodec.isoText(Self.at) == "2026-08-11T10:15:00.123Z")
        #expect(LedgerCodec.isoText(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(LedgerCodec.dateFromISO(Array("2026-08-11T10:15:00.123Z".utf8)[...]) == Self.at.atMillisecondPrecision)
        #expect(LedgerCodec.dateFromISO(Array("2026-02-30T10:15:00.123Z".utf8)[...]) == nil)
        #expect(LedgerCodec.dateFromISO(Array("2026-08-11 10:15:00.123Z".utf8)[...]) == nil)
    }

    @Test("a date outside 1970...9999 cannot be written", arguments: [-1.0, 253_402_300_800.0, .infinity, .nan])
    func unwritableDates(seconds: Double) {
        #expect(throws: LedgerError.self) {
            try Self.line(1, .record(.attempt(number: Self.number, campaign: "c", at: Date(timeIntervalSince1970: seconds))))
        }
    }

    @Test("changing any single byte of a line is detected as damage")
    func everyByteIsCovered() throws {
        let line = try Self.line(123, .record(Self.records[1])).dropLast()
        for index in line.indices {
            var damaged = line
            damaged[index] ^= 0x01
            let decoded = LedgerCodec.decode(damaged)
            #expect(decoded.isDamaged, "byte \(index) changed but decoded as \(decoded)")
        }
    }

    @Test("a line with a right checksum but unknown content is undecodable, not damaged")
    func undecodableContent() {
        let body = Array("launch-missiles\t+33612345678".utf8)
        var crc = CRC32(Array("9\t".utf8))
        crc.update(body)
        let line = Array("9\t\(crc.hex)\t".utf8) + body
        #expect(LedgerCodec.decode(line[...]) == .undecodable(seq: 9, reason: "invalid record: unknown record type 'launch-missiles'"))
    }

    @Test("ledger notes round-trip")
    func notes() throws {
        let compacted = LedgerEntry.compacted(at: Self.at.atMillisecondPrecision, kept: 10, dropped: 3)
        #expect(LedgerCodec.decode(try Self.line(5, compacted).dropLast()) == .entry(seq: 5, compacted))
        let repaired = LedgerEntry.repaired(at: Self.at.atMillisecondPrecision, dropped: 1)
        #expect(LedgerCodec.decode(try Self.line(6, repaired).dropLast()) == .entry(seq: 6, repaired))
    }
}

extension LedgerCodec.Decoded {
    var isDamaged: Bool {
        if case .damaged = self { return true }
        return false
    }
}
