import Foundation

/// A number list compiled to its index (`dialgate compile`, a `.dgidx` file): what the text
/// list's header said, and the `NumberIndex` image itself, laid out so that the daemon maps the
/// file and reads the index in place.
///
/// A text list of 250 million numbers takes tens of seconds to read, parse, sort and code at
/// every start and reload; its compiled copy is mapped, checked and serving in well under a
/// second, and every process that maps it shares one copy of its pages in the page cache.
///
/// The file is a header, then the index image (see `NumberIndex+Image.swift`), little-endian:
///
/// | bytes      | what                                                                       |
/// |------------|----------------------------------------------------------------------------|
/// | 0..<8      | magic `\x89DGIDX\r\n` (a text tool or a line-ending conversion breaks it)  |
/// | 8..<12     | format version, 2 (1 held the index partitioned by count)                  |
/// | 12..<16    | header length: where the image starts, a multiple of 64                    |
/// | 16..<20    | length of the header text                                                  |
/// | 20..<24    | zero                                                                       |
/// | 24..<32    | records read from the text list (duplicates included)                      |
/// | 32..<40    | bad lines skipped in the text list                                         |
/// | 40..<48    | image length                                                               |
/// | 48..<56    | `WordChecksum` of the image                                                |
/// | 56..<64    | `WordChecksum` of the header with these 8 bytes zero                       |
/// | 64...      | the header text: the text list's header line (`# dialgate-list kind=…`), then zeros |
///
/// Loading refuses a file whose magic, version, lengths, checksums, header text or index
/// structure is wrong, so a truncated or corrupt copy fails the whole load as a malformed text
/// list does.
public struct CompiledList: Sendable {
    public let kind: ListKind
    public let asOf: CalendarDay
    /// The header's other `key=value` pairs (`source=bloctel`, `compiled-from=…`).
    public let attributes: [String: String]
    /// Lines of the text list read as records, duplicates included.
    public let records: Int
    /// Lines of the text list skipped as unreadable.
    public let badLines: Int
    /// The numbers.
    public let index: NumberIndex
    /// The image's checksum, as the header holds it: which compiled copy this is.
    public let imageChecksum: UInt64

    /// The file name ending of a compiled list.
    public static let fileExtension = ".dgidx"
    /// The format version this code writes and reads.
    public static let version: UInt32 = 2
    static let magic: [UInt8] = [0x89, 0x44, 0x47, 0x49, 0x44, 0x58, 0x0D, 0x0A]
    /// The fixed part of the header, before its text.
    static let fixedHeaderBytes = 64
    /// The header's length is a multiple of this, so that the image is aligned for its words
    /// and its cache lines.
    static let headerAlignment = 64
    /// A longer header is refused: its text is one line.
    static let longestHeader = 1 << 16

    /// Compiles a parsed number list.
    ///
    /// - Parameter attributes: pairs added to the list's own header attributes (such as
    ///   `compiled-from`); keys and values without spaces or `=` in the key.
    /// - Throws: `ListLoadFailure` when the list holds records rather than numbers.
    public init(compiling file: ListFile, attributes extra: [String: String] = [:]) throws(ListLoadFailure) {
        guard file.kind.isNumberList else {
            throw ListLoadFailure(problems: [
                ListProblem(
                    .malformedFile, file: file.name,
                    message: "kind \(file.kind) holds records, not numbers: only number lists are compiled")
            ])
        }
        let index: NumberIndex
        switch file.content {
        case .numbers(let keys): index = NumberIndex(keys: keys)
        case .compiled(let compiled): index = compiled
        default: preconditionFailure("a number list holds numbers")
        }
        self.kind = file.kind
        self.asOf = file.asOf
        self.attributes = file.attributes.merging(extra) { _, added in added }
        self.records = file.records
        self.badLines = file.badLines
        self.index = index
        self.imageChecksum = WordChecksum.of(index.image)
    }

    /// A compiled list of an index already built (for tools and benchmarks that hold the
    /// numbers rather than a text list).
    public init(
        kind: ListKind, asOf: CalendarDay, attributes: [String: String] = [:], records: Int, badLines: Int = 0,
        index: NumberIndex
    ) {
        precondition(kind.isNumberList, "only number lists are compiled")
        self.kind = kind
        self.asOf = asOf
        self.attributes = attributes
        self.records = records
        self.badLines = badLines
        self.index = index
        self.imageChecksum = WordChecksum.of(index.image)
    }

    /// The header line, as a text list's first line says it, attributes in key order.
    var headerText: String {
        let pairs = attributes.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        return "# \(ListFile.headerMarker) kind=\(kind.rawValue) as-of=\(asOf)\(pairs)\n"
    }

    /// The header to write before the image (`withImage`).
    public var headerBytes: [UInt8] {
        let text = Array(headerText.utf8)
        let length = (Self.fixedHeaderBytes + text.count + Self.headerAlignment - 1) / Self.headerAlignment * Self.headerAlignment
        var bytes = [UInt8](repeating: 0, count: length)
        bytes.replaceSubrange(0..<8, with: Self.magic)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<offset + $0.count, with: $0) }
        }
        put(Self.version, at: 8)
        put(UInt32(length), at: 12)
        put(UInt32(text.count), at: 16)
        put(UInt64(records), at: 24)
        put(UInt64(badLines), at: 32)
        put(UInt64(index.image.count), at: 40)
        put(imageChecksum, at: 48)
        bytes.replaceSubrange(Self.fixedHeaderBytes..<Self.fixedHeaderBytes + text.count, with: text)
        put(bytes.withUnsafeBytes { WordChecksum.of($0) }, at: 56)
        return bytes
    }

    /// Calls `body` with the image, the bytes to write after `headerBytes`.
    public func withImage<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(index.image)
    }

    /// Reads a compiled list in place from its file's bytes (a read-only mapping), checking it.
    ///
    /// - Parameters:
    ///   - name: the file name, for problems.
    ///   - bytes: the whole file, 8-byte aligned; they must stay valid and unchanged while
    ///     `owner` lives, and the index reads them in place.
    ///   - owner: what keeps the bytes valid (the mapping); the index holds it.
    ///   - now: the current instant; an as-of date after today (Europe/Paris) is refused, as
    ///     in a text list.
    /// - Throws: `ListLoadFailure` with one `.malformedFile` problem saying what is wrong.
    public init(
        name: String, bytes: UnsafeRawBufferPointer, owner: any AnyObject & Sendable, now: Date
    ) throws(ListLoadFailure) {
        func refuse(_ message: String) -> ListLoadFailure {
            ListLoadFailure(problems: [
                ListProblem(
                    .malformedFile, file: name,
                    message: "compiled list refused: \(message) (compile it again with `dialgate compile`)")
            ])
        }
        guard bytes.count >= Self.fixedHeaderBytes, let base = bytes.baseAddress else {
            throw refuse("\(bytes.count) bytes, shorter than a header")
        }
        guard Array(bytes[0..<8]) == Self.magic else { throw refuse("not a compiled list (no \\x89DGIDX magic)") }
        func load<T: FixedWidthInteger>(_ offset: Int, as type: T.Type) -> T {
            T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        let version = load(8, as: UInt32.self)
        guard version == Self.version else {
            throw refuse("format version \(version), where this dialgate reads version \(Self.version): compile it again with `dialgate compile`")
        }
        let headerLength = Int(load(12, as: UInt32.self))
        let textLength = Int(load(16, as: UInt32.self))
        guard headerLength % Self.headerAlignment == 0, headerLength >= Self.fixedHeaderBytes + textLength,
            headerLength <= min(bytes.count, Self.longestHeader)
        else { throw refuse("a header of \(headerLength) bytes with \(textLength) bytes of text, in a file of \(bytes.count)") }
        let imageLength = load(40, as: UInt64.self)
        guard imageLength == UInt64(bytes.count - headerLength) else {
            throw refuse(
                "the index should take \(imageLength) bytes after the header, the file has \(bytes.count - headerLength): "
                    + "a truncated or overwritten copy")
        }
        var header = Array(bytes[0..<headerLength])
        header.replaceSubrange(56..<64, with: repeatElement(0, count: 8))
        guard header.withUnsafeBytes({ WordChecksum.of($0) }) == load(56, as: UInt64.self) else {
            throw refuse("the header's checksum does not match")
        }
        let image = UnsafeRawBufferPointer(rebasing: bytes[headerLength...])
        let imageChecksum = load(48, as: UInt64.self)
        guard WordChecksum.of(image) == imageChecksum else {
            throw refuse("the index's checksum does not match: a corrupt copy")
        }
        let text = String(decoding: bytes[Self.fixedHeaderBytes..<Self.fixedHeaderBytes + textLength], as: UTF8.self)
        let parsed: ListFile.Header
        switch ListFile.Header.parse(String(text.dropLast(text.hasSuffix("\n") ? 1 : 0))) {
        case .success(let header): parsed = header
        case .failure(let problem): throw refuse("its header text: \(problem.message)")
        }
        guard parsed.kind.isNumberList else { throw refuse("kind \(parsed.kind) is not a number list") }
        let today = ListDates.day(of: now)
        guard parsed.asOf <= today else { throw refuse("as-of \(parsed.asOf) is in the future (today is \(today) in Europe/Paris)") }
        let index: NumberIndex
        do {
            index = try NumberIndex.validating(IndexStorage(bytes: image, owner: owner))
        } catch {
            throw refuse("its index: \(error)")
        }
        let records = load(24, as: UInt64.self)
        guard index.count > 0, records >= UInt64(index.count), records < 1 << 48 else {
            throw refuse("\(records) records for \(index.count) numbers")
        }
        self.kind = parsed.kind
        self.asOf = parsed.asOf
        self.attributes = parsed.attributes
        self.records = Int(records)
        self.badLines = Int(min(load(32, as: UInt64.self), 1 << 48))
        self.index = index
        self.imageChecksum = imageChecksum
    }
}

extension ListFile {
    /// A compiled list as one file of the list directory: its text list's header and counts,
    /// and its index. Its `digest` is the image's checksum.
    public static func compiled(name: String, _ list: CompiledList) -> ListFile {
        ListFile(
            name: name, kind: list.kind, asOf: list.asOf, attributes: list.attributes, records: list.records,
            badLines: list.badLines, problems: [], digest: list.imageChecksum, content: .compiled(list.index))
    }
}
