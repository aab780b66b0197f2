import DialGateCore
import Foundation
import TOMLKit

/// Reads one TOML table of the configuration with typed getters that fail with the key's path
/// and line, so that the parsing code reads like the list of keys it accepts.
struct ConfigurationReader {
    let table: TOMLTable
    /// The table's path (`daemon`, `campaign[2]`); empty for the root.
    let path: String
    let lines: ConfigurationKeyLines

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ problem: ConfigurationError.Problem, key: String? = nil) -> ConfigurationError {
        let full = key.map(keyPath) ?? path
        return ConfigurationError(problem, key: full.isEmpty ? nil : full, line: lines.line(of: full))
    }

    /// Refuses any key not in `known`: the first one in the file.
    func checkKeys(_ known: [String]) throws(ConfigurationError) {
        let unknown = table.keys.filter { !known.contains($0) }
        guard !unknown.isEmpty else { return }
        let first = unknown.min { (lines.line(of: keyPath($0)) ?? .max) < (lines.line(of: keyPath($1)) ?? .max) }!
        throw error(.unknownKey(known: known), key: first)
    }

    private func value(_ key: String, _ expected: TOMLType...) throws(ConfigurationError) -> TOMLValueConvertible? {
        guard let value = table[key] else { return nil }
        guard expected.contains(value.type) else {
            throw error(.wrongType(expected: expected.map(\.description).joined(separator: " or "), found: value.type.description), key: key)
        }
        return value
    }

    func required<T>(_ key: String, _ read: (String) throws(ConfigurationError) -> T?) throws(ConfigurationError) -> T {
        guard let value = try read(key) else { throw error(.missingKey, key: key) }
        return value
    }

    func string(_ key: String) throws(ConfigurationError) -> String? {
        try value(key, .string)?.string
    }

    /// A non-empty string.
    func text(_ key: String) throws(ConfigurationError) -> String? {
        guard let text = try string(key) else { return nil }
        guard !text.isEmpty else { throw error(.invalidValue("must not be empty"), key: key) }
        return text
    }

    func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        try value(key, .bool)?.bool
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let number = try value(key, .int)?.int else { return nil }
        guard range.contains(number) else {
            throw error(.invalidValue("\(number) is out of range (\(range.lowerBound)...\(range.upperBound))"), key: key)
        }
        return number
    }

    /// A number, integer or not, within `range`.
    func number(_ key: String, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        guard let found = try value(key, .double, .int) else { return nil }
        let number = found.double ?? Double(found.int!)
        guard range.contains(number) else {
            throw error(.invalidValue("\(number) is out of range (\(range.lowerBound)...\(range.upperBound))"), key: key)
        }
        return number
    }

    /// A number between 0 and 1; an integer 0 or 1 is accepted too.
    func share(_ key: String) throws(ConfigurationError) -> Double? {
        guard let found = try value(key, .double, .int) else { return nil }
        let number = found.double ?? Double(found.int!)
        guard (0...1).contains(number) else {
            throw error(.invalidValue("\(number) is not a share between 0 and 1"), key: key)
        }
        return number
    }

    func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, _: Choice.Type) throws(ConfigurationError) -> Choice?
    where Choice.RawValue == String {
        try choice(key, Array(Choice.allCases))
    }

    /// One of `choices`, by raw value.
    func choice<Choice: RawRepresentable>(_ key: String, _ choices: [Choice]) throws(ConfigurationError) -> Choice?
    where Choice.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let choice = choices.first(where: { $0.rawValue == text }) else {
            let known = choices.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw error(.invalidValue("\"\(text)\" is not one of \(known)"), key: key)
        }
        return choice
    }

    /// A TOML local date (`2026-08-11`) or the same written as a string.
    func day(_ key: String) throws(ConfigurationError) -> CalendarDay? {
        guard let found = try value(key, .date, .string) else { return nil }
        if let date = found.date {
            guard let day = CalendarDay(year: date.year, month: date.month, day: date.day) else {
                throw error(.invalidValue("not a valid date"), key: key)
            }
            return day
        }
        guard let day = CalendarDay(iso: found.string!) else {
            throw error(.invalidValue("\"\(found.string!)\" is not a date (YYYY-MM-DD)"), key: key)
        }
        return day
    }

    func strings(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let array = try value(key, .array)?.array else { return nil }
        var result: [String] = []
        for element in array {
            guard let text = element.string else {
                throw error(.wrongType(expected: "array of strings", found: "array with a \(element.type)"), key: key)
            }
            result.append(text)
        }
        return result
    }

    /// A path, resolved against `base` when relative, with `.` and `..` folded.
    func path(_ key: String, base: String) throws(ConfigurationError) -> String? {
        guard let text = try text(key) else { return nil }
        return Self.resolve(text, base: base)
    }

    static func resolve(_ path: String, base: String) -> String {
        let absolute = path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base : base + "/") + path
        return URL(fileURLWithPath: absolute).standardized.path
    }

    func subtable(_ key: String) throws(ConfigurationError) -> ConfigurationReader? {
        guard let found = try value(key, .table)?.table else { return nil }
        return ConfigurationReader(table: found, path: keyPath(key), lines: lines)
    }

    /// An array of tables (`[[key]]`), each with its path `key[n]`.
    func tables(_ key: String) throws(ConfigurationError) -> [ConfigurationReader]? {
        guard let found = table[key] else { return nil }
        guard let array = found.array else {
            throw error(.wrongType(expected: "array of tables ([[\(keyPath(key))]])", found: found.type.description), key: key)
        }
        var result: [ConfigurationReader] = []
        for (index, element) in array.enumerated() {
            guard let table = element.table else {
                throw error(.wrongType(expected: "array of tables ([[\(keyPath(key))]])", found: "array with a \(element.type)"), key: key)
            }
            result.append(ConfigurationReader(table: table, path: "\(keyPath(key))[\(index + 1)]", lines: lines))
        }
        return result
    }
}
