#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level reading of list files: lines, trimming and CSV fields, without making a
/// `String` of every line, so that ten million numbers load in seconds.
enum ListText {
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let hash: UInt8 = 0x23
    static let quote: UInt8 = 0x22
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C

    /// The lines of a file, numbered from 1, without their `\n` or `\r\n`, and without a UTF-8
    /// byte order mark at the start (spreadsheets write one).
    struct Lines: Sequence, IteratorProtocol {
        private let bytes: UnsafeRawBufferPointer
        private var offset = 0
        private var number = 0

        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { offset = 3 }
        }

        mutating func next() -> (number: Int, text: UnsafeRawBufferPointer)? {
            guard let base = bytes.baseAddress, offset < bytes.count else { return nil }
            number += 1
            let start = offset
            var end: Int
            if let found = memchr(base + start, Int32(ListText.newline), bytes.count - start) {
                end = base.distance(to: UnsafeRawPointer(found))
                offset = end + 1
            } else {
                end = bytes.count
                offset = end
            }
            if end > start, bytes[end - 1] == ListText.carriageReturn { end -= 1 }
            return (number, UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        }
    }

    /// The bytes without leading and trailing spaces and tabs.
    static func trimmed(_ text: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = text.count
        while start < end, text[start] == space || text[start] == tab { start += 1 }
        while end > start, text[end - 1] == space || text[end - 1] == tab { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: text[start..<end])
    }

    /// Whether the line says nothing: blank, or a `#` comment.
    static func isBlankOrComment(_ text: UnsafeRawBufferPointer) -> Bool {
        let text = trimmed(text)
        return text.isEmpty || text[0] == hash
    }

    static func contains(_ byte: UInt8, in text: UnsafeRawBufferPointer) -> Bool {
        guard let base = text.baseAddress, !text.isEmpty else { return false }
        return memchr(base, Int32(byte), text.count) != nil
    }

    static func string(_ text: UnsafeRawBufferPointer) -> String {
        String(decoding: text, as: UTF8.self)
    }

    /// Field `index` (0-based) of a CSV line that has no quotes, trimmed; `nil` when the line
    /// has fewer fields. A fast path for number columns: no allocation.
    static func unquotedField(_ index: Int, of line: UnsafeRawBufferPointer, separator: UInt8) -> UnsafeRawBufferPointer? {
        var field = 0
        var start = 0
        for position in 0...line.count {
            if position == line.count || line[position] == separator {
                if field == index { return trimmed(UnsafeRawBufferPointer(rebasing: line[start..<position])) }
                field += 1
                start = position + 1
            }
        }
        return nil
    }

    /// The fields of a CSV line, trimmed, with RFC 4180 quoting (`"a;b"`, `""` for a quote
    /// inside). `nil` when a quote is left open: records never span lines here.
    static func fields(of line: UnsafeRawBufferPointer, separator: UInt8) -> [String]? {
        var fields: [String] = []
        var current: [UInt8] = []
        var inQuotes = false
        var wasQuoted = false
        var position = 0
        func finish() {
            let text = current.withUnsafeBytes { wasQuoted ? string($0) : string(trimmed($0)) }
            fields.append(text)
            current.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        while position < line.count {
            let byte = line[position]
            if inQuotes {
                if byte == quote {
                    if position + 1 < line.count, line[position + 1] == quote {
                        current.append(quote)
                        position += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(byte)
                }
            } else if byte == quote, current.allSatisfy({ $0 == space || $0 == tab }) {
                current.removeAll(keepingCapacity: true)
                inQuotes = true
                wasQuoted = true
            } else if byte == separator {
                finish()
            } else if wasQuoted, byte == space || byte == tab {
                // Spaces after a closing quote are layout, not content.
            } else {
                current.append(byte)
            }
            position += 1
        }
        if inQuotes { return nil }
        finish()
        return fields
    }
}
