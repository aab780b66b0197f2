import Foundation

extension ListFile {
    /// Reads the lines after the header: a plain one-number-a-line body or a CSV with a
    /// header row, skipping blank lines and `#` comments, and collecting bad lines.
    struct BodyReader {
        /// Names a number column may have (after `CSVColumns.normalised`): English, French,
        /// and Bloctel's `Telephone`.
        static let numberColumnNames: Set<String> = ["number", "numero", "telephone"]

        private var lines: ListText.Lines
        private(set) var badLines: BadLines
        /// Lines read as records.
        private(set) var records = 0

        init(file: String, lines: ListText.Lines) {
            self.lines = lines
            self.badLines = BadLines(file: file)
        }

        // MARK: Number lists

        /// Keys of a number list: plain lines, or the number column of a CSV (detected by a
        /// first line with letters in it, which no number has).
        mutating func readNumbers() throws(BodyProblem) -> [UInt64] {
            var keys: [UInt64] = []
            guard let first = nextContentLine() else { return keys }
            guard Self.containsLetter(first.text) else {
                readPlainNumber(first, into: &keys)
                while let line = nextContentLine() { readPlainNumber(line, into: &keys) }
                return keys
            }
            let columns = try CSVColumns(header: first.text, line: first.number)
            let column = try columns.numberColumn()
            while let line = nextContentLine() {
                if !ListText.contains(ListText.quote, in: line.text) {
                    guard let field = ListText.unquotedField(column, of: line.text, separator: columns.separator) else {
                        badLines.add(line: line.number, "no \(columns.names[column]) field")
                        continue
                    }
                    record(line.number) { () throws(PhoneNumberError) in keys.append(try ListNumberParser.key(field)) }
                } else if let fields = ListText.fields(of: line.text, separator: columns.separator) {
                    guard column < fields.count else {
                        badLines.add(line: line.number, "no \(columns.names[column]) field")
                        continue
                    }
                    record(line.number) { () throws(PhoneNumberError) in keys.append(try ListNumberParser.key(fields[column])) }
                } else {
                    badLines.add(line: line.number, "a quote is not closed")
                }
            }
            return keys
        }

        private mutating func readPlainNumber(_ line: (number: Int, text: UnsafeRawBufferPointer), into keys: inout [UInt64]) {
            var text = line.text
            // A trailing `# comment` after the number is allowed.
            if let base = text.baseAddress, let hash = memchr(base, Int32(ListText.hash), text.count) {
                text = UnsafeRawBufferPointer(rebasing: text[0..<base.distance(to: UnsafeRawPointer(hash))])
            }
            let field = ListText.trimmed(text)
            record(line.number) { () throws(PhoneNumberError) in keys.append(try ListNumberParser.key(field)) }
        }

        private mutating func record(_ line: Int, _ read: () throws(PhoneNumberError) -> Void) {
            do {
                try read()
                records += 1
            } catch {
                badLines.add(line: line, error.description)
            }
        }

        // MARK: Record lists

        mutating func readConsents() throws(BodyProblem) -> [(key: UInt64, record: ConsentRecord)] {
            var result: [(key: UInt64, record: ConsentRecord)] = []
            try readRecords(required: ["given_at", "proof"], optional: ["kind", "scope", "revoked_at"]) { row throws(RowProblem) in
                let key = try row.number()
                var kind = ConsentRecord.Kind.prospecting
                if let text = row["kind"] {
                    guard let parsed = ConsentRecord.Kind(rawValue: text.lowercased()) else {
                        let known = ConsentRecord.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                        throw RowProblem("kind: unknown consent kind '\(text)' (\(known))")
                    }
                    kind = parsed
                }
                let givenAt = try row.instant("given_at", dateOnly: .startOfNextDay)
                guard let proof = row["proof"] else { throw RowProblem("proof: missing (a consent must be provable)") }
                let revokedAt = row["revoked_at"] == nil ? nil : try row.instant("revoked_at", dateOnly: .startOfDay)
                let record = ConsentRecord(kind: kind, scope: row["scope"] ?? "*", givenAt: givenAt, proof: proof, revokedAt: revokedAt)
                result.append((key, record))
            }
            return result
        }

        mutating func readContracts() throws(BodyProblem) -> [(key: UInt64, record: ContractRecord)] {
            var result: [(key: UInt64, record: ContractRecord)] = []
            try readRecords(required: ["subjects"], optional: ["ends"]) { row throws(RowProblem) in
                let key = try row.number()
                let subjects = try row.list("subjects")
                var ends: CalendarDay?
                if let text = row["ends"] {
                    guard let day = CalendarDay(iso: text) else { throw RowProblem("ends: '\(text)' is not a date (YYYY-MM-DD)") }
                    ends = day
                }
                result.append((key, ContractRecord(subjects: Set(subjects), ends: ends)))
            }
            return result
        }

        mutating func readBusinessContacts() throws(BodyProblem) -> [(key: UInt64, activities: [String])] {
            var result: [(key: UInt64, activities: [String])] = []
            try readRecords(required: ["activities"], optional: []) { row throws(RowProblem) in
                result.append((try row.number(), try row.list("activities")))
            }
            return result
        }

        /// Reads a CSV whose header must have a number column and the `required` ones; each row
        /// goes to `read`, and a row it rejects becomes a bad line.
        private mutating func readRecords(
            required: [String], optional: [String], _ read: (Row) throws(RowProblem) -> Void
        ) throws(BodyProblem) {
            guard let first = nextContentLine() else { return }
            let columns = try CSVColumns(header: first.text, line: first.number)
            let numberColumn = try columns.numberColumn()
            let missing = required.filter { columns.index(of: $0) == nil }
            guard missing.isEmpty else {
                throw BodyProblem(
                    message: "missing column\(missing.count > 1 ? "s" : ""): \(missing.joined(separator: ", ")) "
                        + "(header has: \(columns.names.joined(separator: ", ")))",
                    line: first.number)
            }
            var indexes = ["number": numberColumn]
            for name in required + optional { indexes[name] = columns.index(of: name) }
            while let line = nextContentLine() {
                guard let fields = ListText.fields(of: line.text, separator: columns.separator) else {
                    badLines.add(line: line.number, "a quote is not closed")
                    continue
                }
                do {
                    try read(Row(fields: fields, indexes: indexes))
                    records += 1
                } catch {
                    badLines.add(line: line.number, error.message)
                }
            }
        }

        // MARK: Lines

        private mutating func nextContentLine() -> (number: Int, text: UnsafeRawBufferPointer)? {
            while let line = lines.next() {
                if !ListText.isBlankOrComment(line.text) { return line }
            }
            return nil
        }

        private static func containsLetter(_ text: UnsafeRawBufferPointer) -> Bool {
            text.contains { (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
        }
    }

    /// One CSV row of a record list, by column name; empty fields read as absent.
    struct Row {
        let fields: [String]
        let indexes: [String: Int]

        subscript(column: String) -> String? {
            guard let index = indexes[column], index < fields.count, !fields[index].isEmpty else { return nil }
            return fields[index]
        }

        func number() throws(RowProblem) -> UInt64 {
            guard let text = self["number"] else { throw RowProblem("number: missing") }
            do {
                return try ListNumberParser.key(text)
            } catch {
                throw RowProblem("number: \(error)")
            }
        }

        func instant(_ column: String, dateOnly: ListDates.DateOnlyReading) throws(RowProblem) -> Date {
            guard let text = self[column] else { throw RowProblem("\(column): missing") }
            switch ListDates.instant(text, dateOnly: dateOnly) {
            case .success(let date): return date
            case .failure(let problem): throw RowProblem("\(column): \(problem.message)")
            }
        }

        /// A `|`-separated list, without blanks; at least one item.
        func list(_ column: String) throws(RowProblem) -> [String] {
            let items = (self[column] ?? "").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !items.isEmpty else { throw RowProblem("\(column): missing") }
            return items
        }
    }

    /// Why one CSV row was skipped.
    struct RowProblem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }
}
