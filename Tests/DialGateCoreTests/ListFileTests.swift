import Foundation
import PropertyBased
import Testing

@testable import DialGateCore

/// 2026-11-29 13:00 in Paris (12:00 UTC).
let listTestNow = Date(timeIntervalSince1970: 1_795_953_600)

func parseList(
    _ text: String, name: String = "test.txt", now: Date = listTestNow, maxBadLineShare: Double = 0.01
) throws(ListLoadFailure) -> ListFile {
    try ListFile.parse(name: name, contents: Data(text.utf8), now: now, maxBadLineShare: maxBadLineShare)
}

func refusal(_ text: String, name: String = "test.txt", maxBadLineShare: Double = 0.01) -> ListLoadFailure? {
    do {
        _ = try parseList(text, name: name, maxBadLineShare: maxBadLineShare)
        return nil
    } catch {
        return error
    }
}

func key(_ text: String) -> UInt64 { try! PhoneNumber(parsing: text).key }

@Suite("List files")
struct ListFileTests {
    @Test("the test clock is 2026-11-29 in Paris")
    func testClock() {
        #expect(ListDates.day(of: listTestNow) == CalendarDay(year: 2026, month: 11, day: 29))
    }

    @Test("a plain list takes one number a line in any written form, with comments and blank lines")
    func plainList() throws {
        let file = try parseList(
            """
            # dialgate-list kind=internal-optout as-of=2026-11-20 source=crm
            # exported from the CRM

            06 12 34 56 78
            +33 7 00 00 00 01   # asked on 2026-11-02
            0033612345679
            0692 12 34 56
            """)
        #expect(file.kind == .internalOptOut)
        #expect(file.asOf == CalendarDay(year: 2026, month: 11, day: 20))
        #expect(file.attributes == ["source": "crm"])
        #expect(file.records == 4)
        #expect(file.badLines == 0)
        #expect(file.numberKeys == [33_612_345_678, 33_700_000_001, 33_612_345_679, 262_692_123_456])
    }

    @Test("a CSV number list finds its number column by name, with , or ; and any case or accent")
    func csvNumberList() throws {
        let comma = try parseList(
            """
            # dialgate-list kind=operator-optout as-of=2026-11-01
            nom,Numéro,ville
            Dupont,06 12 34 56 78,Lyon
            Durand,+33700000002,Paris
            """)
        #expect(comma.numberKeys == [33_612_345_678, 33_700_000_002])
        let semicolon = try parseList(
            """
            # dialgate-list kind=operator-optout as-of=2026-11-01
            TELEPHONE;nom
            0612345678;Dupont, Jean
            """)
        #expect(semicolon.numberKeys == [33_612_345_678])
    }

    @Test("the Bloctel CSV (Telephone;Identifiant, 10-digit national numbers) is a number list")
    func bloctelCSV() throws {
        let file = try parseList(
            """
            # dialgate-list kind=bloctel-cleared as-of=2026-11-02 source=bloctel
            Telephone;Identifiant
            0612345678;C-0001
            0596123456;C-0002
            0700000003;C-0003
            """, name: "bloctel-2026-11-02-cleared.csv")
        #expect(file.kind == .bloctelCleared)
        #expect(file.numberKeys == [33_612_345_678, 596_596_123_456, 33_700_000_003])
    }

    @Test("quoted CSV fields may hold the separator and doubled quotes")
    func quotedFields() throws {
        let file = try parseList(
            """
            # dialgate-list kind=consents as-of=2026-11-01
            number;proof;given_at
            "06 12 34 56 78";"form ""contact""; box ticked";2026-09-01T10:00:00+02:00
            """)
        guard case .consents(let records) = file.content else {
            Issue.record("not consents")
            return
        }
        #expect(records.first?.record.proof == #"form "contact"; box ticked"#)
    }

    @Test(
        "a missing or invalid header refuses the file at line 1",
        arguments: [
            ("", "empty file"),
            ("0612345678\n", "missing header"),
            ("# exported list\n0612345678\n", "missing header"),
            ("# dialgate-list as-of=2026-11-01\n0612345678\n", "no kind="),
            ("# dialgate-list kind=robinson as-of=2026-11-01\n0612345678\n", "unknown kind 'robinson'"),
            ("# dialgate-list kind=consents\n0612345678\n", "no as-of="),
            ("# dialgate-list kind=consents as-of=2026-02-30\n0612345678\n", "invalid as-of date '2026-02-30'"),
            ("# dialgate-list kind=consents as-of=2026-11-01 bloctel\n0612345678\n", "not key=value"),
            ("# dialgate-list kind=consents kind=contracts as-of=2026-11-01\n", "repeats 'kind='"),
        ])
    func headerErrors(text: String, expected: String) throws {
        let failure = try #require(refusal(text))
        let problem = try #require(failure.problems.first)
        #expect(problem.cause == .malformedFile)
        #expect(problem.file == "test.txt")
        #expect(problem.message.contains(expected))
        if !text.isEmpty { #expect(problem.line == 1) }
    }

    @Test("an as-of date after today in Paris is refused; today in Paris is accepted")
    func futureAsOf() throws {
        let failure = try #require(refusal("# dialgate-list kind=bloctel-cleared as-of=2026-11-30\n0612345678\n"))
        #expect(failure.problems.first?.message.contains("in the future") == true)
        // 2026-11-29 23:30 UTC is already 2026-11-30 in Paris.
        let lateEvening = Date(timeIntervalSince1970: 1_795_995_000)
        let file = try parseList("# dialgate-list kind=bloctel-cleared as-of=2026-11-30\n0612345678\n", now: lateEvening)
        #expect(file.records == 1)
    }

    @Test("a bad line is skipped and reported with its file name, line number and why")
    func badLineReported() throws {
        var text = "# dialgate-list kind=internal-optout as-of=2026-11-01\n"
        for index in 0..<199 { text += "07000\(String(format: "%05d", index))\n" }
        text += "06 12 3O 56 78\n"  // a letter O for a zero, on line 201
        let file = try parseList(text, name: "optout.txt")
        #expect(file.records == 199)
        #expect(file.badLines == 1)
        #expect(file.problems.map(\.description) == ["optout.txt:201: invalid character 'O' at character 8"])
        #expect(file.problems.first?.cause == .badLine)
    }

    @Test("bad lines above the allowed share refuse the file, listing them")
    func tooManyBadLines() throws {
        let text = """
            # dialgate-list kind=internal-optout as-of=2026-11-01
            0612345678
            0612345679
            not a number
            """
        let failure = try #require(refusal(text))
        #expect(failure.problems.map(\.cause) == [.malformedFile, .badLine])
        #expect(failure.problems[0].message.contains("1 bad lines out of 3"))
        #expect(failure.problems[1].line == 4)
        // The same file loads when a larger share is allowed.
        #expect(try parseList(text, maxBadLineShare: 0.5).records == 2)
    }

    @Test("only the first bad lines are listed one by one; the others are counted")
    func badLinesCapped() throws {
        var text = "# dialgate-list kind=internal-optout as-of=2026-11-01\n"
        for _ in 0..<(ListFile.maxListedBadLines + 5) { text += "12\n" }
        text += "0612345678\n"
        let file = try parseList(text, maxBadLineShare: 1)
        #expect(file.badLines == ListFile.maxListedBadLines + 5)
        #expect(file.problems.count == ListFile.maxListedBadLines + 1)
        #expect(file.problems.last?.message == "5 more bad lines not listed")
    }

    @Test("a file without records is refused")
    func noRecords() throws {
        let failure = try #require(refusal("# dialgate-list kind=internal-optout as-of=2026-11-01\n# nothing yet\n\n"))
        #expect(failure.problems.first?.message.contains("no records") == true)
        let csv = try #require(refusal("# dialgate-list kind=contracts as-of=2026-11-01\nnumber;subjects\n"))
        #expect(csv.problems.first?.message.contains("no records") == true)
    }

    @Test(
        "a CSV without its required columns is refused, naming them",
        arguments: [
            ("consents", "number;given_at\n0612345678;2026-09-01\n", "missing column: proof"),
            ("contracts", "number;ends\n0612345678;2027-01-01\n", "missing column: subjects"),
            ("b2b-contacts", "number\n0612345678\n", "missing column: activities"),
            ("consents", "phone;given_at;proof\n0612345678;2026-09-01;web\n", "no number column"),
            ("operator-optout", "phone;name\n0612345678;x\n", "no number column"),
            ("operator-optout", "numero;telephone\n0612345678;0612345678\n", "several number columns"),
            ("contracts", "number;subjects;Subjects\n0612345678;a;b\n", "appears twice"),
        ])
    func missingColumns(kind: String, body: String, expected: String) throws {
        let failure = try #require(refusal("# dialgate-list kind=\(kind) as-of=2026-11-01\n" + body))
        #expect(failure.problems.first?.cause == .malformedFile)
        #expect(failure.problems.first?.line == 2)
        #expect(failure.problems.first?.message.contains(expected) == true)
    }

    @Test("CRLF line endings and a UTF-8 byte order mark are read like plain lines")
    func crlfAndBOM() throws {
        let text = "\u{FEFF}# dialgate-list kind=b2b-contacts as-of=2026-11-01\r\nnumber;activities\r\n0145000001;62.01Z|it\r\n\r\n"
        let file = try parseList(text)
        guard case .businessContacts(let records) = file.content else {
            Issue.record("not b2b contacts")
            return
        }
        #expect(records.map(\.key) == [33_145_000_001])
        #expect(records.first?.activities == ["62.01Z", "it"])
    }

    @Test("non-ASCII text is kept in records, and a non-ASCII digit is a bad line")
    func nonASCII() throws {
        let consents = try parseList(
            """
            # dialgate-list kind=consents as-of=2026-11-01
            Téléphone;proof;given_at
            06 12 34 56 78;formulaire « contact », case cochée;2026-09-01T10:00:00+02:00
            """)
        guard case .consents(let records) = consents.content else {
            Issue.record("not consents")
            return
        }
        #expect(records.first?.record.proof == "formulaire « contact », case cochée")

        let failure = try #require(refusal("# dialgate-list kind=internal-optout as-of=2026-11-01\n06 12 34 56 7８\n"))
        #expect(failure.problems.last?.description == "test.txt:2: non-ASCII digit '８' at character 14")
    }

    @Test("a consent row reads kind, scope, given_at, proof and revoked_at, with their defaults")
    func consents() throws {
        let file = try parseList(
            """
            # dialgate-list kind=consents as-of=2026-11-01
            number;kind;scope;given_at;proof;revoked_at
            0612345678;;;2026-09-01T14:03:00+02:00;web form v3;
            0612345678;callback;fibre-promo;2026-09-02T10:00:00Z;call recording 1234;2026-10-01
            0612345679;off-hours;telecom;2026-09-03;paper form 17;
            """)
        guard case .consents(let records) = file.content else {
            Issue.record("not consents")
            return
        }
        #expect(records.count == 3)
        let first = records[0].record
        #expect(first.kind == .prospecting)
        #expect(first.scope == "*")
        #expect(first.givenAt == Date(timeIntervalSince1970: 1_788_264_180))  // 12:03 UTC
        #expect(first.revokedAt == nil)
        let second = records[1].record
        #expect(second.kind == .callback)
        #expect(second.scope == "fibre-promo")
        // A revocation dated on its own counts from the start of that day, in Paris.
        #expect(second.revokedAt == Date(timeIntervalSince1970: 1_790_805_600))  // 2026-09-30T22:00Z
        // A consent dated on its own counts from the next day, in Paris.
        #expect(records[2].record.givenAt == Date(timeIntervalSince1970: 1_788_472_800))  // 2026-09-03T22:00Z
        #expect(records[2].record.kind == .offHours)
    }

    @Test(
        "a consent row with a wrong field is a bad line saying which field",
        arguments: [
            ("0612345678;maybe;2026-09-01T10:00:00Z;web", "kind: unknown consent kind 'maybe'"),
            ("0612345678;;2026-09-01T10:00:00;web", "given_at: '2026-09-01T10:00:00' has no UTC offset"),
            ("0612345678;;01/09/2026;web", "given_at: '01/09/2026' is not a date"),
            ("0612345678;;;web", "given_at: missing"),
            ("0612345678;;2026-09-01T10:00:00Z;", "proof: missing"),
            ("061234567;;2026-09-01T10:00:00Z;web", "number: too few digits (9)"),
            ("\"0612345678;;2026-09-01;web", "a quote is not closed"),
        ])
    func badConsentRows(row: String, expected: String) throws {
        var text = "# dialgate-list kind=consents as-of=2026-11-01\nnumber;kind;given_at;proof\n"
        text += row + "\n"
        let failure = try #require(refusal(text))
        #expect(failure.problems.last?.line == 3)
        #expect(failure.problems.last?.message.contains(expected) == true)
    }

    @Test("a contract row reads |-separated subjects and an optional end date")
    func contracts() throws {
        let file = try parseList(
            """
            # dialgate-list kind=contracts as-of=2026-11-01
            number,subjects,ends
            0612345678,telecom | mobile,2027-06-30
            0612345679,energy,
            0612345670,,2027-01-01
            0612345671,energy,31/12/2027
            """, maxBadLineShare: 0.5)
        guard case .contracts(let records) = file.content else {
            Issue.record("not contracts")
            return
        }
        #expect(records.count == 2)
        #expect(records[0].record == ContractRecord(subjects: ["telecom", "mobile"], ends: CalendarDay(year: 2027, month: 6, day: 30)))
        #expect(records[1].record == ContractRecord(subjects: ["energy"]))
        #expect(file.problems.map(\.message) == ["subjects: missing", "ends: '31/12/2027' is not a date (YYYY-MM-DD)"])
    }

    @Test("the digest changes when the bytes change")
    func digest() throws {
        let one = try parseList("# dialgate-list kind=internal-optout as-of=2026-11-01\n0612345678\n")
        let same = try parseList("# dialgate-list kind=internal-optout as-of=2026-11-01\n0612345678\n")
        let other = try parseList("# dialgate-list kind=internal-optout as-of=2026-11-01\n0612345679\n")
        #expect(one.digest == same.digest)
        #expect(one.digest != other.digest)
        #expect(one.summary.digest.count == 16)
    }

    @Test("the byte fast path gives the general parser's key for every 3-digit national prefix")
    func fastPathPrefixes() {
        for prefix in 100...999 {
            for suffix in ["000000", "123456", "999999"] {
                for written in ["0\(prefix)\(suffix)", "+33\(prefix)\(suffix)"] {
                    let fast = written.utf8.withContiguousStorageIfAvailable { ListNumberParser.fastKey(UnsafeRawBufferPointer($0)) } ?? nil
                    let general = try? PhoneNumber(parsing: written).key
                    #expect(fast == general, "\(written)")
                }
            }
        }
    }

    @Test("the byte fast path agrees with the general parser on any 10 digits")
    func fastPathProperty() async {
        await propertyCheck(input: Gen.int(in: 0...9_999_999_999)) { value in
            let digits = String(value)
            let written = String(repeating: "0", count: 10 - digits.count) + digits
            let fast = written.utf8.withContiguousStorageIfAvailable { ListNumberParser.fastKey(UnsafeRawBufferPointer($0)) } ?? nil
            if let fast { #expect(fast == (try? PhoneNumber(parsing: written).key), "\(written)") }
        }
    }
}
