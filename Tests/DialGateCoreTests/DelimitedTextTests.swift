import Foundation
import Testing

@testable import DialGateCore

/// Every record of `text` as its fields' values, read with `delimiter`.
private func records(_ text: String, delimiter: UInt8 = DelimitedText.semicolon) throws -> [[String]] {
    try records(Array(text.utf8), delimiter: delimiter).map(\.values)
}

private func records(_ bytes: [UInt8], delimiter: UInt8) throws -> [(values: [String], line: Int, raw: String)] {
    try bytes.withUnsafeBufferPointer { buffer in
        var reader = DelimitedText.Reader(bytes: buffer, delimiter: delimiter)
        var record = DelimitedText.Record()
        var result: [(values: [String], line: Int, raw: String)] = []
        while try reader.next(into: &record) {
            let raw = String(decoding: UnsafeBufferPointer(rebasing: buffer[record.start..<record.end]), as: UTF8.self)
            result.append((record.values(in: buffer), record.line, raw))
        }
        return result
    }
}

private func delimiter(of text: String) -> String? {
    Array(text.utf8).withUnsafeBufferPointer { DelimitedText.detectDelimiter(in: $0) }.map { String(UnicodeScalar($0)) }
}

@Suite("Delimited text (CSV)")
struct DelimitedTextTests {
    @Test("fields are split at the delimiter and records at \\n, \\r\\n or a lone \\r")
    func recordsAndFields() throws {
        #expect(try records("a;b;c\n1;2;3\n") == [["a", "b", "c"], ["1", "2", "3"]])
        #expect(try records("a;b\r\n1;2\r\n") == [["a", "b"], ["1", "2"]])
        #expect(try records("a;b\r1;2") == [["a", "b"], ["1", "2"]])
        #expect(try records("a,b;c", delimiter: DelimitedText.comma) == [["a", "b;c"]])
        #expect(try records("a\tb", delimiter: DelimitedText.tab) == [["a", "b"]])
    }

    @Test("empty fields and blank lines are kept: a blank line is one empty field")
    func emptyFields() throws {
        #expect(try records(";;\n\nx") == [["", "", ""], [""], ["x"]])
    }

    @Test("a quoted field may hold the delimiter, a doubled quote and line breaks; the record spans lines")
    func quotedFields() throws {
        let read = try records(Array("nom;adresse;tel\n\"Dupont; Jean\";\"12 rue \"\"Haute\"\"\r\n75001 Paris\";0612345678\nx;y;z\n".utf8), delimiter: DelimitedText.semicolon)
        #expect(read.map(\.values) == [
            ["nom", "adresse", "tel"], ["Dupont; Jean", "12 rue \"Haute\"\r\n75001 Paris", "0612345678"], ["x", "y", "z"],
        ])
        #expect(read.map(\.line) == [1, 2, 4])
        // The raw bytes of a record are what was written, quotes and line break included.
        #expect(read[1].raw == "\"Dupont; Jean\";\"12 rue \"\"Haute\"\"\r\n75001 Paris\";0612345678")
    }

    @Test("a quote inside an unquoted field is a character; text after a closing quote is kept, as Excel reads it")
    func strayQuotes() throws {
        #expect(try records("ab\"cd;e") == [["ab\"cd", "e"]])
        #expect(try records("\"ab\"cd;e") == [["abcd", "e"]])
        #expect(try records("\"\";\"\"\"\"") == [["", "\""]])
    }

    @Test("a quote never closed is an error naming the line it opened on")
    func unclosedQuote() {
        #expect(throws: DelimitedText.Problem("a quote opened here is never closed", line: 2)) {
            try records("a;b\n\"oops;c\nd;e\n")
        }
    }

    @Test("the delimiter is the one every sampled record has as often, ';' before tab before ','")
    func delimiterDetection() {
        #expect(delimiter(of: "nom;tel\nA;0612345678\n") == ";")
        #expect(delimiter(of: "nom,tel\nA,0612345678\n") == ",")
        #expect(delimiter(of: "nom\ttel\nA\t0612345678\n") == "\t")
        // Commas inside quotes do not count; the regular one wins over one that varies.
        #expect(delimiter(of: "nom;ville;tel\n\"Dupont, Jean\";Paris;0612345678\n\"Durand, Marc\";Lyon, 3e;0612345679\n") == ";")
        // A tie goes to ';'.
        #expect(delimiter(of: "a;b,c\n1;2,3\n") == ";")
        // Nothing regular: the most frequent in the first record.
        #expect(delimiter(of: "a,b,c;d\n1\n") == ",")
        #expect(delimiter(of: "0612345678\n0612345679\n") == nil)
    }

    @Test("UTF-8 is read as is and its byte order mark removed")
    func utf8() throws {
        let plain = try DelimitedText.decode(Data("nom;tél\n".utf8))
        #expect(plain.encoding == .utf8 && !plain.hadByteOrderMark && plain.detected)
        #expect(plain.bytes == Array("nom;tél\n".utf8))
        let marked = try DelimitedText.decode(Data([0xEF, 0xBB, 0xBF] + Array("nom;tél\n".utf8)))
        #expect(marked.encoding == .utf8 && marked.hadByteOrderMark)
        #expect(marked.bytes == Array("nom;tél\n".utf8))
    }

    @Test("bytes that are not UTF-8 are Windows-1252, as Excel writes them, and come out in UTF-8")
    func windows1252() throws {
        // "Hélène;Œuvre €5;…" in Windows-1252.
        let bytes: [UInt8] = [0x48, 0xE9, 0x6C, 0xE8, 0x6E, 0x65, 0x3B, 0x8C, 0x75, 0x76, 0x72, 0x65, 0x20, 0x80, 0x35, 0x3B, 0x85]
        let detected = try DelimitedText.decode(Data(bytes))
        #expect(detected.encoding == .windows1252 && detected.detected)
        #expect(String(decoding: detected.bytes, as: UTF8.self) == "Hélène;Œuvre €5;…")
        let declared = try DelimitedText.decode(Data(bytes), declared: .windows1252)
        #expect(declared.bytes == detected.bytes && !declared.detected)
        // Every byte is a character; the five unassigned ones become C1 controls.
        let all = DelimitedText.utf8(fromWindows1252: (0...255).map(UInt8.init))
        #expect(DelimitedText.firstInvalidUTF8(all) == nil)
        #expect(String(decoding: all, as: UTF8.self).unicodeScalars.count == 256)
    }

    @Test("a declared encoding the bytes do not match is an error, never a silent misreading")
    func wrongDeclaration() {
        let latin: [UInt8] = Array("nom;t".utf8) + [0xE9] + Array("l\n".utf8)
        #expect(throws: DelimitedText.Problem.self) { try DelimitedText.decode(Data(latin), declared: .utf8) }
        #expect(throws: DelimitedText.Problem.self) {
            try DelimitedText.decode(Data([0xEF, 0xBB, 0xBF] + Array("a;b".utf8)), declared: .windows1252)
        }
        #expect(throws: DelimitedText.Problem.self) { try DelimitedText.decode(Data([0xEF, 0xBB, 0xBF, 0xE9])) }
    }

    @Test("UTF-16 and binary files (a workbook) are refused with what to do")
    func notText() {
        #expect(throws: DelimitedText.Problem.self) { try DelimitedText.decode(Data([0xFF, 0xFE, 0x61, 0x00])) }
        #expect(throws: DelimitedText.Problem.self) { try DelimitedText.decode(Data([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00])) }
    }

    @Test("encoding labels: utf-8, windows-1252 and their usual aliases")
    func labels() {
        #expect(TextEncoding(label: "UTF8") == .utf8)
        #expect(TextEncoding(label: "cp1252") == .windows1252)
        #expect(TextEncoding(label: "latin1") == .windows1252)
        #expect(TextEncoding(label: "ebcdic") == nil)
    }

    @Test("the UTF-8 check finds the first bad byte: overlong forms, surrogates, truncation")
    func utf8Validation() {
        #expect(DelimitedText.firstInvalidUTF8(Array("0123456789abcdefé€😀".utf8)) == nil)
        #expect(DelimitedText.firstInvalidUTF8([0x41, 0xC0, 0x80]) == 1)
        #expect(DelimitedText.firstInvalidUTF8([0xED, 0xA0, 0x80]) == 0)
        #expect(DelimitedText.firstInvalidUTF8(Array("abcdefghij".utf8) + [0xE2, 0x82]) == 10)
        #expect(DelimitedText.firstInvalidUTF8([0xF4, 0x90, 0x80, 0x80]) == 0)
    }

    @Test("a field is written as is, or quoted with doubled quotes when it must be")
    func writing() throws {
        var line: [UInt8] = []
        for (index, value) in ["plain", "a;b", "say \"hi\"", "two\nlines", " padded"].enumerated() {
            if index > 0 { line.append(DelimitedText.semicolon) }
            DelimitedText.appendField(value, delimiter: DelimitedText.semicolon, to: &line)
        }
        #expect(String(decoding: line, as: UTF8.self) == "plain;\"a;b\";\"say \"\"hi\"\"\";\"two\nlines\";\" padded\"")
        #expect(try records(line, delimiter: DelimitedText.semicolon).map(\.values) == [["plain", "a;b", "say \"hi\"", "two\nlines", " padded"]])
    }
}
