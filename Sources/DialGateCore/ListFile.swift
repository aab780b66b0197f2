import Foundation

/// One list file, parsed and checked: its header (kind, as-of date), its records, and the
/// lines that could not be read.
///
/// A file is either trusted as a whole or refused as a whole: parsing throws when the header
/// is missing or wrong, the as-of date lies in the future, required CSV columns are missing,
/// there are no records, or bad lines exceed the allowed share. Bad lines under that share
/// are skipped and reported, so one typo does not keep a fresh Bloctel check from loading.
/// The layout is documented in `docs/lists.md`.
public struct ListFile: Sendable {
    /// The parsed records, by kind. Numbers are `PhoneNumber` keys.
    enum Content: Sendable {
        case numbers([UInt64])
        /// A compiled list's numbers, already indexed (read in place from its mapped file).
        case compiled(NumberIndex)
        case consents([(key: UInt64, record: ConsentRecord)])
        case contracts([(key: UInt64, record: ContractRecord)])
        case businessContacts([(key: UInt64, activities: [String])])
    }

    /// At most this many bad lines of one file are listed one by one; the rest are counted in
    /// one last problem, so a wrong file cannot flood the journal.
    public static let maxListedBadLines = 1000

    /// The header line every list file starts with (before `kind=` and `as-of=`).
    public static let headerMarker = "dialgate-list"

    /// The file name in the list directory.
    public let name: String
    public let kind: ListKind
    /// The day the list's content was true (for Bloctel, the day of the check).
    public let asOf: CalendarDay
    /// Extra `key=value` pairs of the header, such as `source=bloctel`.
    public let attributes: [String: String]
    /// Lines read as records.
    public let records: Int
    /// Lines skipped as unreadable.
    public let badLines: Int
    /// The skipped lines as problems (`.badLine`), at most `maxListedBadLines` of them, then
    /// one that counts the others.
    public let problems: [ListProblem]
    /// FNV-1a 64-bit digest of the file's bytes (of a compiled list, its image's checksum).
    public let digest: UInt64
    let content: Content

    /// What STATS says about the file.
    public var summary: ListFileSummary {
        ListFileSummary(
            name: name, kind: kind, asOf: asOf, records: records, badLines: badLines,
            digest: FNV1a64.hex(digest), attributes: attributes)
    }

    /// The numbers of a text number list (`kind.isNumberList`), as read, duplicates included;
    /// empty for record kinds and compiled lists.
    public var numberKeys: [UInt64] {
        if case .numbers(let keys) = content { return keys }
        return []
    }

    /// Parses and checks one list file.
    ///
    /// - Parameters:
    ///   - name: the file name, used in problems and as the file's identity across reloads.
    ///   - contents: the whole file.
    ///   - now: the current instant; an as-of date after today (Europe/Paris) is refused.
    ///   - maxBadLineShare: the share of bad lines (0...1) above which the file is refused.
    /// - Throws: `ListLoadFailure` with the reason the file is refused and its bad lines.
    public static func parse(
        name: String, contents: Data, now: Date, maxBadLineShare: Double = 0.01
    ) throws(ListLoadFailure) -> ListFile {
        let result = contents.withUnsafeBytes { bytes in
            parse(name: name, bytes: bytes, now: now, maxBadLineShare: maxBadLineShare)
        }
        return try result.get()
    }

    static func parse(
        name: String, bytes: UnsafeRawBufferPointer, now: Date, maxBadLineShare: Double
    ) -> Result<ListFile, ListLoadFailure> {
        func refuse(_ message: String, line: Int? = nil, badLines: [ListProblem] = []) -> Result<ListFile, ListLoadFailure> {
            .failure(ListLoadFailure(problems: [ListProblem(.malformedFile, file: name, line: line, message: message)] + badLines))
        }
        var digest = FNV1a64()
        digest.add(bytes)

        var lines = ListText.Lines(bytes)
        guard let first = lines.next() else {
            return refuse("empty file: the first line must be the header `\(headerExample)`")
        }
        let header: Header
        switch Header.parse(ListText.string(first.text)) {
        case .success(let parsed): header = parsed
        case .failure(let problem): return refuse(problem.message, line: 1)
        }
        let today = ListDates.day(of: now)
        guard header.asOf <= today else {
            return refuse("as-of \(header.asOf) is in the future (today is \(today) in Europe/Paris)", line: 1)
        }

        var body = BodyReader(file: name, lines: lines)
        let content: Content
        do {
            switch header.kind {
            case .bloctelRegistered, .bloctelCleared, .operatorOptOut, .internalOptOut:
                content = .numbers(try body.readNumbers())
            case .consents:
                content = .consents(try body.readConsents())
            case .contracts:
                content = .contracts(try body.readContracts())
            case .businessContacts:
                content = .businessContacts(try body.readBusinessContacts())
            }
        } catch {
            return refuse(error.message, line: error.line)
        }

        let bad = body.badLines
        let problems = bad.problems
        if Double(bad.count) > maxBadLineShare * Double(bad.count + body.records) {
            let share = Double(bad.count) / Double(bad.count + body.records) * 100
            return refuse(
                "\(bad.count) bad lines out of \(bad.count + body.records) (\(percent(share))%), more than the allowed "
                    + "\(percent(maxBadLineShare * 100))%", badLines: problems)
        }
        guard body.records > 0 else {
            return refuse("no records: a list with nothing in it is refused, remove the file instead", badLines: problems)
        }
        return .success(
            ListFile(
                name: name, kind: header.kind, asOf: header.asOf, attributes: header.attributes, records: body.records,
                badLines: bad.count, problems: problems, digest: digest.value, content: content))
    }

    static let headerExample = "# \(headerMarker) kind=<kind> as-of=YYYY-MM-DD"

    private static func percent(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

extension ListFile {
    /// The first line: `# dialgate-list kind=<kind> as-of=YYYY-MM-DD [key=value ...]`.
    struct Header {
        var kind: ListKind
        var asOf: CalendarDay
        var attributes: [String: String]

        struct Problem: Error {
            let message: String
        }

        static func parse(_ line: String) -> Result<Header, Problem> {
            let missing = Problem(message: "missing header: the first line must be `\(ListFile.headerExample)`")
            guard line.hasPrefix("#") else { return .failure(missing) }
            let words = line.dropFirst().split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.first == Substring(ListFile.headerMarker) else { return .failure(missing) }
            var fields: [String: String] = [:]
            for word in words.dropFirst() {
                guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                    return .failure(Problem(message: "header word '\(word)' is not key=value"))
                }
                let key = String(word[..<equals])
                guard fields[key] == nil else { return .failure(Problem(message: "header repeats '\(key)='")) }
                fields[key] = String(word[word.index(after: equals)...])
            }
            guard let kindText = fields.removeValue(forKey: "kind") else {
                return .failure(Problem(message: "header has no kind=<kind>"))
            }
            guard let kind = ListKind(rawValue: kindText) else {
                let known = ListKind.allCases.map(\.rawValue).joined(separator: ", ")
                return .failure(Problem(message: "unknown kind '\(kindText)' (known: \(known))"))
            }
            guard let asOfText = fields.removeValue(forKey: "as-of") else {
                return .failure(Problem(message: "header has no as-of=YYYY-MM-DD"))
            }
            guard let asOf = CalendarDay(iso: asOfText) else {
                return .failure(Problem(message: "invalid as-of date '\(asOfText)' (expected YYYY-MM-DD)"))
            }
            return .success(Header(kind: kind, asOf: asOf, attributes: fields))
        }
    }

    /// Counts bad lines and keeps the first `maxListedBadLines` of them as problems.
    struct BadLines {
        let file: String
        private(set) var count = 0
        private var listed: [ListProblem] = []

        init(file: String) { self.file = file }

        mutating func add(line: Int, _ message: String) {
            count += 1
            if listed.count < ListFile.maxListedBadLines {
                listed.append(ListProblem(.badLine, file: file, line: line, message: message))
            }
        }

        var problems: [ListProblem] {
            guard count > listed.count else { return listed }
            return listed + [ListProblem(.badLine, file: file, message: "\(count - listed.count) more bad lines not listed")]
        }
    }

    /// Why a body cannot be read at all (as opposed to one bad line).
    struct BodyProblem: Error {
        let message: String
        let line: Int?
    }
}
