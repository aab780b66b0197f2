import Foundation
import Testing

@testable import DialGateAudit

@Suite("Audit output: CSV, JSON lines and tables a reader can trust")
struct AuditOutputTests {
    @Test("a CSV field with a comma, a quote or a line break is quoted, its quotes doubled")
    func csvQuoting() {
        #expect(CSV.row(["plain", "a,b", "say \"hi\"", "two\nlines", " padded"]) == "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" padded\"")
        #expect(CSV.field("") == "")
    }

    @Test("a CSV field a spreadsheet would run as a formula starts with a quote mark; a plain number does not")
    func csvFormulaInjection() {
        #expect(CSV.field("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        #expect(CSV.field("@SUM(1+1)") == "'@SUM(1+1)")
        #expect(CSV.field("+1+cmd|x") == "'+1+cmd|x")
        #expect(CSV.field("-2+3") == "'-2+3")
        #expect(CSV.field("+33611111111") == "+33611111111")
        #expect(CSV.field("-1") == "-1")
        #expect(CSV.field("4.5") == "4.5")
    }

    @Test("a JSON line escapes quotes, backslashes, controls and line separators, and reads back to the same strings")
    func jsonEscaping() throws {
        let hostile = "a\"b\\c\nd\u{1}e\u{2028}f<g>é"
        let text = JSONText.sortedObject(["z": hostile, "a": "1"]).text
        #expect(text == #"{"a":"1","z":"a\"b\\c\nd\u0001e\u2028f<g>é"}"#)
        #expect(!text.contains("\n"))
        let back = try #require(JSONText.parse(text) as? [String: String])
        #expect(back == ["a": "1", "z": hostile])
    }

    @Test("JSON keeps the key order it is given and writes numbers and booleans bare")
    func jsonOrder() {
        let text = JSONText.object([("b", .integer(2)), ("a", .bool(true)), ("c", .array([.string("x"), .integer(-1)]))]).text
        #expect(text == #"{"b":2,"a":true,"c":["x",-1]}"#)
    }

    @Test("a text table aligns columns, numbers to the right")
    func textTable() {
        var table = TextTable(["campaign", "ALLOW", "total"])
        table.add(["fibre-promo", "3", "12"])
        table.add(["x", "10", "100"])
        #expect(table.text == """
            campaign     ALLOW  total
            fibre-promo      3     12
            x               10    100

            """)
    }

    @Test("--format names the three formats")
    func formats() {
        #expect(AuditOutputFormat.names == "table, csv, jsonl")
        #expect(AuditOutputFormat(rawValue: "xml") == nil)
    }
}
