@testable import DialGateCore
import Foundation

/// Fuzz target `request`: request lines as the daemon receives them, through the parser, the
/// answer and, for writes, the ledger line.
///
/// The input is a connection's bytes: it is cut into lines at LF as `LineFrameDecoder` does,
/// and each line goes through what `ConnectionHandler` and `Gate` do with it, minus the I/O.
/// Properties, each a trap when broken:
/// - parsing never crashes;
/// - a line the server reads from its bytes (`Request.parsingPlain`) gives the same request, or
///   the same error, as its text does;
/// - every answer (`ERR` for a refused line, the decision of a CHECK, `OK` of a write, `PONG`...)
///   is exactly one line: one LF, at the end, no CR, no Unicode line break or bidi control raw;
/// - the `LedgerRecord` of every accepted write encodes to one ledger line that decodes back to
///   the same record, at the file's millisecond precision.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    // The empty rest after a final LF is not a line; a last line without LF still is.
    if lines.count > 1, lines.last!.isEmpty { lines.removeLast() }
    for (index, line) in lines.enumerated() {
        RequestLine(bytes: line, seq: UInt64(index + 1)).check()
    }
    return 0
}

/// One request line and what the daemon would make of it.
struct RequestLine {
    let bytes: Slice<UnsafeBufferPointer<UInt8>>
    /// The ledger sequence number its record would get.
    let seq: UInt64

    /// The daemon's clock, fixed, for writes without `at=`.
    static let now = Date(timeIntervalSince1970: 1_796_030_100.25)  // 2026-11-30T09:15:00.250Z
    /// A policy over campaigns of every audience, purpose and channel, so that CHECK answers
    /// go past `unknown-campaign` into the rules and their facts.
    static let policy = Policy(
        settings: PolicySettings(),
        campaigns: [
            Campaign(id: "fibre-promo", offers: ["telecom"], start: CalendarDay(iso: "2026-06-01")),
            Campaign(id: "abo-presse", purpose: .press, offers: ["press"]),
            Campaign(id: "sondage-2026", purpose: .polling),
            Campaign(id: "saas-pro", audience: .business, offers: ["software"]),
            Campaign(id: "isolation-maison", offers: ["energy-renovation"]),
            Campaign(id: "sms-promo", channel: .sms, offers: ["telecom"]),
        ])

    func check() {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            expectOneLine(.error(ProtocolError(.badEncoding, "request is not UTF-8 text")))
            return
        }
        let parsed = Result { () throws(ProtocolError) in try Request(parsing: Substring(text)) }
        if let plain = Request.parsingPlain(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes))) {
            invariant(plain == parsed, "read from its bytes, \(shown(text)) is \(plain), from its text \(parsed)")
        }
        let request: Request
        switch parsed {
        case .success(let value): request = value
        case .failure(let error):
            expectOneLine(.error(error))
            return
        }
        if let (record, event) = Self.ledgerRecord(for: request.command) {
            expectRoundTrip(record, key: request.key)
            var fields = [Fact("number", record.number.description)]
            if let key = request.key { fields.append(Fact("key", key)) }
            expectOneLine(.ok(event, id: request.id, fields))
        } else if case .check(let check) = request.command {
            expectOneLine(Self.decision(for: check, id: request.id))
        } else if case .plan(let check) = request.command {
            expectOneLine(Self.decision(for: check, id: request.id, planned: true))
        } else {
            expectOneLine(Response(["PONG"], id: request.id))
        }
    }

    /// The record the gate appends for a write command and its event name (the gate's own
    /// mapping), `nil` for other commands.
    static func ledgerRecord(for command: Command) -> (LedgerRecord, String)? {
        LedgerRecord.recording(command, now: now).map { ($0.record, $0.event) }
    }

    /// The answer `Gate.decide` builds, on no list facts, with the fields it adds (`seq`, `number`).
    static func decision(for check: Command.Check, id: String?, planned: Bool = false) -> Response {
        let decision: Decision
        var extra = [Fact("seq", "1")]
        switch check.number {
        case .failure(let error):
            decision = Policy.invalidNumber(error)
        case .success(let number):
            decision = policy.decide(
                number: number, campaignID: check.campaign, channel: check.channel, facts: CallFacts(),
                at: check.at ?? now)
            extra.append(Fact("number", number.description))
        }
        return .decision(decision, id: id, planned: planned, extra: extra)
    }

    /// The ledger line of `record` decodes to the record, at millisecond precision.
    func expectRoundTrip(_ record: LedgerRecord, key: String?) {
        var line: [UInt8] = []
        let key = record.clientKey(key)
        do {
            try LedgerCodec.encode(seq: seq, .record(record, key: key), into: &line)
        } catch {
            invariant(false, "accepted request \(shown(bytes)) "
                + "builds a record the ledger cannot write: \(error)")
        }
        invariant(line.last == LedgerCodec.newline, "ledger line does not end with LF")
        invariant(
            line.firstIndex(of: LedgerCodec.newline) == line.count - 1,
            "ledger line has an LF inside: \(shown(line))")
        let decoded = LedgerCodec.decode(line.dropLast())
        let expected = LedgerCodec.Decoded.entry(seq: seq, .record(record.atFilePrecision, key: key))
        invariant(
            decoded == expected,
            "ledger line \(shown(line)) decodes to \(decoded), "
                + "expected \(expected)")
    }

    /// The answer is one line: one LF, last; no CR; no Unicode line break when that is checked.
    func expectOneLine(_ response: Response) {
        let line = response.line
        let scalars = Array(line.unicodeScalars)
        let request = shown(bytes)
        invariant(scalars.last == "\n", "answer to \(request) does not end with LF: \(shown(line))")
        invariant(
            scalars.dropLast().allSatisfy { $0 != "\n" && $0 != "\r" },
            "answer to \(request) has a CR or LF inside: \(shown(line))")
        // NEL, U+2028 and U+2029 end a line for readers that follow Unicode, and bidi controls
        // reorder what a person reads: an answer shows them only as `\uXXXX` escapes.
        invariant(
            !scalars.dropLast().contains { LineHazard.isHazard($0) },
            "answer to \(request) has a raw line break, control or bidi character: \(shown(line))")
    }
}
