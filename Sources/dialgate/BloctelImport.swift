import ArgumentParser
import DialGateCore
import Foundation

/// `dialgate bloctel import`: one Bloctel check into the list directory, as the two list files
/// the policy weighs: the numbers registered on the day of the check, and those cleared.
struct BloctelImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write the registered and cleared list files of a Bloctel check into the list directory.",
        discussion: """
            --sent is the file uploaded to Bloctel (what bloctel prepare wrote); --returned is what Bloctel sent \
            back, and --returned-holds says which numbers it holds: 'cleared' when Bloctel returned the file with \
            the registered numbers taken out (docs/compliance.md), 'registered' when it returned the registered \
            ones. The other numbers of the sent file are the other kind. The two files are dated --as-of, the day \
            of the check (never after today), and written atomically (.name.tmp, then rename) as \
            bloctel-<as-of>-<sent id>-registered.csv and -cleared.csv; the daemon loads them at its next poll. \
            Refused (exit 2, nothing written): a returned number that was not sent, a date in the future.
            """)

    enum ReturnedKind: String, ExpressibleByArgument, CaseIterable {
        case cleared
        case registered
    }

    @Option(name: .long, help: "The file uploaded to Bloctel (Telephone;Identifiant).")
    var sent: String

    @Option(name: .long, help: "The file Bloctel sent back.")
    var returned: String

    @Option(name: .customLong("returned-holds"), help: "Which numbers the returned file holds: cleared or registered.")
    var returnedHolds: ReturnedKind

    @Option(name: .customLong("as-of"), help: "The day of the check (YYYY-MM-DD), not after today in Paris.")
    var asOf: String

    @Option(name: .long, help: "The list directory (default: the configuration's).")
    var lists: String?

    @Option(name: .long, help: "The daemon's configuration, for its list directory.")
    var config = "/etc/dialgate/dialgate.toml"

    func run() throws {
        guard let day = CalendarDay(iso: asOf) else { throw fail("--as-of '\(asOf)' is not a day (YYYY-MM-DD)") }
        let today = OfflineFacts.parisToday()
        guard day <= today else {
            throw fail("--as-of \(day) is in the future (today is \(today) in Paris): a check cannot be dated after it was made")
        }
        let directory = try lists ?? OfflineFacts.configuration(config).daemon.lists
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw fail("the list directory \(directory) does not exist")
        }
        guard OutputPaths.canonical(sent) != OutputPaths.canonical(returned) else {
            throw fail("--sent and --returned name the same file")
        }

        let sentFile = try ProspectFile.open(sent)
        let sentNumbers = try Self.numbers(of: sentFile, role: "sent", identifiers: true)
        guard !sentNumbers.order.isEmpty else { throw fail("\(sent) has no numbers") }
        let returnedFile = try ProspectFile.open(returned, allowNoRows: true)
        let returnedNumbers = try Self.numbers(of: returnedFile, role: "returned", identifiers: false)

        let notSent = returnedNumbers.order.filter { sentNumbers.lines[$0.key] == nil }
        guard notSent.isEmpty else {
            for number in notSent.prefix(10) {
                report(returnedFile.name, line: returnedNumbers.lines[number.key] ?? 0, "\(number) was not in \(sentFile.name)")
            }
            throw fail(
                "\(returned) holds \(notSent.count) number(s) that were not sent: it is not the answer to \(sent); nothing written")
        }

        let returnedKeys = Set(returnedNumbers.order.map(\.key))
        let inReturned = sentNumbers.order.filter { returnedKeys.contains($0.key) }
        let notReturned = sentNumbers.order.filter { !returnedKeys.contains($0.key) }
        let (registered, cleared) = returnedHolds == .cleared ? (notReturned, inReturned) : (inReturned, notReturned)

        let check = String(sentFile.sha256.prefix(8))
        var files: [(name: String, kind: ListKind, bytes: [UInt8], count: Int)] = []
        for (kind, numbers) in [(ListKind.bloctelRegistered, registered), (ListKind.bloctelCleared, cleared)] where !numbers.isEmpty {
            let suffix = kind == .bloctelRegistered ? "registered" : "cleared"
            var text = "# dialgate-list kind=\(kind.rawValue) as-of=\(day) source=bloctel sent=\(check)\n\(BloctelPrepare.header)\n"
            for number in numbers {
                var line: [UInt8] = []
                DelimitedText.appendField(bloctelNationalNumber(number) ?? number.description, delimiter: DelimitedText.semicolon, to: &line)
                line.append(DelimitedText.semicolon)
                let identifier = (sentNumbers.identifiers[number.key] ?? "").replacingOccurrences(of: "\r", with: " ")
                    .replacingOccurrences(of: "\n", with: " ")
                DelimitedText.appendField(identifier, delimiter: DelimitedText.semicolon, to: &line)
                text += String(decoding: line, as: UTF8.self) + "\n"
            }
            files.append(("bloctel-\(day)-\(check)-\(suffix).csv", kind, Array(text.utf8), numbers.count))
        }

        // Decide everything before writing anything: a name already taken by other content is
        // another import of this check, which only its owner may replace.
        var toWrite: [(name: String, bytes: [UInt8], count: Int)] = []
        for file in files {
            let path = directory + "/" + file.name
            if let existing = FileManager.default.contents(atPath: path) {
                guard [UInt8](existing) == file.bytes else {
                    throw fail("\(path) exists with other content: remove it first if this import replaces it; nothing written")
                }
                print("# \(file.name) is already there, unchanged")
                continue
            }
            toWrite.append((file.name, file.bytes, file.count))
        }
        // Registered first: between the two renames, the daemon may see the registrations
        // without the clearances (fewer calls), never the other way round.
        for file in toWrite {
            let output = try AtomicOutput(path: directory + "/" + file.name, mode: 0o640)
            output.append(file.bytes)
            _ = try output.finishWriting()
            try output.commit()
        }
        print("sent=\(sentNumbers.order.count) returned=\(returnedNumbers.order.count) registered=\(registered.count) cleared=\(cleared.count) as-of=\(day)")
        for file in files { print("\(directory)/\(file.name) \(file.kind.rawValue) \(file.count)") }
        if registered.isEmpty || cleared.isEmpty {
            print("# no \(registered.isEmpty ? "registered" : "cleared") numbers: that file is not written (the daemon refuses an empty list)")
        }
    }

    /// The distinct numbers of a Bloctel file in order, with each one's identifier (when asked)
    /// and line; an invalid number is an error: these files are machine-written.
    static func numbers(of file: ProspectFile, role: String, identifiers wanted: Bool) throws
        -> (order: [PhoneNumber], identifiers: [UInt64: String], lines: [UInt64: Int])
    {
        var order: [PhoneNumber] = []
        var identifiers: [UInt64: String] = [:]
        var lines: [UInt64: Int] = [:]
        let identifierColumn = file.text.bytes.withUnsafeBufferPointer { bytes in
            file.header?.values(in: bytes).firstIndex { ProspectFile.normalised($0) == "identifiant" }
        }
        try file.text.bytes.withUnsafeBufferPointer { bytes in
            var reader = DelimitedText.Reader(bytes: bytes, delimiter: file.delimiter, from: file.dataOffset)
            var record = DelimitedText.Record()
            while true {
                do {
                    guard try reader.next(into: &record) else { break }
                } catch {
                    throw fail("\(file.path) (the \(role) file): \(error)")
                }
                guard !record.isBlank else { continue }
                let value = record.value(file.numberColumn, in: bytes) ?? ""
                let number: PhoneNumber
                do {
                    number = try PhoneNumber(parsing: value)
                } catch {
                    throw fail("\(file.path):\(record.line): invalid number '\(value)' in the \(role) file: \(error)")
                }
                guard lines[number.key] == nil else { continue }
                order.append(number)
                lines[number.key] = record.line
                if wanted {
                    identifiers[number.key] = identifierColumn.flatMap { record.value($0, in: bytes) } ?? ""
                }
            }
        }
        return (order, identifiers, lines)
    }
}
