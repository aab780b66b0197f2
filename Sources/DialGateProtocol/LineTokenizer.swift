/// Splits a request line into words and `key=value` arguments, logfmt style: words are
/// separated by spaces or tabs; a word or a value may be written in double quotes to hold spaces, with
/// `\"`, `\\` and `\uXXXX` escapes. The same quoting is used when the daemon writes values, and
/// `tokenize(quote(v))` gives `v` back for every string `v`.
///
/// A line hazard (`LineHazard`: a control character, a Unicode line break, a bidi control) is
/// refused raw, with its position, so that what a client sent is what a person reading the
/// line sees; inside quotes it may be written as its `\uXXXX` escape (a tab inside quotes is
/// also accepted raw, as before).
enum LineTokenizer {
    struct Token: Equatable {
        var key: String?
        var value: String
    }

    enum Failure: Error, Equatable {
        case unterminatedQuote(position: Int)
        /// A line hazard written raw, at this character (counted from 1).
        case hazard(LineHazard, Unicode.Scalar, position: Int)
        case emptyKey(position: Int)
        /// A `\u` not followed by four hex digits naming a character.
        case badEscape(position: Int)
    }

    static func tokenize(_ line: Substring) throws(Failure) -> [Token] {
        var tokens: [Token] = []
        let scalars = Array(line.unicodeScalars)
        var index = 0
        func isBlank(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" }
        /// The scalar at `position`, refused when it is a hazard (a tab is allowed in quotes).
        func checked(_ position: Int, quoted: Bool) throws(Failure) -> Unicode.Scalar {
            let scalar = scalars[position]
            if LineHazard.isHazard(scalar), !(quoted && scalar == "\t"), let hazard = LineHazard(scalar) {
                throw .hazard(hazard, scalar, position: position + 1)
            }
            return scalar
        }
        while index < scalars.count {
            while index < scalars.count, isBlank(scalars[index]) { index += 1 }
            guard index < scalars.count else { break }
            var key: String? = nil
            var text = ""
            var quoted = false
            let start = index
            while index < scalars.count, !isBlank(scalars[index]) || quoted {
                let scalar = try checked(index, quoted: quoted)
                if quoted {
                    if scalar == "\\", index + 1 < scalars.count {
                        let escaped = try checked(index + 1, quoted: true)
                        if escaped == "u" {
                            text.unicodeScalars.append(try unicodeEscape(scalars, at: index))
                            index += 5
                        } else {
                            text.unicodeScalars.append(escaped)
                            index += 1
                        }
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

    /// The character of the `\uXXXX` escape whose backslash is at `backslash`.
    private static func unicodeEscape(_ scalars: [Unicode.Scalar], at backslash: Int) throws(Failure) -> Unicode.Scalar {
        let digits = backslash + 2..<backslash + 6
        guard digits.upperBound <= scalars.count else { throw .badEscape(position: backslash + 1) }
        var value: UInt32 = 0
        for position in digits {
            guard let digit = hexValue(scalars[position]) else { throw .badEscape(position: backslash + 1) }
            value = value * 16 + digit
        }
        guard let scalar = Unicode.Scalar(value) else { throw .badEscape(position: backslash + 1) }
        return scalar
    }

    /// The value of one hex digit, either case.
    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 0x30
        case "A"..."F": scalar.value - 0x41 + 10
        case "a"..."f": scalar.value - 0x61 + 10
        default: nil
        }
    }

    /// Writes a value so that `tokenize` reads it back: bare when it is a plain word, quoted
    /// otherwise. A line hazard is written as its `\uXXXX` escape: one answer is always one
    /// line, and reads in the order it is stored.
    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { s in
            s == " " || s == "\"" || s == "\\" || s == "=" || LineHazard.isHazard(s)
        }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if LineHazard.isHazard(scalar) {
                    out += LineHazard.escape(scalar)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `value` with each line hazard written as its `\uXXXX` escape and nothing else changed:
    /// for one-line text that is not a wire value (journal fields).
    static func escapingHazards(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: LineHazard.isHazard) else { return value }
        var out = ""
        for scalar in value.unicodeScalars {
            if LineHazard.isHazard(scalar) { out += LineHazard.escape(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}
