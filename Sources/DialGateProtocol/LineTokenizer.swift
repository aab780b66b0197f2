/// Splits a request line into words and `key=value` arguments, logfmt style: words are
/// separated by spaces or tabs; a word or a value may be written in double quotes to hold spaces, with
/// `\"` and `\\` escapes. The same quoting is used when the daemon writes values.
enum LineTokenizer {
    struct Token: Equatable {
        var key: String?
        var value: String
    }

    enum Failure: Error, Equatable {
        case unterminatedQuote(position: Int)
        case controlCharacter(position: Int)
        case emptyKey(position: Int)
    }

    static func tokenize(_ line: Substring) throws(Failure) -> [Token] {
        var tokens: [Token] = []
        let scalars = Array(line.unicodeScalars)
        var index = 0
        func isBlank(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" }
        while index < scalars.count {
            while index < scalars.count, isBlank(scalars[index]) { index += 1 }
            guard index < scalars.count else { break }
            var key: String? = nil
            var text = ""
            var quoted = false
            let start = index
            while index < scalars.count, !isBlank(scalars[index]) || quoted {
                let scalar = scalars[index]
                if scalar.value < 0x20 || scalar.value == 0x7F, !(quoted && scalar == "\t") {
                    throw .controlCharacter(position: index + 1)
                }
                if quoted {
                    if scalar == "\\", index + 1 < scalars.count {
                        index += 1
                        text.unicodeScalars.append(scalars[index])
                    } else if scalar == "\"" {
                        quoted = false
                    } else {
                        text.unicodeScalars.append(scalar)
                    }
                } else if scalar == "=", key == nil {
                    guard !text.isEmpty else { throw .emptyKey(position: index + 1) }
                    key = text
                    text = ""
                } else if scalar == "\"", text.isEmpty {
                    quoted = true
                } else {
                    text.unicodeScalars.append(scalar)
                }
                index += 1
            }
            if quoted { throw .unterminatedQuote(position: start + 1) }
            tokens.append(Token(key: key, value: text))
        }
        return tokens
    }

    /// Writes a value so that `tokenize` reads it back: bare when it is a plain word, quoted
    /// otherwise. Control characters are replaced by spaces: one answer is always one line.
    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { s in
            s == " " || s == "\"" || s == "\\" || s == "=" || s.value < 0x20 || s.value == 0x7F
        }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += " "
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
