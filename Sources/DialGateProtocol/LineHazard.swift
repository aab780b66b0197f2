/// A character that must never be written raw on a line that people or line-oriented tools
/// read: it could break the line, or make the text display in another order than it is stored.
///
/// An answer is one line, and an auditor reads a journal field as the text it shows. Unicode
/// knows more line breaks than LF and more ways to fool a reader than control characters:
/// NEL and the line and paragraph separators end a line for many viewers, and the bidi controls
/// reorder what follows them on screen (`id=abc<U+202E>ynned` shows as `id=abcdenny`). So these
/// are refused raw in requests and written as the visible escape `\uXXXX` everywhere the
/// daemon writes text.
enum LineHazard: Equatable, Sendable {
    /// C0 controls, DEL and C1 controls (U+0000–U+001F, U+007F–U+009F), but NEL.
    case control
    /// NEL (U+0085), the line separator (U+2028) and the paragraph separator (U+2029).
    case lineBreak
    /// Bidirectional controls: ALM (U+061C), LRM and RLM (U+200E, U+200F), the embeddings and
    /// overrides (U+202A–U+202E) and the isolates (U+2066–U+2069).
    case bidiControl

    /// The hazard `scalar` is, or `nil` for a character that may be written as it is.
    init?(_ scalar: Unicode.Scalar) {
        switch scalar.value {
        case 0x85, 0x2028, 0x2029: self = .lineBreak
        case 0x00...0x1F, 0x7F...0x9F: self = .control
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: self = .bidiControl
        default: return nil
        }
    }

    /// Whether `scalar` is one, without building the value (the fast path of every field).
    static func isHazard(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        // Printable ASCII and Latin text up to U+061B are decided without the full table.
        if (0x20..<0x7F).contains(value) || (0xA0..<0x061C).contains(value) { return false }
        return LineHazard(scalar) != nil
    }

    /// How an error message names it.
    var name: String {
        switch self {
        case .control: "control character"
        case .lineBreak: "line break"
        case .bidiControl: "bidi control"
        }
    }

    /// `U+2028`: the code point as error messages show it.
    static func codePoint(_ scalar: Unicode.Scalar) -> String { "U+" + hex4(scalar.value) }

    /// `\u2028`: the escape answers and journal fields write instead of the character, and
    /// that a quoted request value may use.
    static func escape(_ scalar: Unicode.Scalar) -> String { "\\u" + hex4(scalar.value) }

    /// Four uppercase hex digits (every hazard is below U+10000).
    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
