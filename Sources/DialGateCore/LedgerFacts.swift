import Foundation

/// What the ledger remembers about one number: the runtime half of a decision's facts (the
/// list files give the other half).
public struct LedgerFacts: Hashable, Sendable {
    /// When the consumer objected to calls ("do not call me again"); `nil` when they never
    /// did. The earliest objection wins: it cannot be undone.
    public var internalOptOut: Date?
    /// Who recorded that objection (the `source` of the opt-out record).
    public var internalOptOutSource: String?
    /// Consents in the order they were recorded, as given: a withdrawal does not change them.
    public var consents: [ConsentRecord]
    /// Withdrawals recorded at runtime, in the order they were recorded. The gate passes them to
    /// the policy with every consent, from the lists and the ledger alike, and the policy decides
    /// per call which consents they end (`CallFacts.consent(_:for:at:)`).
    public var revocations: [ConsentRevocation]
    /// Call attempts to the number, any campaign, oldest first.
    public var attempts: [Date]
    /// Refusals during a call, any campaign, oldest first.
    public var refusals: [Date]
    /// Places under the cap taken by live CHECKs, in the order they were recorded, with what
    /// became of them. An open one is already among `attempts`.
    public var reservations: [CallReservation]

    /// Facts with the given values; the defaults mean "nothing known".
    public init(
        internalOptOut: Date? = nil,
        internalOptOutSource: String? = nil,
        consents: [ConsentRecord] = [],
        revocations: [ConsentRevocation] = [],
        attempts: [Date] = [],
        refusals: [Date] = [],
        reservations: [CallReservation] = []
    ) {
        self.internalOptOut = internalOptOut
        self.internalOptOutSource = internalOptOutSource
        self.consents = consents
        self.revocations = revocations
        self.attempts = attempts
        self.refusals = refusals
        self.reservations = reservations
    }

    /// The reservation named `token`, if the ledger holds it.
    public func reservation(_ token: String) -> CallReservation? {
        reservations.last { $0.token == token }
    }

    /// Nothing known: the facts of a number the ledger never saw.
    public static let none = LedgerFacts()

    /// Whether the ledger knows nothing about the number.
    public var isEmpty: Bool { self == .none }
}
