/// Makes text safe to put on one line of a line-oriented systemd protocol.
///
/// The notify protocol is `KEY=value` lines, so a newline in a status text would smuggle in
/// another assignment (`READY=1`). journald would store a newline in a journal value safely
/// (binary-safe form), but every text consumer (`journalctl` short output, grep over exports, a
/// SIEM) would then see a forged line. So dialgate keeps every value on one line: each control
/// character (C0 U+0000-U+001F, DEL U+007F, C1 U+0080-U+009F; newline, carriage return and tab
/// included) becomes one space. Nothing else changes, so plain values pass through untouched.
enum SingleLine {
    /// Appends `value`'s UTF-8 bytes to `bytes`, each control character replaced by a space.
    static func append(_ value: String, to bytes: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            // Fast path: most values hold no control character and are copied in one go.
            if !utf8.contains(where: isControlLead) {
                bytes.append(contentsOf: utf8)
                return
            }
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                if byte < 0x20 || byte == 0x7F {
                    bytes.append(0x20)
                } else if byte == 0xC2, index + 1 < utf8.count, (0x80...0x9F).contains(utf8[index + 1]) {
                    // A C1 control is two bytes in UTF-8 (C2 80 to C2 9F).
                    bytes.append(0x20)
                    index += 1
                } else {
                    bytes.append(byte)
                }
                index += 1
            }
        }
    }

    /// `value` with each control character replaced by a space.
    static func sanitized(_ value: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count)
        append(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A byte that is, or starts, a control character (0xC2 may start a C1 control).
    private static func isControlLead(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F || byte == 0xC2
    }
}
