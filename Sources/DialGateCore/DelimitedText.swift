import Foundation

/// Delimited text as spreadsheets export it (Excel's "CSV", LibreOffice's, a CRM's): records
/// of fields separated by `;`, `,` or a tab, a field in double quotes when it holds the
/// delimiter, a quote (written `""`) or a line break.
///
/// Pure: it reads bytes already in memory and writes none. `decode` turns a file's bytes into
/// UTF-8 (`DelimitedText+Encoding.swift`), `detectDelimiter` guesses the delimiter, and
/// `Reader` walks the records, giving each field's place in the bytes so that a caller can copy
/// a record as it was written, byte for byte, or read one field's value.
///
/// The reading rules, those of RFC 4180 as Excel applies them:
/// - a record ends at `\n`, `\r\n` or a lone `\r` outside quotes; a record may span lines
///   inside a quoted field;
/// - a field is quoted when it starts with `"`; inside, `""` is one quote, and the field
///   ends at the next lone `"`. Characters after that closing quote, up to the delimiter, are
///   kept as they are (`"ab"cd` reads `abcd`); a quote inside an unquoted field is an ordinary
///   character (`ab"cd` reads `ab"cd`);
/// - a quote left open at the end of the bytes is an error, naming the line it opened on:
///   it would otherwise swallow the rest of the file into one field.
public enum DelimitedText {
    public static let semicolon = UInt8(ascii: ";")
    public static let comma = UInt8(ascii: ",")
    public static let tab = UInt8(ascii: "\t")
    public static let quote = UInt8(ascii: "\"")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")

    /// The delimiters detection chooses from, in the order that breaks ties: `;` (what French
    /// spreadsheets write), tab, `,`.
    public static let delimiters: [UInt8] = [semicolon, tab, comma]

    /// What ended the first record: the line ending a writer should keep.
    public enum LineEnding: String, Hashable, Sendable {
        case lf = "\n"
        case crlf = "\r\n"
        case cr = "\r"

        public var bytes: [UInt8] { Array(rawValue.utf8) }
    }

    /// One field of a record: where its bytes are, quotes included.
    public struct Field: Hashable, Sendable {
        /// Offset of the field's first byte (its opening quote, when quoted).
        public var start: Int
        /// Offset just past the field's last byte.
        public var end: Int
        /// Whether the field starts with a quote, so its value needs unquoting.
        public var quoted: Bool
    }

    /// One record: where its bytes are, its fields, and the line it starts on.
    public struct Record: Sendable {
        /// The 1-based line of the file the record starts on (a record with a quoted line
        /// break spans several).
        public internal(set) var line: Int = 0
        /// Offset of the record's first byte.
        public internal(set) var start: Int = 0
        /// Offset just past its last byte, before the line ending.
        public internal(set) var end: Int = 0
        /// The fields, in order; a blank line is one empty field.
        public internal(set) var fields: [Field] = []
        /// What ended it; `nil` for a last record without a line ending.
        public internal(set) var ending: LineEnding?

        public init() {}

        /// Whether the record is a blank line (no bytes at all).
        public var isBlank: Bool { start == end }

        /// The value of field `index` (quotes removed, `""` made one quote), or `nil` when the
        /// record has fewer fields.
        public func value(_ index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
            guard index < fields.count else { return nil }
            return DelimitedText.value(of: fields[index], in: bytes)
        }

        /// Every field's value.
        public func values(in bytes: UnsafeBufferPointer<UInt8>) -> [String] {
            fields.map { DelimitedText.value(of: $0, in: bytes) }
        }
    }

    /// The value of a field: its bytes, or, for a quoted field, what is between the quotes
    /// with each `""` made one quote, followed by anything written after the closing quote.
    public static func value(of field: Field, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard field.quoted else {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[field.start..<field.end]), as: UTF8.self)
        }
        var value: [UInt8] = []
        value.reserveCapacity(field.end - field.start)
        var index = field.start + 1
        var open = true
        while index < field.end {
            let byte = bytes[index]
            if open && byte == quote {
                if index + 1 < field.end && bytes[index + 1] == quote {
                    value.append(quote)
                    index += 2
                    continue
                }
                open = false
                index += 1
                continue
            }
            value.append(byte)
            index += 1
        }
        return String(decoding: value, as: UTF8.self)
    }

    /// Why delimited text could not be read.
    public struct Problem: Error, Hashable, Sendable, CustomStringConvertible {
        public let message: String
        /// The 1-based line it is about, when there is one.
        public let line: Int?

        public init(_ message: String, line: Int? = nil) {
            self.message = message
            self.line = line
        }

        public var description: String { line.map { "line \($0): \(message)" } ?? message }
    }

    /// Walks the records of UTF-8 bytes, one at a time, into a record the caller keeps (so
    /// that ten million records need no allocation each).
    public struct Reader {
        public let bytes: UnsafeBufferPointer<UInt8>
        public let delimiter: UInt8
        /// Offset of the next record: how far reading got, for a progress bar.
        public private(set) var offset: Int
        /// The line the next record starts on.
        public private(set) var line = 1

        public init(bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, from offset: Int = 0) {
            self.bytes = bytes
            self.delimiter = delimiter
            self.offset = offset
        }

        /// Reads the next record into `record`; `false` at the end of the bytes.
        ///
        /// - Throws: `Problem` for a quote left open at the end of the bytes.
        public mutating func next(into record: inout Record) throws(Problem) -> Bool {
            let count = bytes.count
            guard offset < count else { return false }
            record.fields.removeAll(keepingCapacity: true)
            record.line = line
            record.start = offset
            record.ending = nil
            var index = offset
            var fieldStart = index
            var quoted = false
            while true {
                if index == count {
                    record.fields.append(Field(start: fieldStart, end: index, quoted: quoted))
                    record.end = index
                    offset = index
                    return true
                }
                let byte = bytes[index]
                if byte == DelimitedText.quote && index == fieldStart {
                    quoted = true
                    index = try closingQuote(after: index, openedOn: line) + 1
                    continue
                }
                if byte == delimiter {
                    record.fields.append(Field(start: fieldStart, end: index, quoted: quoted))
                    index += 1
                    fieldStart = index
                    quoted = false
                    continue
                }
                if byte == DelimitedText.newline || byte == DelimitedText.carriageReturn {
                    record.fields.append(Field(start: fieldStart, end: index, quoted: quoted))
                    record.end = index
                    if byte == DelimitedText.carriageReturn {
                        if index + 1 < count && bytes[index + 1] == DelimitedText.newline {
                            record.ending = .crlf
                            offset = index + 2
                        } else {
                            record.ending = .cr
                            offset = index + 1
                        }
                    } else {
                        record.ending = .lf
                        offset = index + 1
                    }
                    line += 1
                    return true
                }
                index += 1
            }
        }

        /// The offset of the quote that closes the one at `open`, counting the line breaks
        /// on the way; `""` pairs are skipped.
        private mutating func closingQuote(after open: Int, openedOn startLine: Int) throws(Problem) -> Int {
            var index = open + 1
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                if byte == DelimitedText.quote {
                    if index + 1 < count && bytes[index + 1] == DelimitedText.quote {
                        index += 2
                        continue
                    }
                    return index
                }
                if byte == DelimitedText.newline {
                    line += 1
                } else if byte == DelimitedText.carriageReturn {
                    if !(index + 1 < count && bytes[index + 1] == DelimitedText.newline) { line += 1 }
                }
                index += 1
            }
            throw Problem("a quote opened here is never closed", line: startLine)
        }
    }

    /// The delimiter of the text: among `delimiters`, the one that occurs (outside quotes) the
    /// same number of times, at least once, in every one of the first `sample` records; of
    /// several, the one occurring most, ties broken by the order of `delimiters`. When none is
    /// that regular, the one occurring most in the first record. `nil` when none occurs in
    /// the first record: the text has one column.
    public static func detectDelimiter(in bytes: UnsafeBufferPointer<UInt8>, sample: Int = 50) -> UInt8? {
        var counts: [[Int]] = []  // per record, the count of each candidate
        var index = 0
        var current = [Int](repeating: 0, count: delimiters.count)
        var inQuotes = false
        var recordHasBytes = false
        func endRecord() {
            if recordHasBytes { counts.append(current) }
            current = [Int](repeating: 0, count: delimiters.count)
            recordHasBytes = false
        }
        while index < bytes.count && counts.count < sample {
            let byte = bytes[index]
            index += 1
            if inQuotes {
                if byte == quote { inQuotes = false }  // a "" pair reopens at once below
                continue
            }
            if byte == quote {
                inQuotes = true
                recordHasBytes = true
                continue
            }
            if byte == newline || byte == carriageReturn {
                endRecord()
                continue
            }
            recordHasBytes = true
            if let candidate = delimiters.firstIndex(of: byte) { current[candidate] += 1 }
        }
        if counts.count < sample { endRecord() }
        guard let first = counts.first else { return nil }
        var best: (candidate: Int, count: Int)?
        for candidate in delimiters.indices {
            let perRecord = counts.map { $0[candidate] }
            guard let count = perRecord.first, count > 0, perRecord.allSatisfy({ $0 == count }) else { continue }
            if best.map({ count > $0.count }) ?? true { best = (candidate, count) }
        }
        if let best { return delimiters[best.candidate] }
        var most: (candidate: Int, count: Int)?
        for candidate in delimiters.indices where first[candidate] > 0 {
            if most.map({ first[candidate] > $0.count }) ?? true { most = (candidate, first[candidate]) }
        }
        return most.map { delimiters[$0.candidate] }
    }

    /// Appends `value` as one field: as is, or in quotes (each quote doubled) when it holds
    /// the delimiter, a quote or a line break, or starts or ends with a space.
    public static func appendField(_ value: String, delimiter: UInt8, to output: inout [UInt8]) {
        let utf8 = value.utf8
        let needsQuotes = utf8.contains { $0 == delimiter || $0 == quote || $0 == newline || $0 == carriageReturn }
            || utf8.first == UInt8(ascii: " ") || utf8.last == UInt8(ascii: " ")
        guard needsQuotes else {
            output.append(contentsOf: utf8)
            return
        }
        output.append(quote)
        for byte in utf8 {
            if byte == quote { output.append(quote) }
            output.append(byte)
        }
        output.append(quote)
    }
}
