import DialGateCore
/// Where each key of a TOML text is, by line, for error messages.
///
/// TOMLKit gives positions only for syntax errors, so this tiny scanner follows `[table]` and
/// `[[array]]` headers and `key =` lines, skipping multi-line strings and arrays. Paths use the
/// reader's form: `daemon.socket`, `campaign[2].id` (array elements counted from 1). A key it
/// cannot place (inside an inline table, say) falls back to its parent's line.
struct ConfigurationKeyLines {
    private var lines: [String: Int] = [:]

    init(text: String) {
        var table = ""
        var arrayCounts: [String: Int] = [:]
        var openString: String?  // the closing delimiter of a multi-line string we are in
        var bracketDepth = 0  // open brackets of a multi-line array value
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var line = Substring(rawLine)
            if let delimiter = openString {
                guard let end = line.range(of: delimiter) else { continue }
                openString = nil
                line = line[end.upperBound...]
                Self.scanValue(line, depth: &bracketDepth, openString: &openString)
                continue
            }
            if bracketDepth > 0 {
                Self.scanValue(line, depth: &bracketDepth, openString: &openString)
                continue
            }
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("[[") {
                guard let end = trimmed.range(of: "]]") else { continue }
                let name = Self.keyPath(trimmed[trimmed.index(trimmed.startIndex, offsetBy: 2)..<end.lowerBound])
                arrayCounts[name, default: 0] += 1
                table = "\(name)[\(arrayCounts[name]!)]"
                record(table, lineNumber)
            } else if trimmed.hasPrefix("[") {
                guard let end = trimmed.firstIndex(of: "]") else { continue }
                table = Self.keyPath(trimmed[trimmed.index(after: trimmed.startIndex)..<end])
                record(table, lineNumber)
            } else if let (key, value) = Self.splitKey(trimmed) {
                record(table.isEmpty ? key : table + "." + key, lineNumber)
                Self.scanValue(value, depth: &bracketDepth, openString: &openString)
            }
        }
    }

    private mutating func record(_ path: String, _ line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    /// The line of `path`, or of its nearest parent that has one.
    func line(of path: String) -> Int? {
        var path = Substring(path)
        while !path.isEmpty {
            if let line = lines[String(path)] { return line }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { return nil }
            path = path[..<cut]
        }
        return nil
    }

    /// `a . "b c"` → `a.b c`: a dotted key without quotes and spaces.
    private static func keyPath(_ text: Substring) -> String {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "." {
                parts.append(current)
                current = ""
            } else if character != " " && character != "\t" {
                current.append(character)
            }
        }
        parts.append(current)
        return parts.joined(separator: ".")
    }

    /// Splits `key = value` at the first `=` outside quotes.
    private static func splitKey(_ line: Substring) -> (String, Substring)? {
        var quote: Character?
        for index in line.indices {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "=" {
                let key = keyPath(line[..<index])
                return key.isEmpty ? nil : (key, line[line.index(after: index)...])
            } else if character == "#" {
                return nil
            }
        }
        return nil
    }

    /// Follows a value to learn whether it leaves an array or a multi-line string open.
    private static func scanValue(_ value: Substring, depth: inout Int, openString: inout String?) {
        var index = value.startIndex
        while index < value.endIndex {
            let rest = value[index...]
            if rest.hasPrefix("\"\"\"") || rest.hasPrefix("'''") {
                let delimiter = String(rest.prefix(3))
                let afterOpen = value.index(index, offsetBy: 3)
                guard let close = value[afterOpen...].range(of: delimiter) else {
                    openString = delimiter
                    return
                }
                index = close.upperBound
                continue
            }
            let character = value[index]
            if character == "\"" || character == "'" {
                // A one-line string: skip to its end (basic strings may escape a quote).
                var cursor = value.index(after: index)
                while cursor < value.endIndex, value[cursor] != character {
                    if character == "\"", value[cursor] == "\\" { cursor = value.index(after: cursor) }
                    if cursor < value.endIndex { cursor = value.index(after: cursor) }
                }
                index = cursor < value.endIndex ? value.index(after: cursor) : cursor
                continue
            }
            if character == "#" { return }
            if character == "[" { depth += 1 }
            if character == "]" { depth = max(0, depth - 1) }
            index = value.index(after: index)
        }
    }
}
