import Foundation

/// The header row of a CSV list: its separator and its column names.
///
/// The separator is `;` when the header has one (the French spreadsheet default and Bloctel's
/// format), else `,`. Names are compared after folding case and accents and turning `-` and
/// spaces into `_`, so `Téléphone`, `given-at` and `Given At` all work.
struct CSVColumns {
    let separator: UInt8
    /// The normalised column names, in order.
    let names: [String]

    init(header: UnsafeRawBufferPointer, line: Int) throws(ListFile.BodyProblem) {
        separator = ListText.contains(ListText.semicolon, in: header) ? ListText.semicolon : ListText.comma
        guard let raw = ListText.fields(of: header, separator: separator) else {
            throw ListFile.BodyProblem(message: "CSV header: a quote is not closed", line: line)
        }
        names = raw.map(Self.normalised)
        var seen: Set<String> = []
        for name in names where !name.isEmpty {
            guard seen.insert(name).inserted else {
                throw ListFile.BodyProblem(message: "CSV header: column '\(name)' appears twice", line: line)
            }
        }
        self.line = line
    }

    private let line: Int

    func index(of name: String) -> Int? { names.firstIndex(of: name) }

    /// The one column holding numbers.
    func numberColumn() throws(ListFile.BodyProblem) -> Int {
        let matches = names.indices.filter { ListFile.BodyReader.numberColumnNames.contains(names[$0]) }
        guard let first = matches.first else {
            throw ListFile.BodyProblem(
                message: "CSV header has no number column (number, numero or telephone); it has: \(names.joined(separator: ", "))",
                line: line)
        }
        guard matches.count == 1 else {
            throw ListFile.BodyProblem(
                message: "CSV header has several number columns: \(matches.map { names[$0] }.joined(separator: ", "))",
                line: line)
        }
        return first
    }

    static func normalised(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespaces)
            .folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .lowercased()
            .replacingOccurrences(of: "-", with: "_")
            .replacingOccurrences(of: " ", with: "_")
    }
}
