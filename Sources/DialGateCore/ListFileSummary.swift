/// What STATS and the journal say about one loaded list file.
public struct ListFileSummary: Hashable, Sendable {
    /// The file name in the list directory.
    public let name: String
    public let kind: ListKind
    /// The day the list's content was true, from its header.
    public let asOf: CalendarDay
    /// Lines read as records (a number listed twice counts twice).
    public let records: Int
    /// Lines that could not be read and were skipped.
    public let badLines: Int
    /// FNV-1a 64-bit digest of the file's bytes, in hex: says which copy was loaded.
    public let digest: String
    /// Extra `key=value` pairs of the header (`source=bloctel`), kept for reports.
    public let attributes: [String: String]

    public init(
        name: String, kind: ListKind, asOf: CalendarDay, records: Int, badLines: Int, digest: String,
        attributes: [String: String] = [:]
    ) {
        self.name = name
        self.kind = kind
        self.asOf = asOf
        self.records = records
        self.badLines = badLines
        self.digest = digest
        self.attributes = attributes
    }
}
