/// What a list file holds, as its header declares (`kind=<raw value>`).
///
/// The kind, not the file name, decides what a file means to the policy, so that a file
/// renamed by an operator keeps its meaning and a file of unknown meaning is refused.
public enum ListKind: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Numbers sent to Bloctel that did not come back: registered as of the file's date.
    case bloctelRegistered = "bloctel-registered"
    /// Numbers that came back from a Bloctel check: cleared as of the file's date.
    case bloctelCleared = "bloctel-cleared"
    /// An operator's anti-prospection list ("liste rouge" for marketing).
    case operatorOptOut = "operator-optout"
    /// The company's own do-not-call list (right to object).
    case internalOptOut = "internal-optout"
    /// Consent records (CSV), with their proof.
    case consents
    /// Contracts in progress and their subjects (CSV).
    case contracts
    /// Business contacts and their professional activities (CSV).
    case businessContacts = "b2b-contacts"

    /// Whether the file is a plain set of numbers (as opposed to records with columns).
    public var isNumberList: Bool {
        switch self {
        case .bloctelRegistered, .bloctelCleared, .operatorOptOut, .internalOptOut: true
        case .consents, .contracts, .businessContacts: false
        }
    }

    public var description: String { rawValue }
}
