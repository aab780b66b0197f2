import DialGateCore
/// Why a configuration was refused, with the key and the line to fix.
///
/// Every error names where it is (`dialgate.toml:12: daemon.socket-mode: ...`), because an
/// operator fixing a daemon that will not start needs the place, not only the rule.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Hashable, Sendable {
        /// The file is not valid TOML (the message is the TOML parser's).
        case syntax(String)
        /// A key the gate does not know: a typo must not be silently ignored.
        case unknownKey(known: [String])
        /// The key's value has the wrong TOML type.
        case wrongType(expected: String, found: String)
        /// The value has the right type but is not allowed; the text says why.
        case invalidValue(String)
        /// Two campaigns have the same id; the line of the first one is given.
        case duplicateCampaign(id: String, firstLine: Int?)
        /// A key that must be given is missing.
        case missingKey
        /// The file could not be read.
        case unreadable(String)
    }

    public let problem: Problem
    /// The key's path: `daemon.socket`, `campaign[2].id` (array elements count from 1),
    /// `policy.sector-ban[1].channels`; `nil` when the problem is not about one key.
    public let key: String?
    /// The 1-based line of the key (or of its table when the key is missing).
    public let line: Int?
    /// The 1-based column, when the TOML parser gives one.
    public let column: Int?
    /// The configuration file, when loaded from one.
    public var file: String?

    public init(_ problem: Problem, key: String?, line: Int?, column: Int? = nil, file: String? = nil) {
        self.problem = problem
        self.key = key
        self.line = line
        self.column = column
        self.file = file
    }

    /// What is wrong, without the place.
    public var message: String {
        switch problem {
        case .syntax(let text): "invalid TOML: \(text)"
        case .unknownKey(let known): "unknown key (known here: \(known.joined(separator: ", ")))"
        case .wrongType(let expected, let found): "expected \(expected), found \(found)"
        case .invalidValue(let why): why
        case .duplicateCampaign(let id, let firstLine):
            "duplicate campaign id '\(id)'" + (firstLine.map { " (first declared at line \($0))" } ?? "")
        case .missingKey: "missing required key"
        case .unreadable(let why): "cannot read the configuration: \(why)"
        }
    }

    /// `file:line:column: key: message`, the form compilers use.
    public var description: String {
        var place = file ?? "configuration"
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): " + (key.map { "\($0): " } ?? "") + message
    }
}
