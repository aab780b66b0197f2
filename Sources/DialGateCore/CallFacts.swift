import Foundation

/// Everything the lists and the ledger know about one number, gathered before a decision so
/// that the policy itself does no I/O.
public struct CallFacts: Hashable, Sendable {
    /// The number is on the company's own do-not-call list (right to object), and where that
    /// came from.
    public var internalOptOut: OptOutSource?
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
    /// Consents as they were given, from the lists and the ledger.
    public var consents: [ConsentRecord]
    /// Withdrawals of consent, from the ledger: each one withdraws, for the calls it names,
    /// every consent of its kind given before it (see `consent(_:for:at:)`).
    public var revocations: [ConsentRevocation]
    public var contracts: [ContractRecord]
    /// The professional activities (NAF codes or tags) of a B2B contact; `nil` when the number
    /// is not a known business contact.
    public var businessActivities: [String]?
    /// Past call attempts to the number by this professional, any campaign.
    public var attempts: [Date]
    /// Times the consumer refused during a call.
    public var refusals: [Date]

    public init(
        internalOptOut: OptOutSource? = nil,
        bloctelRegisteredAsOf: CalendarDay? = nil,
        bloctelClearedAsOf: CalendarDay? = nil,
        bloctelRegistrations: [CalendarDay] = [],
        bloctelClearances: [CalendarDay] = [],
        operatorOptOutAsOf: CalendarDay? = nil,
        consents: [ConsentRecord] = [],
        revocations: [ConsentRevocation] = [],
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
        self.revocations = revocations
        self.contracts = contracts
        self.businessActivities = businessActivities
        self.attempts = attempts
        self.refusals = refusals
    }

    /// The facts of a call: what the lists say, with what the ledger recorded at runtime. An
    /// opt-out from the lists wins over a later recorded one (either denies); list consents and
    /// recorded ones count alike, and recorded withdrawals end either kind; attempts and
    /// refusals are the ledger's alone.
    public init(lists: CallFacts, ledger: LedgerFacts) {
        self = lists
        if internalOptOut == nil, let at = ledger.internalOptOut {
            internalOptOut = .recorded(source: ledger.internalOptOutSource ?? "dialer", at: at)
        }
        consents += ledger.consents
        revocations += ledger.revocations
        attempts = ledger.attempts
        refusals = ledger.refusals
    }

    /// The consent of `kind` that allows a call for `campaign` at `instant`, or why there is none.
    ///
    /// The one rule of consent, for list and ledger consents alike (L223-1: consent is given
    /// before the call and revocable): a consent counts when it covers the campaign, was given
    /// by `instant`, was not itself marked revoked by then (`revokedAt`), and no withdrawal
    /// made by then withdrew it for this campaign. A withdrawal withdraws every consent of its
    /// kind given at or before it, whatever that consent's scope, for the calls its own scope
    /// names: `REVOKE scope=fibre-promo` ends a `scope=*` consent for campaign fibre-promo
    /// only; a consent given after the withdrawal counts again.
    public func consent(_ kind: ConsentRecord.Kind, for campaign: Campaign, at instant: Date) -> ConsentStanding {
        var why = ConsentStanding.Absence.none
        for consent in consents where consent.kind == kind {
            guard consent.covers(campaign) else {
                if why == .none { why = .otherScope }
                continue
            }
            guard consent.givenAt <= instant else {
                if why != .revoked { why = .notYetGiven }
                continue
            }
            let revokedItself = consent.revokedAt.map { $0 <= instant } ?? false
            if revokedItself || revocations.contains(where: { $0.withdraws(consent, for: campaign, by: instant) }) {
                why = .revoked
                continue
            }
            return .given(consent)
        }
        return .absent(why)
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

    /// Given before `instant` and not itself revoked by then (withdrawals recorded apart, in
    /// `CallFacts.revocations`, are weighed by `CallFacts.consent(_:for:at:)`).
    public func isValid(at instant: Date) -> Bool {
        givenAt <= instant && (revokedAt.map { $0 > instant } ?? true)
    }
}

/// A withdrawal of consent: the consumer withdrew consent of `kind` for the calls `scope`
/// names (`*`: every campaign of the professional; a campaign id; an offer category: every
/// campaign offering it), at `at`.
///
/// It withdraws every consent of its kind given at or before `at`, whatever the consent's own
/// scope and wherever it was recorded (ledger or consents list): a consent `scope=*` withdrawn
/// for one campaign still holds for the others. A consent recorded later but given earlier (an
/// import of old proofs) is withdrawn too: withdrawing too much is the safe direction. A
/// consent given after the withdrawal is untouched.
public struct ConsentRevocation: Hashable, Sendable {
    public var kind: ConsentRecord.Kind
    public var scope: String
    public var at: Date

    public init(kind: ConsentRecord.Kind, scope: String, at: Date) {
        self.kind = kind
        self.scope = scope
        self.at = at
    }

    /// Whether the withdrawal names calls for the campaign: `*`, its id, or one of its offer
    /// categories (the same matching as a consent's scope).
    public func covers(_ campaign: Campaign) -> Bool {
        scope == "*" || scope == campaign.id || campaign.offers.contains(scope)
    }

    /// Whether, by `instant`, this withdrawal ended `consent` for calls for `campaign`.
    public func withdraws(_ consent: ConsentRecord, for campaign: Campaign, by instant: Date) -> Bool {
        consent.kind == kind && at <= instant && consent.givenAt <= at && covers(campaign)
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
