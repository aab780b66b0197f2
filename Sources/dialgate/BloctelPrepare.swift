import ArgumentParser
import DialGateCore
import Foundation

/// `dialgate bloctel prepare`: the upload file of a Bloctel check, `Telephone;Identifiant`, one
/// line per distinct French number of the prospect file.
struct BloctelPrepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Write Bloctel's upload file (Telephone;Identifiant) from a prospect file.",
        discussion: """
            One line per distinct number, as a 10-digit French national number (0XXXXXXXXX), identified by its \
            row number in the prospect file (the header is row 1, as a spreadsheet counts) or by --id-column. \
            Rows whose number is invalid, numbers outside the French plan and rows with an unusable identifier \
            are reported on stderr with their line and left out. Exit 0, or 2 on an error (nothing written).
            """)

    @Argument(help: "The prospect file (CSV).")
    var prospects: String

    @Option(name: .long, help: "Where to write the upload file.")
    var output: String

    @Option(
        name: .customLong("id-column"),
        help: ArgumentHelp("The column of each row's identifier: its position or its header's name. Default: the row number.", valueName: "n|name"))
    var idColumn: String?

    @OptionGroup var input: ProspectFileOptions

    static let header = "Telephone;Identifiant"

    func run() throws {
        try OutputPaths.check([output], against: prospects)
        let file = try ProspectFile.open(prospects, options: input.reading)
        let idIndex = try idColumn.map { try identifierColumn($0, of: file) }

        var lines: [UInt8] = Array((Self.header + "\n").utf8)
        var seen: Set<UInt64> = []
        var rows = 0
        var sent = 0
        var duplicates = 0
        var invalid = 0
        var foreign = 0
        try file.text.bytes.withUnsafeBufferPointer { bytes in
            var reader = DelimitedText.Reader(bytes: bytes, delimiter: file.delimiter)
            var record = DelimitedText.Record()
            var rowNumber = 0
            while try nextRecord(&reader, &record) {
                rowNumber += 1
                guard record.start >= file.dataOffset, !record.isBlank else { continue }
                rows += 1
                let value = record.value(file.numberColumn, in: bytes) ?? ""
                let number: PhoneNumber
                do {
                    number = try PhoneNumber(parsing: ProspectFile.numberText(value))
                } catch {
                    invalid += 1
                    report(file.name, line: record.line, "invalid number '\(value)': \(error)")
                    continue
                }
                guard let national = bloctelNationalNumber(number) else {
                    foreign += 1
                    report(file.name, line: record.line, "\(number) is not a French number: Bloctel does not check it, left out")
                    continue
                }
                let identifier: String
                if let idIndex {
                    identifier = (record.value(idIndex, in: bytes) ?? "").trimmingCharacters(in: .whitespaces)
                    if let problem = Self.problem(withIdentifier: identifier) {
                        invalid += 1
                        report(file.name, line: record.line, "identifier '\(identifier)' \(problem): left out")
                        continue
                    }
                } else {
                    identifier = String(rowNumber)
                }
                guard seen.insert(number.key).inserted else {
                    duplicates += 1
                    continue
                }
                sent += 1
                lines.append(contentsOf: national.utf8)
                lines.append(DelimitedText.semicolon)
                lines.append(contentsOf: identifier.utf8)
                lines.append(UInt8(ascii: "\n"))
            }
        }
        guard sent > 0 else {
            throw fail("\(prospects): no French number to send (\(invalid) invalid, \(foreign) not French): nothing written")
        }
        let upload = try AtomicOutput(path: output)
        upload.append(lines)
        _ = try upload.finishWriting()
        try upload.commit()
        print("rows=\(rows) sent=\(sent) duplicates=\(duplicates) invalid=\(invalid) foreign=\(foreign)")
        print("# upload \(output) to Bloctel; then: dialgate bloctel import --sent \(output) --returned <Bloctel's file> --returned-holds cleared --as-of <day of the check>")
    }

    private func nextRecord(_ reader: inout DelimitedText.Reader, _ record: inout DelimitedText.Record) throws -> Bool {
        do {
            return try reader.next(into: &record)
        } catch {
            throw fail("\(prospects): \(error)")
        }
    }

    /// Why an identifier cannot go into the upload file: the format has no quoting we can rely on.
    static func problem(withIdentifier identifier: String) -> String? {
        if identifier.isEmpty { return "is empty" }
        if identifier.contains(where: { $0 == ";" || $0 == "\"" || $0.isNewline }) { return "holds ';', a quote or a line break" }
        return nil
    }

    private func identifierColumn(_ text: String, of file: ProspectFile) throws -> Int {
        let firstFields: [String] = file.text.bytes.withUnsafeBufferPointer { bytes in
            file.header?.values(in: bytes) ?? []
        }
        switch ProspectFile.column(text) {
        case .position(let position):
            guard position >= 1 else { throw fail("--id-column \(position): columns are numbered from 1") }
            return position - 1
        case .name(let name):
            guard let found = firstFields.firstIndex(where: { ProspectFile.normalised($0) == ProspectFile.normalised(name) }) else {
                throw fail(
                    "--id-column \(name): no such column in the header of \(prospects)"
                        + (firstFields.isEmpty ? " (it has no header)" : "; it has: " + firstFields.map { "\"\($0)\"" }.joined(separator: ", ")))
            }
            return found
        }
    }
}
