import Foundation

/// Where a number's place on the company's own do-not-call list comes from: a list file, or an
/// objection recorded at runtime (by whom, and when). A typed value, so the policy and its
/// tests see what the objection is, and the wire sees one stable text for it.
public enum OptOutSource: Hashable, Sendable, CustomStringConvertible {
    /// An `internal-optout` list file of the list directory.
    case list(file: String)
    /// An OPTOUT the ledger recorded: its `source` and the instant of the objection.
    case recorded(source: String, at: Date)

    /// `list:<file>` or `ledger:<source>@<instant>`, as answers and journal entries show it.
    public var description: String {
        switch self {
        case .list(let file): "list:\(file)"
        case .recorded(let source, let at): "ledger:\(source)@\(ISOInstant.format(at))"
        }
    }
}
