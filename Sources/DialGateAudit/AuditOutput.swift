/// The forms `dialgate audit` prints in (`--format`).
public enum AuditOutputFormat: String, Sendable, CaseIterable {
    /// For a terminal: lines or aligned columns.
    case table
    /// Comma-separated values with a header row (RFC 4180 quoting), for a spreadsheet.
    case csv
    /// One JSON object a line, for jq and programs.
    case jsonl

    /// The names, for help and errors: `table, csv, jsonl`.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// Comma-separated values as a spreadsheet reads them safely.
///
/// A field is quoted when it holds a comma, a quote, a line break, or space at an end, with
/// each quote doubled (RFC 4180). Fields also come from clients (campaigns, request ids,
/// facts): one that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be taken
/// for a formula by a spreadsheet, so it is written with a `'` in front (OWASP's advice on CSV
/// injection), unless it is a plain number such as `+33611111111` or `-1`.
public enum CSV {
    /// One record, without its line end.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }

    /// One field, neutralised and quoted as needed.
    public static func field(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), !isPlainNumber(value) {
            value = "'" + value
        }
        let needsQuotes = value.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || value.first == " " || value.last == " "
        return needsQuotes ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }

    /// `+33611111111`, `-1`, `4.5`: a sign, digits, at most one dot.
    private static func isPlainNumber(_ value: String) -> Bool {
        var rest = Substring(value)
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        guard let first = rest.first, first.isASCII, first.isNumber else { return false }
        var dots = 0
        for character in rest {
            if character == "." {
                dots += 1
            } else if !(character.isASCII && character.isNumber) {
                return false
            }
        }
        return dots <= 1
    }
}

/// Columns aligned for a terminal: text left, numbers right, two spaces between.
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(_ header: [String]) {
        self.header = header
    }

    public mutating func add(_ row: [String]) {
        rows.append(row)
    }

    /// The table, one line per row after the header, each line ending in a newline.
    public var text: String {
        let all = [header] + rows
        let count = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: count)
        for row in all {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        // A column is numeric when every cell below the header is a number.
        let numeric = (0..<count).map { index in
            !rows.isEmpty && rows.allSatisfy { index < $0.count && UInt64($0[index]) != nil }
        }
        return all.map { row in
            row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return numeric[index] ? pad + cell : (index == row.count - 1 ? cell : cell + pad)
            }.joined(separator: "  ")
        }.map { $0 + "\n" }.joined()
    }
}
