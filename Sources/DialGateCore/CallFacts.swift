import Foundation

/// Everything the lists and the ledger know about one number, gathered before a decision so
/// that the policy itself does no I/O.
public struct CallFacts: Hashable, Sendable {
    /// The number is on the company's own do-not-call list (right to object), with where that
    /// came from (`list:<file>` or `ledger`).
    public var internalOptOut: String?
    /// As-of dates of every Bloctel check that found the number registered, newest first.
    /// All of them, not just the newest: a replay of a past call must use the checks that
    /// existed on that day.
    public var bloctelRegistrations: [CalendarDay]
    /// As-of dates of every Bloctel check that cleared the number, newest first.
    public var bloctelClearances: [CalendarDay]
    /// The newest check that found the number registered.
    public var bloctelRegisteredAsOf: CalendarDay? { bloctelRegistrations.max() }
    /// The newest check that cleared the number.
    public var bloctelClearedAsOf: CalendarDay? { bloctelClearances.max() }
    /// As-of date of an operator's anti-prospection list that holds the number.
    public var operatorOptOutAsOf: CalendarDay?
    public var consents: [ConsentRecord]
    public var contracts: [ContractRecord]
    /// The professional activities (NAF codes or tags) of a B2B contact; `nil` when the number
    /// is not a known business contact.
    public var businessActivities: [String]?
    /// Past call attempts to the number by this professional, any campaign.
    public var attempts: [Date]
    /// Times the consumer refused during a call.
    public var refusals: [Date]

    public init(
        internalOptOut: String? = nil,
        bloctelRegisteredAsOf: CalendarDay? = nil,
        bloctelClearedAsOf: CalendarDay? = nil,
        bloctelRegistrations: [CalendarDay] = [],
        bloctelClearances: [CalendarDay] = [],
        operatorOptOutAsOf: CalendarDay? = nil,
        consents: [ConsentRecord] = [],
        contracts: [ContractRecord] = [],
        businessActivities: [String]? = nil,
        attempts: [Date] = [],
        refusals: [Date] = []
    ) {
        self.internalOptOut = internalOptOut
        self.bloctelRegistrations = (bloctelRegistrations + [bloctelRegisteredAsOf].compactMap { $0 }).sorted(by: >)
        self.bloctelClearances = (bloctelClearances + [bloctelClearedAsOf].compactMap { $0 }).sorted(by: >)
        self.operatorOptOutAsOf = operatorOptOutAsOf
        self.consents = consents
        self.contracts = contracts
        self.businessActivities = businessActivities
        self.attempts = attempts
        self.refusals = refusals
    }
}

/// A consumer's consent, with the proof the professional must be able to show.
public struct ConsentRecord: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// Prior consent to be called for prospecting (the opt-in regime).
        case prospecting
        /// The consumer gave the number to be called back (**unconfirmed** exception).
        case callback
        /// Express prior consent to be called outside the legal days and hours (D223-9).
        case offHours = "off-hours"
    }

    public var kind: Kind
    /// What the consent covers: `*` (this professional, any campaign), a campaign id, or an
    /// offer category.
    public var scope: String
    public var givenAt: Date
    /// How and with what text it was collected (a reference to the stored proof).
    public var proof: String
    public var revokedAt: Date?

    public init(kind: Kind = .prospecting, scope: String = "*", givenAt: Date, proof: String, revokedAt: Date? = nil) {
        self.kind = kind
        self.scope = scope
        self.givenAt = givenAt
        self.proof = proof
        self.revokedAt = revokedAt
    }

    /// Whether the consent covers the campaign: `*`, its id, or one of its offer categories.
    public func covers(_ campaign: Campaign) -> Bool {
        scope == "*" || scope == campaign.id || campaign.offers.contains(scope)
    }

    /// Given before `instant` and not revoked by then.
    public func isValid(at instant: Date) -> Bool {
        givenAt <= instant && (revokedAt.map { $0 > instant } ?? true)
    }

    /// This consent with a withdrawal applied, when the withdrawal covers it.
    public func applying(_ revocation: ConsentRevocation) -> ConsentRecord {
        guard revocation.revokes(self) else { return self }
        var revoked = self
        revoked.revokedAt = min(revokedAt ?? revocation.at, revocation.at)
        return revoked
    }
}

/// A withdrawal of consent. It covers the consents of its kind and scope (`*`: every scope)
/// given at or before it, wherever they were recorded: in the ledger or in a consents list.
/// A consent recorded later but given earlier (an import of old proofs) is revoked too:
/// revoking too much is the safe direction.
public struct ConsentRevocation: Hashable, Sendable {
    public var kind: ConsentRecord.Kind
    public var scope: String
    public var at: Date

    public init(kind: ConsentRecord.Kind, scope: String, at: Date) {
        self.kind = kind
        self.scope = scope
        self.at = at
    }

    public func revokes(_ consent: ConsentRecord) -> Bool {
        consent.kind == kind && (scope == "*" || scope == consent.scope) && consent.givenAt <= at
    }
}

/// A contract in progress with the consumer, which allows calls about its subject.
public struct ContractRecord: Hashable, Sendable {
    /// Categories the contract is about (matched against a campaign's offers).
    public var subjects: Set<String>
    /// The last day of the contract; `nil` when open-ended.
    public var ends: CalendarDay?

    public init(subjects: Set<String>, ends: CalendarDay? = nil) {
        self.subjects = subjects
        self.ends = ends
    }

    public func isInProgress(on day: CalendarDay) -> Bool { ends.map { day <= $0 } ?? true }
}
