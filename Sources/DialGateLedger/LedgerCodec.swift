import DialGateCore
import Foundation

/// What one line of the ledger file holds: a record, or a note the ledger writes about itself.
enum LedgerEntry: Hashable, Sendable {
    /// A record, with the client's key when the write carried one (see `Ledger.append`).
    case record(LedgerRecord, key: String? = nil)
    /// The file was rewritten by compaction at `at`; records with a lower sequence number may
    /// be missing (dropped because they were too old to matter).
    case compacted(at: Date, kept: Int, dropped: Int)
    /// The file was rewritten by an explicit repair at `at`, leaving out `dropped` damaged lines.
    case repaired(at: Date, dropped: Int)
}

/// The ledger's line format: one entry a line, tab-separated, human-readable and greppable.
///
/// ```
/// <seq>\t<crc>\t<type>\t<field>\t<field>...\n
/// 17\t3f0a91c2\toptout\t+33612345678\t2026-08-11T10:15:00.000Z\tagent:42
/// ```
///
/// - `seq` is a decimal sequence number, strictly increasing through the file.
/// - `crc` is the CRC-32 (8 lowercase hex digits) of the line without its CRC field: the bytes
///   of `<seq>\t` followed by `<type>\t<fields...>` (no newline). Covering the sequence number
///   too means a damaged number cannot pass for another record.
/// - Records put the number (E.164, `+33…`) and then the date first, so `grep +33612345678`
///   and `sort -k5` work. Dates are ISO-8601 UTC with milliseconds.
/// - In free-text fields a backslash, tab, newline and carriage return are written `\\`,
///   `\t`, `\n`, `\r`; no other escape exists.
///
/// Types and their fields after the number and date:
/// `optout` source · `consent` kind, scope, proof, revoked-at (empty when not revoked) ·
/// `consent-revoked` kind, scope · `attempt` campaign, result, reservation (both empty when
/// not given; older files have the campaign only) · `refusal` campaign · `reserve` campaign,
/// token · `release` token · `compacted` (date only, no number) kept, dropped · `repaired`
/// (date only) dropped. A record written with a client key has one more field, the key, last
/// (an attempt always has it, empty when none); a `reserve`'s key is its token.
enum LedgerCodec {
    /// What a line turned out to be.
    enum Decoded: Hashable, Sendable {
        /// A whole, checked entry.
        case entry(seq: UInt64, LedgerEntry)
        /// The framing or checksum is wrong: the line was torn or damaged on disk.
        case damaged(reason: String)
        /// The checksum is right but the content makes no sense to this version (an unknown
        /// type, an invalid number): written by something else, never a torn write.
        case undecodable(seq: UInt64, reason: String)
    }

    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let backslash = UInt8(ascii: "\\")

    /// Appends the line for `entry` (newline included) to `buffer`.
    ///
    /// - Throws: ``LedgerError/invalidRecord(_:)`` when a date cannot be written (outside the
    ///   years 1970...9999 or not finite).
    static func encode(seq: UInt64, _ entry: LedgerEntry, into buffer: inout [UInt8]) throws(LedgerError) {
        var body: [UInt8] = []
        body.reserveCapacity(96)
        func field(_ text: String) {
            body.append(tab)
            appendEscaped(text, to: &body)
        }
        func date(_ date: Date) throws(LedgerError) {
            guard let text = isoText(date) else {
                throw .invalidRecord("date \(date.timeIntervalSince1970) is outside 1970...9999")
            }
            body.append(tab)
            body.append(contentsOf: text.utf8)
        }
        func type(_ name: String) { body.append(contentsOf: name.utf8) }

        switch entry {
        case .record(let record, let key):
            type(record.typeName); field(record.number.description); try date(record.date)
            switch record {
            case .optOut(_, _, let source):
                field(source)
            case .consent(_, let consent):
                field(consent.kind.rawValue); field(consent.scope); field(consent.proof)
                if let revokedAt = consent.revokedAt { try date(revokedAt) } else { field("") }
            case .consentRevoked(_, let scope, let kind, _):
                field(kind.rawValue); field(scope)
            case .attempt(_, let campaign, _, let result, let reservation):
                field(campaign); field(result?.rawValue ?? ""); field(reservation ?? ""); field(key ?? "")
            case .refusal(_, let campaign, _):
                field(campaign)
            case .reservation(_, let campaign, _, let token):
                field(campaign); field(token)
            case .release(_, let token, _):
                field(token)
            }
            if let key, !record.hasKeyField { field(key) }
        case .compacted(let at, let kept, let dropped):
            type("compacted"); try date(at); field(String(kept)); field(String(dropped))
        case .repaired(let at, let dropped):
            type("repaired"); try date(at); field(String(dropped))
        }

        let seqPart = Array("\(seq)\t".utf8)
        var crc = CRC32(seqPart)
        crc.update(body)
        buffer.append(contentsOf: seqPart)
        buffer.append(contentsOf: crc.hex.utf8)
        buffer.append(tab)
        buffer.append(contentsOf: body)
        buffer.append(newline)
    }

    /// Decodes one line, without its newline.
    static func decode(_ line: ArraySlice<UInt8>) -> Decoded {
        guard let firstTab = line.firstIndex(of: tab),
            let secondTab = line[(firstTab + 1)...].firstIndex(of: tab),
            secondTab - firstTab == 9
        else { return .damaged(reason: "no sequence and checksum fields") }
        guard let stored = UInt32(ascii: line[(firstTab + 1)..<secondTab], radix: 16) else {
            return .damaged(reason: "checksum field is not hexadecimal")
        }
        var crc = CRC32(line[line.startIndex...firstTab])
        crc.update(line[(secondTab + 1)...])
        guard crc.value == stored else { return .damaged(reason: "checksum mismatch") }
        guard let seq = UInt64(ascii: line[line.startIndex..<firstTab], radix: 10) else {
            return .undecodable(seq: 0, reason: "sequence number is not decimal")
        }
        let parts = line[(secondTab + 1)...].split(separator: tab, omittingEmptySubsequences: false)
        do throws(LedgerError) {
            return .entry(seq: seq, try entry(parts))
        } catch {
            return .undecodable(seq: seq, reason: error.description)
        }
    }

    private static func entry(_ parts: [ArraySlice<UInt8>]) throws(LedgerError) -> LedgerEntry {
        let type = String(decoding: parts[0], as: UTF8.self)
        func expect(_ count: Int) throws(LedgerError) {
            guard parts.count == count + 1 else {
                throw .invalidRecord("\(type) has \(parts.count - 1) fields, expected \(count)")
            }
        }
        /// A record's fields, then optionally its client key.
        func expectKeyed(_ count: Int) throws(LedgerError) -> String? {
            guard parts.count == count + 1 || parts.count == count + 2 else {
                throw .invalidRecord("\(type) has \(parts.count - 1) fields, expected \(count) or \(count + 1)")
            }
            return parts.count == count + 2 ? try text(count + 1) : nil
        }
        func optionalText(_ index: Int) throws(LedgerError) -> String? {
            parts[index].isEmpty ? nil : try text(index)
        }
        func text(_ index: Int) throws(LedgerError) -> String { try unescape(parts[index]) }
        func number(_ index: Int) throws(LedgerError) -> PhoneNumber {
            let part = parts[index]
            guard part.first == UInt8(ascii: "+"), let key = UInt64(ascii: part.dropFirst(), radix: 10),
                let number = PhoneNumber(key: key)
            else { throw .invalidRecord("invalid number '\(String(decoding: part, as: UTF8.self))'") }
            return number
        }
        func date(_ index: Int) throws(LedgerError) -> Date {
            guard let date = dateFromISO(parts[index]) else {
                throw .invalidRecord("invalid date '\(String(decoding: parts[index], as: UTF8.self))'")
            }
            return date
        }
        func count(_ index: Int) throws(LedgerError) -> Int {
            guard let value = UInt64(ascii: parts[index], radix: 10), value <= UInt64(Int.max) else {
                throw .invalidRecord("invalid count in \(type)")
            }
            return Int(value)
        }
        func kind(_ index: Int) throws(LedgerError) -> ConsentRecord.Kind {
            guard let kind = ConsentRecord.Kind(rawValue: try text(index)) else {
                throw .invalidRecord("unknown consent kind '\(String(decoding: parts[index], as: UTF8.self))'")
            }
            return kind
        }

        switch type {
        case "optout":
            let key = try expectKeyed(3)
            return .record(.optOut(number: try number(1), at: try date(2), source: try text(3)), key: key)
        case "consent":
            let key = try expectKeyed(6)
            let revokedAt = parts[6].isEmpty ? nil : try date(6)
            let consent = ConsentRecord(
                kind: try kind(3), scope: try text(4), givenAt: try date(2), proof: try text(5), revokedAt: revokedAt)
            return .record(.consent(number: try number(1), consent), key: key)
        case "consent-revoked":
            let key = try expectKeyed(4)
            return .record(
                .consentRevoked(number: try number(1), scope: try text(4), kind: try kind(3), at: try date(2)), key: key)
        case "attempt":
            guard parts.count == 4 || parts.count == 7 else {
                throw .invalidRecord("attempt has \(parts.count - 1) fields, expected 3 or 6")
            }
            guard parts.count == 7 else {
                return .record(.attempt(number: try number(1), campaign: try text(3), at: try date(2)), key: nil)
            }
            var result: CallResult?
            if let text = try optionalText(4) {
                guard let known = CallResult(rawValue: text) else { throw .invalidRecord("unknown call result '\(text)'") }
                result = known
            }
            return .record(
                .attempt(
                    number: try number(1), campaign: try text(3), at: try date(2), result: result,
                    reservation: try optionalText(5)),
                key: try optionalText(6))
        case "refusal":
            let key = try expectKeyed(3)
            return .record(.refusal(number: try number(1), campaign: try text(3), at: try date(2)), key: key)
        case "reserve":
            try expect(4)
            let token = try text(4)
            return .record(.reservation(number: try number(1), campaign: try text(3), at: try date(2), token: token), key: token)
        case "release":
            let key = try expectKeyed(3)
            return .record(.release(number: try number(1), token: try text(3), at: try date(2)), key: key)
        case "compacted":
            try expect(3)
            return .compacted(at: try date(1), kept: try count(2), dropped: try count(3))
        case "repaired":
            try expect(2)
            return .repaired(at: try date(1), dropped: try count(2))
        default:
            throw .invalidRecord("unknown record type '\(type)'")
        }
    }

    // MARK: Escaping

    static func appendEscaped(_ text: String, to buffer: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case backslash: buffer.append(backslash); buffer.append(backslash)
            case tab: buffer.append(backslash); buffer.append(UInt8(ascii: "t"))
            case newline: buffer.append(backslash); buffer.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): buffer.append(backslash); buffer.append(UInt8(ascii: "r"))
            default: buffer.append(byte)
            }
        }
    }

    static func unescape(_ field: ArraySlice<UInt8>) throws(LedgerError) -> String {
        guard field.contains(backslash) else { return try utf8(field) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(field.count)
        var iterator = field.makeIterator()
        while let byte = iterator.next() {
            guard byte == backslash else { bytes.append(byte); continue }
            switch iterator.next() {
            case backslash: bytes.append(backslash)
            case UInt8(ascii: "t"): bytes.append(tab)
            case UInt8(ascii: "n"): bytes.append(newline)
            case UInt8(ascii: "r"): bytes.append(UInt8(ascii: "\r"))
            default: throw .invalidRecord("invalid escape in a field")
            }
        }
        return try utf8(bytes[...])
    }

    private static func utf8(_ bytes: ArraySlice<UInt8>) throws(LedgerError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidRecord("field is not UTF-8")
        }
        return text
    }

    // MARK: Dates

    /// `2026-08-11T10:15:00.123Z`, or `nil` outside 1970...9999.
    static func isoText(_ date: Date) -> String? {
        guard ISOInstant.isWithinSupportedYears(date) else { return nil }
        return ISOInstant.format(date)
    }

    /// Reads exactly what ``isoText(_:)`` writes, and nothing else: a line edited by hand into
    /// another form of the same instant is not a line this ledger wrote.
    static func dateFromISO(_ text: ArraySlice<UInt8>) -> Date? {
        let string = String(decoding: text, as: UTF8.self)
        guard let date = ISOInstant.parse(string), isoText(date) == string else { return nil }
        return date
    }
}

extension FixedWidthInteger {
    /// Parses ASCII digits exactly (no sign, no spaces, not empty), without building a String.
    fileprivate init?(ascii bytes: ArraySlice<UInt8>, radix: Int) {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var value: Self = 0
        for byte in bytes {
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = Int(byte - UInt8(ascii: "a")) + 10
            default: return nil
            }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: Self(radix))
            let (sum, overflow2) = shifted.addingReportingOverflow(Self(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        self = value
    }
}
