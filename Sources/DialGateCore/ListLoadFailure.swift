/// Why a list file or a whole list load was refused: every problem found, not just the first,
/// so that one reload round shows the operator everything to fix.
public struct ListLoadFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The problems, in file-name and line order. At least one of them is a refusal (anything
    /// but `.badLine` and `.removedFile`); the others are listed so nothing is hidden.
    public let problems: [ListProblem]

    public init(problems: [ListProblem]) {
        self.problems = problems
    }

    /// One problem a line.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
