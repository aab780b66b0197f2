/// A successful list load: the new snapshot, and the problems that did not stop it (bad lines
/// under the allowed share, removed files), which the daemon reports as warnings.
public struct ListLoad: Sendable {
    public let snapshot: Snapshot
    public let warnings: [ListProblem]

    public init(snapshot: Snapshot, warnings: [ListProblem]) {
        self.snapshot = snapshot
        self.warnings = warnings
    }
}
