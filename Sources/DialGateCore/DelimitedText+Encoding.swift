import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The text encodings a spreadsheet export comes in, as far as dialgate reads them.
public enum TextEncoding: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// UTF-8, with or without a byte order mark.
    case utf8 = "utf-8"
    /// Windows-1252 ("ANSI" on a French Windows): what Excel writes for "CSV (séparateur:
    /// point-virgule)". A superset of ISO-8859-1 for every printable character.
    case windows1252 = "windows-1252"

    /// The encoding a user names: `utf-8`/`utf8`, or `windows-1252`/`cp1252`/`ansi`, and the
    /// labels `latin1`/`iso-8859-1`, which web browsers also read as Windows-1252.
    public init?(label: String) {
        switch label.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "utf-8", "utf8": self = .utf8
        case "windows-1252", "cp1252", "cp-1252", "ansi", "latin1", "latin-1", "iso-8859-1", "iso8859-1": self = .windows1252
        default: return nil
        }
    }

    public var description: String { rawValue }
}

/// A file's text, in UTF-8, and what it was written in.
public struct DecodedText: Sendable {
    /// The text as UTF-8, without a byte order mark.
    public let bytes: [UInt8]
    public let encoding: TextEncoding
    /// Whether the file started with a UTF-8 byte order mark (Excel's "CSV UTF-8").
    public let hadByteOrderMark: Bool
    /// Whether the encoding was found by looking at the bytes rather than declared.
    public let detected: Bool
}

extension DelimitedText {
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The text of `data` in UTF-8.
    ///
    /// Declared (`encoding` given), the bytes must be in that encoding. Otherwise a UTF-8 byte
    /// order mark means UTF-8; bytes that are valid UTF-8 are UTF-8; anything else is read as
    /// Windows-1252, in which every byte is a character. The bytes of UTF-8 and of Windows-1252
    /// accents differ so much that valid UTF-8 from a Windows-1252 file is practically
    /// impossible beyond a few words.
    ///
    /// - Throws: `Problem` for bytes that are not text (NUL bytes: UTF-16, or a workbook such
    ///   as .xlsx), a UTF-16 byte order mark, bytes that are not the declared UTF-8, or a UTF-8
    ///   byte order mark on a file declared Windows-1252.
    public static func decode(_ data: Data, declared encoding: TextEncoding? = nil) throws(Problem) -> DecodedText {
        try decode([UInt8](data), declared: encoding)
    }

    /// The same, from bytes already in an array: UTF-8 without a byte order mark keeps the
    /// array as it is, with no copy.
    public static func decode(_ bytes: consuming [UInt8], declared encoding: TextEncoding? = nil) throws(Problem) -> DecodedText {
        var bytes = bytes
        if bytes.count >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) {
            throw Problem("the file is UTF-16 (it starts with a UTF-16 byte order mark): save it as CSV in UTF-8 or Windows-1252")
        }
        if let nul = firstNUL(bytes) {
            throw Problem(
                "byte \(nul + 1) is a NUL byte: this is not a text file (a workbook such as .xlsx, or UTF-16): save it as CSV",
                line: lineNumber(at: nul, in: bytes))
        }
        let hasMark = bytes.starts(with: byteOrderMark)
        switch encoding {
        case .utf8?:
            if hasMark { bytes.removeFirst(3) }
            let body = bytes
            if let bad = firstInvalidUTF8(body) {
                throw Problem(
                    "byte \(bad + (hasMark ? 4 : 1)) (0x\(String(body[bad], radix: 16, uppercase: true))) is not UTF-8: "
                        + "the file is not in the declared encoding utf-8 (Windows-1252? declare --encoding windows-1252)",
                    line: lineNumber(at: bad, in: body))
            }
            return DecodedText(bytes: body, encoding: .utf8, hadByteOrderMark: hasMark, detected: false)
        case .windows1252?:
            if hasMark {
                throw Problem(
                    "the file starts with a UTF-8 byte order mark: it is UTF-8, not the declared windows-1252")
            }
            return DecodedText(bytes: utf8(fromWindows1252: bytes), encoding: .windows1252, hadByteOrderMark: false, detected: false)
        case nil:
            if hasMark {
                bytes.removeFirst(3)
                let body = bytes
                if let bad = firstInvalidUTF8(body) {
                    throw Problem(
                        "the file starts with a UTF-8 byte order mark but byte \(bad + 4) is not UTF-8",
                        line: lineNumber(at: bad, in: body))
                }
                return DecodedText(bytes: body, encoding: .utf8, hadByteOrderMark: true, detected: true)
            }
            if firstInvalidUTF8(bytes) == nil {
                return DecodedText(bytes: bytes, encoding: .utf8, hadByteOrderMark: false, detected: true)
            }
            return DecodedText(bytes: utf8(fromWindows1252: bytes), encoding: .windows1252, hadByteOrderMark: false, detected: true)
        }
    }

    static func firstNUL(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress, let found = memchr(base, 0, buffer.count) else { return nil }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
        }
    }

    /// The 1-based line holding byte `offset`.
    static func lineNumber(at offset: Int, in bytes: [UInt8]) -> Int {
        bytes[..<offset].reduce(1) { $1 == newline ? $0 + 1 : $0 }
    }

    /// The offset of the first byte that does not belong to well-formed UTF-8 (shortest forms,
    /// no surrogates, at most U+10FFFF), or `nil` when all of it is.
    public static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            let count = buffer.count
            var index = 0
            while index < count {
                // Eight ASCII bytes at a time: the common case.
                if index + 8 <= count {
                    let word = UnsafeRawPointer(buffer.baseAddress! + index).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 == 0 {
                        index += 8
                        continue
                    }
                }
                let lead = buffer[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                let length: Int
                var low: UInt8 = 0x80
                var high: UInt8 = 0xBF
                switch lead {
                case 0xC2...0xDF: length = 2
                case 0xE0: length = 3; low = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: length = 3
                case 0xED: length = 3; high = 0x9F
                case 0xF0: length = 4; low = 0x90
                case 0xF1...0xF3: length = 4
                case 0xF4: length = 4; high = 0x8F
                default: return index
                }
                guard index + length <= count else { return index }
                let second = buffer[index + 1]
                guard second >= low && second <= high else { return index }
                for continuation in 2..<length where buffer[index + continuation] & 0xC0 != 0x80 { return index }
                index += length
            }
            return nil
        }
    }

    /// Windows-1252 bytes as UTF-8. Its five unassigned bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D)
    /// become the C1 controls of the same value, as web browsers read them.
    public static func utf8(fromWindows1252 bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        for byte in bytes {
            if byte < 0x80 {
                output.append(byte)
                continue
            }
            let scalar: UInt32 = byte < 0xA0 ? windows1252High[Int(byte - 0x80)] : UInt32(byte)
            if scalar < 0x800 {
                output.append(UInt8(0xC0 | (scalar >> 6)))
                output.append(UInt8(0x80 | (scalar & 0x3F)))
            } else {
                output.append(UInt8(0xE0 | (scalar >> 12)))
                output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                output.append(UInt8(0x80 | (scalar & 0x3F)))
            }
        }
        return output
    }

    /// The characters of Windows-1252's bytes 0x80...0x9F (the rest is ISO-8859-1).
    private static let windows1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]
}
