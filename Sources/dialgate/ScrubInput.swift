import ArgumentParser
import Crypto
import DialGateCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How the user reads a prospect file: the options `scrub` and `bloctel prepare` share.
struct ProspectFileOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The column holding the number: its position (1 is the first) or its header's name. Default: the first column whose values read as phone numbers.",
            valueName: "n|name"))
    var column: String?

    @Option(name: .long, help: "The file's encoding: utf-8 or windows-1252. Default: detected (UTF-8 with or without BOM, else Windows-1252).")
    var encoding: String?

    @Option(name: .long, help: ArgumentHelp("The delimiter: ';', ',' or tab. Default: detected.", valueName: "delimiter"))
    var delimiter: String?

    @Flag(name: .long, help: "The first row is a record, not a header (by default it is a header when its number field is not a number).")
    var noHeader = false

    var reading: ProspectReading {
        ProspectReading(column: column, encoding: encoding, delimiter: delimiter, noHeader: noHeader)
    }
}

/// How to read a prospect file, as the options above give it (all detected by default).
struct ProspectReading {
    var column: String?
    var encoding: String?
    var delimiter: String?
    var noHeader = false
}

/// A prospect file read into memory and understood: its text in UTF-8, its delimiter, whether
/// it has a header, and which column holds the numbers.
struct ProspectFile {
    let path: String
    /// SHA-256 of the file's bytes as they are on disk, in hex: what the journal records.
    let sha256: String
    let text: DecodedText
    let delimiter: UInt8
    /// The line ending of the first record, which outputs keep (`\n` when there is none).
    let lineEnding: DelimitedText.LineEnding
    /// The header row, when the file has one.
    let header: DelimitedText.Record?
    /// The number column, 0-based.
    let numberColumn: Int
    /// How the column was found, for messages: `3 ("Téléphone")`, detected or given.
    let columnDescription: String
    /// The number of fields of the header (or of the first record): outputs pad shorter rows
    /// to it before adding columns.
    let width: Int
    /// Where the records after the header start.
    let dataOffset: Int

    /// The file name, for messages.
    var name: String { (path as NSString).lastPathComponent }

    /// How many records are sampled to detect the number column.
    static let sampleRecords = 100

    /// Reads and understands `path`, or fails with a message saying what is wrong (exit 2).
    ///
    /// With `allowNoRows`, a file with no record, or only a header, is a file of no numbers
    /// (Bloctel's answer when nothing came back); otherwise it is an error.
    static func open(_ path: String, options: ProspectReading = ProspectReading(), allowNoRows: Bool = false) throws -> ProspectFile {
        var declared: TextEncoding?
        if let label = options.encoding {
            guard let encoding = TextEncoding(label: label) else {
                throw fail("--encoding '\(label)' is not one this tool reads: utf-8 or windows-1252")
            }
            declared = encoding
        }
        var givenDelimiter: UInt8?
        if let text = options.delimiter {
            guard let delimiter = Self.delimiter(named: text) else {
                throw fail("--delimiter '\(text)' is not ';', ',' or tab")
            }
            givenDelimiter = delimiter
        }
        let raw = try Self.readWholeFile(path)
        let sha256 = Hex.lowercase(SHA256.hash(data: raw))
        let text: DecodedText
        do {
            text = try DelimitedText.decode(raw, declared: declared)
        } catch {
            throw fail("\(path): \(error)")
        }
        let detected = text.bytes.withUnsafeBufferPointer { DelimitedText.detectDelimiter(in: $0) }
        let delimiter = givenDelimiter ?? detected ?? DelimitedText.semicolon

        return try text.bytes.withUnsafeBufferPointer { bytes throws -> ProspectFile in
            var reader = DelimitedText.Reader(bytes: bytes, delimiter: delimiter)
            var sample: [DelimitedText.Record] = []
            var record = DelimitedText.Record()
            do {
                while sample.count < sampleRecords + 1, try reader.next(into: &record) {
                    if !record.isBlank { sample.append(record) }
                }
            } catch {
                throw fail("\(path): \(error)")
            }
            guard let first = sample.first else {
                guard allowNoRows else { throw fail("\(path) has no rows") }
                return ProspectFile(
                    path: path, sha256: sha256, text: text, delimiter: delimiter,
                    lineEnding: .lf, header: nil, numberColumn: 0, columnDescription: "none (no rows)", width: 0,
                    dataOffset: bytes.count)
            }
            let firstValues = first.values(in: bytes)
            if allowNoRows, sample.count == 1, options.column == nil, !firstValues.contains(where: Self.isNumber) {
                // Only a header: no numbers.
                return ProspectFile(
                    path: path, sha256: sha256, text: text, delimiter: delimiter,
                    lineEnding: first.ending ?? .lf, header: first, numberColumn: 0, columnDescription: "none (header only)",
                    width: first.fields.count, dataOffset: bytes.count)
            }

            let column: Int
            let description: String
            var hasHeader: Bool
            switch options.column.map(Self.column(_:)) {
            case .position(let position)?:
                guard position >= 1 else { throw fail("--column \(position): columns are numbered from 1") }
                guard position <= first.fields.count else {
                    throw fail("--column \(position): the first row of \(path) has \(first.fields.count) column(s)")
                }
                column = position - 1
                hasHeader = !options.noHeader && !Self.isNumber(firstValues[column])
                description = hasHeader ? "\(position) (\"\(firstValues[column])\")" : "\(position)"
            case .name(let name)?:
                guard !options.noHeader else { throw fail("--column \(name) names a header column, but --no-header says there is none") }
                let wanted = Self.normalised(name)
                guard let found = firstValues.firstIndex(where: { Self.normalised($0) == wanted }) else {
                    throw fail(
                        "--column \(name): no such column in the header of \(path); it has: "
                            + firstValues.map { "\"\($0)\"" }.joined(separator: ", "))
                }
                column = found
                hasHeader = true
                description = "\(found + 1) (\"\(firstValues[found])\")"
            case nil:
                guard let found = Self.detectNumberColumn(in: sample, bytes: bytes) else {
                    throw fail(
                        "no column of \(path) holds phone numbers (in its first \(sample.count) rows, with delimiter "
                            + "\(Self.name(of: delimiter))); name the column with --column, or check --delimiter and --encoding")
                }
                column = found
                hasHeader = !options.noHeader && !Self.isNumber(firstValues.count > column ? firstValues[column] : "")
                let name = firstValues.indices.contains(found) ? firstValues[found] : ""
                description = hasHeader ? "\(found + 1) (\"\(name)\", detected)" : "\(found + 1) (detected)"
            }
            if options.noHeader { hasHeader = false }
            // Where the data starts: after the header record, blank lines before it included.
            var dataReader = DelimitedText.Reader(bytes: bytes, delimiter: delimiter)
            var dataOffset = 0
            if hasHeader {
                var skipped = DelimitedText.Record()
                repeat {
                    _ = try? dataReader.next(into: &skipped)
                } while skipped.isBlank && skipped.end < bytes.count
                dataOffset = dataReader.offset
            }
            return ProspectFile(
                path: path, sha256: sha256, text: text, delimiter: delimiter,
                lineEnding: first.ending ?? .lf, header: hasHeader ? first : nil, numberColumn: column,
                columnDescription: description, width: first.fields.count, dataOffset: dataOffset)
        }
    }

    /// The first column in which at least half of the non-empty values read as numbers: values
    /// of the records after the first, and the first record's own when it is a number (then
    /// it is no header).
    static func detectNumberColumn(in records: [DelimitedText.Record], bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let width = records.map(\.fields.count).max() ?? 0
        for column in 0..<width {
            var filled = 0
            var numbers = 0
            for (index, record) in records.enumerated() {
                guard let value = record.value(column, in: bytes) else { continue }
                guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                let isNumber = isNumber(value)
                if index == 0 && !isNumber && records.count > 1 { continue }
                filled += 1
                if isNumber { numbers += 1 }
            }
            if numbers > 0 && numbers * 2 >= filled { return column }
        }
        return nil
    }

    static func isNumber(_ value: String) -> Bool {
        (try? PhoneNumber(parsing: numberText(value))) != nil
    }

    /// The number a field holds: its value, or what is inside Excel's `="…"` (a formula that
    /// keeps the leading 0 of a number shown as text).
    static func numberText(_ value: String) -> String {
        guard value.hasPrefix("=\""), value.hasSuffix("\""), value.utf8.count >= 3 else { return value }
        return String(value.dropFirst(2).dropLast())
    }

    enum Column {
        case position(Int)
        case name(String)
    }

    static func column(_ text: String) -> Column {
        if let position = Int(text) { return .position(position) }
        return .name(text)
    }

    /// A header name compared without case, accents, surrounding spaces, `-` or `_`.
    static func normalised(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespaces)
            .folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .lowercased()
            .replacingOccurrences(of: "-", with: "_")
            .replacingOccurrences(of: " ", with: "_")
    }

    static func delimiter(named text: String) -> UInt8? {
        switch text.lowercased() {
        case ";", "semicolon": DelimitedText.semicolon
        case ",", "comma": DelimitedText.comma
        case "tab", "\t", "\\t": DelimitedText.tab
        default: nil
        }
    }

    static func name(of delimiter: UInt8) -> String {
        delimiter == DelimitedText.tab ? "tab" : "'\(Character(Unicode.Scalar(delimiter)))'"
    }

    /// The bytes of the file at `path`, read into one array (no mapping, no second copy).
    static func readWholeFile(_ path: String) throws -> [UInt8] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw fail("cannot read \(path): \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw fail("cannot read \(path): not a regular file") }
        let size = Int(info.st_size)
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while initialized < size {
                let n = read(fd, buffer.baseAddress! + initialized, size - initialized)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { break }
                initialized += n
            }
        }
        if failure != 0 { throw fail("cannot read \(path): \(String(cString: strerror(failure)))") }
        // A file that grew while being read: take the rest too.
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[..<n])
        }
        return bytes
    }
}
