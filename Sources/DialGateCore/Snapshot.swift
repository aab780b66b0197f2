import Foundation

/// Everything the list files say, loaded and checked, frozen: the read side of every decision.
///
/// A snapshot is built off to the side by `ListDirectoryLoader` (or from parsed files) and never
/// changes afterwards, so the server can swap the current one with a single reference store and
/// readers never wait. Number lists are `NumberIndex`es (a compiled list's is read in place from
/// its mapped file, which stays mapped while a snapshot holds it); records (consents, contracts, business
/// contacts) are dictionaries keyed by `PhoneNumber.key`.
public final class Snapshot: Sendable {
    /// One loaded number list.
    public struct NumberList: Sendable {
        /// The file it came from.
        public let file: String
        public let kind: ListKind
        public let asOf: CalendarDay
        public let index: NumberIndex
        /// Distinct numbers in the list.
        public var count: Int { index.count }
    }

    /// One file of the snapshot as an auditor checks it: what the header said, what was read,
    /// and the SHA-256 of the file's bytes, which `sha256sum` of the same file reproduces.
    public struct ManifestFile: Hashable, Sendable {
        public let name: String
        public let kind: ListKind
        public let asOf: CalendarDay
        public let records: Int
        public let badLines: Int
        /// SHA-256 of the file's bytes as read, 64 lowercase hex digits.
        public let sha256: String
        /// Extra `key=value` pairs of the header (`source=bloctel`).
        public let attributes: [String: String]

        public init(
            name: String, kind: ListKind, asOf: CalendarDay, records: Int, badLines: Int, sha256: String,
            attributes: [String: String] = [:]
        ) {
            self.name = name
            self.kind = kind
            self.asOf = asOf
            self.records = records
            self.badLines = badLines
            self.sha256 = sha256
            self.attributes = attributes
        }
    }

    /// A SHA-256 function over bytes, answering 64 lowercase hex digits. DialGateCore has no
    /// cryptography of its own; the loader passes swift-crypto's.
    public typealias SHA256Hex = (_ bytes: [UInt8]) -> String

    /// A short, stable identifier of the content: the first 16 hex digits of `sha256`. Two
    /// snapshots of the same files have the same id; any change of content changes it.
    /// Decisions carry it (`DIALGATE_SNAPSHOT`), so an auditor knows which files were used.
    public let id: String
    /// SHA-256 of `manifestText`, 64 hex digits: the whole of which `id` is the start.
    public let sha256: String
    /// When it was loaded (the `now` given to the loader).
    public let loadedAt: Date
    /// One summary per file, by file name.
    public let files: [ListFileSummary]
    /// One entry per file, by file name: its SHA-256 with what was read from it.
    public let manifest: [ManifestFile]

    private let internalOptOut: [NumberList]
    private let operatorOptOut: [NumberList]
    private let bloctelRegistered: [NumberList]
    private let bloctelCleared: [NumberList]
    private let consents: [UInt64: [ConsentRecord]]
    private let contracts: [UInt64: [ContractRecord]]
    private let businessActivities: [UInt64: [String]]

    /// Builds a snapshot from parsed files (any order; several files of one kind are allowed).
    ///
    /// - Parameters:
    ///   - sha256: the SHA-256 of each file's bytes, by file name; every file must have one.
    ///   - hash: the SHA-256 function that makes the id from the files' digests.
    public convenience init(files: [ListFile], sha256 digests: [String: String], loadedAt: Date, hash: SHA256Hex) {
        let files = files.sorted { $0.name < $1.name }
        let manifest = files.map { file in
            guard let digest = digests[file.name] else { preconditionFailure("no SHA-256 given for \(file.name)") }
            return ManifestFile(
                name: file.name, kind: file.kind, asOf: file.asOf, records: file.records, badLines: file.badLines,
                sha256: digest, attributes: file.attributes)
        }
        let sha256 = hash(Array(Self.manifestText(manifest).utf8))
        self.init(files: files, manifest: manifest, sha256: sha256, loadedAt: loadedAt)
    }

    private init(files: [ListFile], manifest: [ManifestFile], sha256: String, loadedAt: Date) {
        var internalOptOut: [NumberList] = []
        var operatorOptOut: [NumberList] = []
        var bloctelRegistered: [NumberList] = []
        var bloctelCleared: [NumberList] = []
        var consents: [UInt64: [ConsentRecord]] = [:]
        var contracts: [UInt64: [ContractRecord]] = [:]
        var businessActivities: [UInt64: [String]] = [:]
        for file in files {
            func addNumbers(_ index: NumberIndex) {
                let list = NumberList(file: file.name, kind: file.kind, asOf: file.asOf, index: index)
                switch file.kind {
                case .bloctelRegistered: bloctelRegistered.append(list)
                case .bloctelCleared: bloctelCleared.append(list)
                case .operatorOptOut: operatorOptOut.append(list)
                default: internalOptOut.append(list)
                }
            }
            switch file.content {
            case .numbers(let keys): addNumbers(NumberIndex(keys: keys))
            case .compiled(let index): addNumbers(index)
            case .consents(let records):
                for (key, record) in records { consents[key, default: []].append(record) }
            case .contracts(let records):
                for (key, record) in records { contracts[key, default: []].append(record) }
            case .businessContacts(let records):
                for (key, activities) in records {
                    var known = businessActivities[key, default: []]
                    for activity in activities where !known.contains(activity) { known.append(activity) }
                    businessActivities[key] = known
                }
            }
        }
        // Newest first, so the first list holding a number gives its newest date.
        func newestFirst(_ lists: [NumberList]) -> [NumberList] {
            lists.sorted { ($0.asOf, $1.file) > ($1.asOf, $0.file) }
        }
        self.id = String(sha256.prefix(16))
        self.sha256 = sha256
        self.loadedAt = loadedAt
        self.files = files.map(\.summary)
        self.manifest = manifest
        self.internalOptOut = internalOptOut
        self.operatorOptOut = newestFirst(operatorOptOut)
        self.bloctelRegistered = newestFirst(bloctelRegistered)
        self.bloctelCleared = newestFirst(bloctelCleared)
        self.consents = consents
        self.contracts = contracts
        self.businessActivities = businessActivities
    }

    /// A snapshot of no lists, as an empty directory gives: nothing is cleared, so the policy
    /// denies what needs a clearance or a consent.
    public static func empty(loadedAt: Date) -> Snapshot {
        Snapshot(files: [], manifest: [], sha256: emptySHA256, loadedAt: loadedAt)
    }

    /// SHA-256 of no bytes: the `sha256` of a snapshot of no files (`printf '' | sha256sum`).
    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The text whose SHA-256 is the snapshot's: one line per file, `<sha256>  <name>`, in the
    /// byte order of the names, each ending in a newline. That is `sha256sum`'s own output,
    /// so an auditor holding the files reproduces the id with
    /// `LC_ALL=C sha256sum -- <the files, sorted> | sha256sum | cut -c1-16`.
    public static func manifestText(_ manifest: [ManifestFile]) -> String {
        manifest.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            .map { "\($0.sha256)  \($0.name)\n" }.joined()
    }

    /// What the lists say about `number`: the list part of `CallFacts` (the ledger adds
    /// attempts, refusals and its own opt-outs and consents).
    public func facts(for number: PhoneNumber) -> CallFacts {
        let key = number.key
        // Per decision: the lists are read in place, and only the dates of those holding the
        // number are gathered (a `filter` would copy each matching list first).
        func dates(_ lists: [NumberList]) -> [CalendarDay] {
            var dates: [CalendarDay] = []
            for list in lists where list.index.contains(key) { dates.append(list.asOf) }
            return dates
        }
        var internalFile: String?
        for list in internalOptOut where list.index.contains(key) {
            internalFile = list.file
            break
        }
        var operatorAsOf: CalendarDay?
        for list in operatorOptOut where list.index.contains(key) {
            operatorAsOf = list.asOf
            break
        }
        return CallFacts(
            internalOptOut: internalFile.map { .list(file: $0) },
            bloctelRegistrations: dates(bloctelRegistered),
            bloctelClearances: dates(bloctelCleared),
            operatorOptOutAsOf: operatorAsOf,
            consents: consents[key] ?? [],
            contracts: contracts[key] ?? [],
            businessActivities: businessActivities[key])
    }

    /// The number lists of one kind; Bloctel and operator lists newest first, the internal
    /// lists by file name.
    public func numberLists(of kind: ListKind) -> [NumberList] {
        switch kind {
        case .bloctelRegistered: bloctelRegistered
        case .bloctelCleared: bloctelCleared
        case .operatorOptOut: operatorOptOut
        case .internalOptOut: internalOptOut
        case .consents, .contracts, .businessContacts: []
        }
    }

    /// Records across all files (a number in two files, or twice in one, counts each time).
    public var totalNumbers: Int { files.reduce(0) { $0 + $1.records } }

    /// The as-of date of the oldest Bloctel clearance file: numbers cleared only by it go stale
    /// first. `nil` when there is none.
    public var oldestClearanceAsOf: CalendarDay? { bloctelCleared.last?.asOf }

    /// The as-of date of the newest Bloctel clearance file.
    public var newestClearanceAsOf: CalendarDay? { bloctelCleared.first?.asOf }

    /// Memory taken by the number indexes, for STATS.
    public var indexMemoryBytes: Int {
        (internalOptOut + operatorOptOut + bloctelRegistered + bloctelCleared).reduce(0) { $0 + $1.index.memoryBytes }
    }
}

extension Snapshot {
    /// The snapshot's part of STATS (Protocol.md): `snapshot`, `numbers`, and for each list
    /// kind its record count and newest as-of date (`bloctel_cleared=…`,
    /// `bloctel_cleared_asof=…`), the oldest Bloctel clearance, bad lines skipped and index
    /// memory.
    public var statisticsFacts: [Fact] {
        var facts = [Fact("snapshot", id), Fact("numbers", String(totalNumbers)), Fact("list_files", String(files.count))]
        for kind in ListKind.allCases {
            let ofKind = files.filter { $0.kind == kind }
            let name = kind.rawValue.replacingOccurrences(of: "-", with: "_")
            facts.append(Fact(name, String(ofKind.reduce(0) { $0 + $1.records })))
            if let newest = ofKind.map(\.asOf).max() { facts.append(Fact("\(name)_asof", newest.description)) }
        }
        if let oldest = oldestClearanceAsOf { facts.append(Fact("bloctel_cleared_oldest_asof", oldest.description)) }
        facts.append(Fact("bad_lines", String(files.reduce(0) { $0 + $1.badLines })))
        facts.append(Fact("index_bytes", String(indexMemoryBytes)))
        return facts
    }
}
