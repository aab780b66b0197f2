import DialGateCore
import Foundation
import Testing

@testable import DialGateProtocol

@Suite("Request lines")
struct RequestParsingTests {
    @Test("CHECK takes a number in any written form, a campaign, an instant, a channel and an id")
    func checkParsesEverything() throws {
        let request = try Request(parsing: "check \"06 12 34 56 78\" campaign=fibre-promo at=2026-11-30T10:15:00+01:00 channel=voice id=r1")
        #expect(request.id == "r1")
        guard case .check(let check) = request.command else {
            Issue.record("not a CHECK")
            return
        }
        #expect(try check.number.get().description == "+33612345678")
        #expect(check.numberText == "06 12 34 56 78")
        #expect(check.campaign == "fibre-promo")
        #expect(check.channel == .voice)
        #expect(check.at == Date(timeIntervalSince1970: 1_796_030_100))
    }

    @Test("a CHECK of an unparsable number still parses, carrying the number's error for a DENY invalid-number")
    func checkKeepsNumberError() throws {
        let request = try Request(parsing: "CHECK 06-12-AB campaign=x")
        guard case .check(let check) = request.command, case .failure = check.number else {
            Issue.record("expected a CHECK with a number error")
            return
        }
    }

    @Test("a trailing CR is ignored")
    func trailingCarriageReturn() throws {
        #expect(try Request(parsing: "PING\r").command == .ping)
    }

    @Test(
        "malformed requests get a stable error code",
        arguments: [
            ("", ProtocolError.Code.empty),
            ("   ", .empty),
            ("DIAL 0612345678", .unknownCommand),
            ("CHECK", .missingArgument),
            ("CHECK 0612345678", .missingArgument),
            ("CHECK 0612345678 campaign=", .missingArgument),
            ("CHECK 0612345678 campaign=x campain=y", .unknownArgument),
            ("CHECK 0612345678 campaign=x campaign=y", .badArgument),
            ("CHECK 0612345678 campaign=x at=2026-11-30T10:15:00", .badArgument),
            ("CHECK 0612345678 campaign=x at=tomorrow", .badArgument),
            ("CHECK 0612345678 campaign=x channel=fax", .badArgument),
            ("CHECK 0612345678 extra campaign=x", .badSyntax),
            ("CHECK 0612345678 campaign=\"x", .badSyntax),
            ("CHECK 0612345678 =x", .badSyntax),
            ("OPTOUT 06-12-AB", .invalidNumber),
            ("CONSENT 0612345678", .missingArgument),
            ("CONSENT 0612345678 proof=p kind=maybe", .badArgument),
            ("PING now", .badSyntax),
            ("id=x PING", .badSyntax),
        ])
    func malformedRequests(line: String, code: ProtocolError.Code) {
        #expect(throws: ProtocolError.self) { try Request(parsing: Substring(line)) }
        do {
            _ = try Request(parsing: Substring(line))
        } catch {
            #expect(error.code == code, "\(line)")
        }
    }

    @Test("a consent without given-at leaves its date to the gate's clock, not the parser's")
    func consentDateIsTheGatesToGive() throws {
        guard case .consent(_, _, _, _, let givenAt) = try Request(parsing: "CONSENT 0612345678 proof=p").command else {
            Issue.record("not a CONSENT")
            return
        }
        #expect(givenAt == nil)
    }

    @Test("PLAN is its own command, so its answer can never be read as a CHECK's")
    func planIsItsOwnCommand() throws {
        let request = try Request(parsing: "PLAN 0612345678 campaign=x at=2027-01-04T10:00:00+01:00")
        guard case .plan(let check) = request.command else {
            Issue.record("not a PLAN")
            return
        }
        #expect(check.at == ISOInstant.parse("2027-01-04T10:00:00+01:00"))
        #expect(request.command.verb == .plan)
        #expect(Request.verbs.contains("PLAN"))
    }

    @Test("every command needs the role its effect calls for")
    func rolesOfCommands() {
        #expect(Command.Verb.check.role == .query)
        #expect(Command.Verb.plan.role == .query)
        #expect(Command.Verb.attempt.role == .report)
        #expect(Command.Verb.optOut.role == .report)
        #expect(Command.Verb.consent.role == .consent)
        #expect(Command.Verb.revoke.role == .consent)
        #expect(Command.Verb.reload.role == .admin)
        #expect(Command.Verb.stats.role == .admin)
        #expect(Command.Verb.ping.role == nil)
    }

    /// Found by the `request` fuzz target: these were accepted, and a write of them answered
    /// `ERR ledger-unavailable`, as if the disk had failed, since the ledger cannot write them.
    @Test(
        "an instant outside the years 1970...9999 (UTC) is a bad argument, the ledger could not keep it",
        arguments: [
            "ATTEMPT 0612345678 campaign=x at=1969-12-31T23:59:59Z",
            "REVOKE 0612345678 at=1013-11-30T10:15Z",
            "OPTOUT 0612345678 at=9999-12-31T23:59:59.9999Z",
            "CONSENT 0612345678 proof=p given-at=0000-01-01T00:00Z",
            "CHECK 0612345678 campaign=x at=9999-12-31T23:00:00-23:00",
        ])
    func instantOutsideTheLedgerYears(line: String) {
        do {
            _ = try Request(parsing: Substring(line))
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.code == .badArgument, "\(line)")
            #expect(error.message.contains("1970...9999"), "\(error.message)")
        }
    }

    @Test("the first and last instants the ledger keeps are accepted")
    func instantsAtTheLedgerBounds() throws {
        for line in [
            "ATTEMPT 0612345678 campaign=x at=1970-01-01T00:00:00Z",
            "ATTEMPT 0612345678 campaign=x at=9999-12-31T23:59:59.999Z",
            "ATTEMPT 0612345678 campaign=x at=1970-01-01T01:00:00+01:00",
        ] {
            _ = try Request(parsing: Substring(line))
        }
    }

    @Test("an error keeps the request id when it was readable, so the dialer can match it")
    func errorsEchoTheId() {
        do {
            _ = try Request(parsing: "CHECK 0612345678 id=abc")
        } catch {
            #expect(error.id == "abc")
        }
    }

    @Test("the write commands carry what the ledger records")
    func writeCommands() throws {
        let consent = try Request(
            parsing: "CONSENT +33612345678 proof=\"web form v3\" kind=callback scope=fibre-promo given-at=2026-11-02T09:00:00Z")
        guard case .consent(let number, let kind, let scope, let proof, let givenAt) = consent.command else {
            Issue.record("not a CONSENT")
            return
        }
        #expect(number.description == "+33612345678")
        #expect(kind == .callback)
        #expect(scope == "fibre-promo")
        #expect(proof == "web form v3")
        #expect(givenAt == ISOInstant.parse("2026-11-02T09:00:00Z"))
        #expect(try Request(parsing: "OPTOUT 0612345678").command
            == .optOut(number: try PhoneNumber(parsing: "0612345678"), source: "dialer", at: nil))
    }
}

@Suite("Answer lines")
struct ResponseFormattingTests {
    @Test("values with spaces, quotes or line breaks are quoted, a line break escaped, so an answer is always one line")
    func valuesAreQuoted() {
        let response = Response(["OK"], fields: [Fact("a", "plain"), Fact("b", "two words"), Fact("c", "say \"hi\"\nbye")])
        #expect(response.line == "OK a=plain b=\"two words\" c=\"say \\\"hi\\\"\\u000Abye\"\n")
    }

    @Test("an answer reads back as it was written")
    func answersRoundTrip() {
        let response = Response(["DENY", "bloctel"], fields: [Fact("rule", "C. consom. L223-1"), Fact("seq", "7")])
        let parsed = ResponseLine(parsing: Substring(response.line))
        #expect(parsed?.words == ["DENY", "bloctel"])
        #expect(parsed?.fields == ["rule": "C. consom. L223-1", "seq": "7"])
    }
}

@Suite("ISO-8601 instants")
struct ISOInstantTests {
    @Test(
        "instants with Z or an offset are read exactly",
        arguments: [
            ("2026-11-30T09:15:00Z", 1_796_030_100.0),
            ("2026-11-30T10:15:00+01:00", 1_796_030_100.0),
            ("2026-11-30T10:15+01:00", 1_796_030_100.0),
            ("2026-11-30T13:15:00+0400", 1_796_030_100.0),
            ("2026-11-30T09:15:00.250Z", 1_796_030_100.25),
        ])
    func parsesInstants(text: String, seconds: Double) {
        #expect(ISOInstant.parse(text) == Date(timeIntervalSince1970: seconds))
    }

    @Test("times without an offset, impossible dates and junk are refused", arguments: [
        "2026-11-30T09:15:00", "2026-02-30T09:15:00Z", "2026-11-30T24:00:00Z", "2026-11-30", "soon", "2026-11-30T09:15:00Zjunk",
    ])
    func refusesAmbiguousOrInvalid(text: String) {
        #expect(ISOInstant.parse(text) == nil)
    }

    @Test("formatting then parsing gives the same instant")
    func roundTrip() {
        let date = Date(timeIntervalSince1970: 1_796_030_100.123)
        #expect(ISOInstant.format(date) == "2026-11-30T09:15:00.123Z")
        #expect(abs(ISOInstant.parse(ISOInstant.format(date))!.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.001)
    }
}
