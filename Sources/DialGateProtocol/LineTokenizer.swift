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
        var line = line
        if let plain = line.withUTF8(plainTokens) { return try plain.get() }
        return try tokenizeScalars(line)
    }

    /// The tokens of a line of printable ASCII, spaces and tabs without a quote (what hooks
    /// send), read from its bytes; `nil` for any other line, which `tokenizeScalars` reads.
    /// The same tokens as `tokenizeScalars` gives such a line.
    static func plainTokens(_ utf8: UnsafeBufferPointer<UInt8>) -> Result<[Token], Failure>? {
        for byte in utf8 where (byte < 0x20 && byte != 0x09) || byte >= 0x7F || byte == 0x22 { return nil }
        var tokens: [Token] = []
        // Room for a hook's CHECK (verb, number, campaign, id, key, deadline) in one allocation.
        tokens.reserveCapacity(8)
        var index = 0
        let count = utf8.count
        while index < count {
            while index < count, utf8[index] == 0x20 || utf8[index] == 0x09 { index += 1 }
            guard index < count else { break }
            let start = index
            var equals = -1
            while index < count, utf8[index] != 0x20, utf8[index] != 0x09 {
                if utf8[index] == 0x3D, equals < 0 {
                    guard index > start else { return .failure(.emptyKey(position: index + 1)) }
                    equals = index
                }
                index += 1
            }
            if equals < 0 {
                tokens.append(Token(key: nil, value: text(utf8, start..<index)))
            } else {
                tokens.append(Token(key: text(utf8, start..<equals), value: text(utf8, equals + 1..<index)))
            }
        }
        return .success(tokens)
    }

    private static func text(_ utf8: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: utf8[range]), as: UTF8.self)
    }

    /// Tokenizes any line, character by character: quotes, escapes, hazards.
    static func tokenizeScalars(_ line: Substring) throws(Failure) -> [Token] {
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

    /// Appends `quote(value)` to `bytes`. Values of printable ASCII with nothing to quote (the
    /// tokens, numbers and dates of nearly every answer) are copied as they are, byte by byte,
    /// without a string built; anything else goes through `quote`.
    static func appendQuoted(_ value: String, to bytes: inout [UInt8]) {
        var value = value
        let plain = value.withUTF8 { utf8 -> Bool in
            guard !utf8.isEmpty else { return false }
            for byte in utf8 {
                // Space, quote, backslash, equals, controls, DEL and every non-ASCII byte.
                if byte <= 0x20 || byte >= 0x7F || byte == 0x22 || byte == 0x5C || byte == 0x3D { return false }
            }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !plain { bytes.append(contentsOf: quote(value).utf8) }
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
        // Printable ASCII (campaigns, ids, rules: nearly every value) holds no hazard: decided
        // from the bytes, without decoding scalars.
        var probe = value
        if probe.withUTF8({ utf8 in !utf8.contains { $0 < 0x20 || $0 >= 0x7F } }) { return value }
        guard value.unicodeScalars.contains(where: LineHazard.isHazard) else { return value }
        var out = ""
        for scalar in value.unicodeScalars {
            if LineHazard.isHazard(scalar) { out += LineHazard.escape(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}
