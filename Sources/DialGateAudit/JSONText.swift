import Foundation

/// A JSON value written in one known way: keys in the order given (or sorted, when asked),
/// no spaces, every string escaped per RFC 8259 with the line separators U+2028 and U+2029
/// escaped too, so that the text is one line and the same bytes for the same value. The
/// journal fields the daemon writes as JSON (manifest, policy) and `--format jsonl` use it;
/// a digest made over such a text can be recomputed from the field as journalctl shows it.
public indirect enum JSONText: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case array([JSONText])
    case object([(key: String, value: JSONText)])

    public static func == (left: JSONText, right: JSONText) -> Bool { left.text == right.text }

    /// An object of strings, keys sorted by their bytes.
    public static func sortedObject(_ pairs: [String: String]) -> JSONText {
        .object(
            pairs.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { (key: $0.key, value: .string($0.value)) })
    }

    /// The value as one line of JSON.
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .string(let value): Self.quote(value, to: &out)
        case .integer(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.write(to: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out += "," }
                Self.quote(pair.key, to: &out)
                out += ":"
                pair.value.write(to: &out)
            }
            out += "}"
        }
    }

    /// `value` as a JSON string: quotes, backslashes and controls escaped (`\n`, `\u0001`),
    /// U+2028 and U+2029 as `\u2028`, `\u2029`; everything else as it is.
    public static func quote(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}", "\u{2029}": out += String(format: "\\u%04x", scalar.value)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// Reads JSON text back (Foundation's parser), nil when it is not JSON.
    public static func parse(_ text: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    /// A number read by `parse` as an Int (Foundation gives NSNumber or Int, by platform).
    public static func integer(_ value: Any?) -> Int? {
        if let value = value as? Int { return value }
        if let value = value as? NSNumber { return value.intValue }
        return nil
    }
}
