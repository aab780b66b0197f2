/// One thing wrong with the list directory, a list file or one line of it, said so that an
/// operator can find and fix it (`bloctel-2026-11.csv:1204: invalid character 'O' at character 3`).
public struct ListProblem: Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem it is, so that callers can count and route problems without
    /// reading messages.
    public enum Cause: String, Hashable, Sendable {
        /// A line that could not be read as a record; the rest of the file may still load.
        case badLine = "bad-line"
        /// The file as a whole cannot be trusted (header, columns, no records, too many bad lines).
        case malformedFile = "malformed-file"
        /// The file has far fewer records than its previous copy: probably a truncated copy.
        case truncatedFile = "truncated-file"
        /// The file could not be read from disk.
        case unreadableFile = "unreadable-file"
        /// A file the previous snapshot had is gone. Loading goes on; the operator should know.
        case removedFile = "removed-file"
        /// The list directory is missing or cannot be listed.
        case directory
    }

    public let cause: Cause
    /// The file name (not the path), or `nil` for a problem with the directory itself.
    public let file: String?
    /// The 1-based line number, when one line is to blame.
    public let line: Int?
    public let message: String

    public init(_ cause: Cause, file: String?, line: Int? = nil, message: String) {
        self.cause = cause
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, the form compilers use, so editors and grep can jump to it.
    public var description: String {
        switch (file, line) {
        case let (file?, line?): "\(file):\(line): \(message)"
        case let (file?, nil): "\(file): \(message)"
        default: message
        }
    }
}
