/// Makes text safe to put on one line of a line-oriented systemd protocol.
///
/// The notify protocol is `KEY=value` lines, so a newline in a status text would smuggle in
/// another assignment (`READY=1`). journald would store a newline in a journal value safely
/// (binary-safe form), but every text consumer (`journalctl` short output, grep over exports, a
/// SIEM) would then see a forged line. So dialgate keeps every value on one line, shown in the
/// order it is stored: each control character (C0 U+0000-U+001F, DEL U+007F, C1 U+0080-U+009F;
/// newline, carriage return, tab and NEL included), each Unicode line break (U+2028 line
/// separator, U+2029 paragraph separator) and each bidi control (U+061C, U+200E, U+200F,
/// U+202A-U+202E, U+2066-U+2069, which reorder what a reader sees) becomes one space. Nothing
/// else changes, so plain values pass through untouched.
///
/// This is the last line of defence: the daemon writes text from clients in a visible escaped
/// form (`\u2028`) before it gets here.
enum SingleLine {
    /// Appends `value`'s UTF-8 bytes to `bytes`, each control character, line break and bidi
    /// control replaced by a space.
    static func append(_ value: String, to bytes: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            // Fast path: most values hold no such character and are copied in one go.
            if !utf8.contains(where: isHazardLead) {
                bytes.append(contentsOf: utf8)
                return
            }
            var index = 0
            while index < utf8.count {
                let length = hazardLength(utf8, at: index)
                if length > 0 {
                    bytes.append(0x20)
                    index += length
                } else {
                    bytes.append(utf8[index])
                    index += 1
                }
            }
        }
    }

    /// Replaces, in `bytes[start...]`, each control character, line break and bidi control
    /// by a space, in place (a hazard of several bytes becomes one space).
    static func sanitize(_ bytes: inout [UInt8], from start: Int) {
        guard bytes[start...].contains(where: isHazardLead) else { return }
        let tail = String(decoding: bytes[start...], as: UTF8.self)
        bytes.removeSubrange(start...)
        append(tail, to: &bytes)
    }

    /// `value` with each control character, line break and bidi control replaced by a space.
    static func sanitized(_ value: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count)
        append(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The length in bytes of the character to replace that starts at `index`, or 0.
    private static func hazardLength(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let byte = utf8[index]
        if byte < 0x20 || byte == 0x7F { return 1 }
        func next(_ offset: Int) -> UInt8? { index + offset < utf8.count ? utf8[index + offset] : nil }
        switch byte {
        case 0xC2:  // C1 controls: C2 80 to C2 9F
            if let second = next(1), (0x80...0x9F).contains(second) { return 2 }
        case 0xD8:  // U+061C arabic letter mark: D8 9C
            if next(1) == 0x9C { return 2 }
        case 0xE2:
            guard let second = next(1), let third = next(2) else { return 0 }
            // U+200E, U+200F (E2 80 8E/8F); U+2028, U+2029 (E2 80 A8/A9); U+202A-U+202E (E2 80 AA-AE)
            if second == 0x80, third == 0x8E || third == 0x8F || (0xA8...0xAE).contains(third) { return 3 }
            // U+2066-U+2069 (E2 81 A6-A9)
            if second == 0x81, (0xA6...0xA9).contains(third) { return 3 }
        default:
            break
        }
        return 0
    }

    /// A byte that is, or may start, a character to replace.
    private static func isHazardLead(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F || byte == 0xC2 || byte == 0xD8 || byte == 0xE2
    }
}
