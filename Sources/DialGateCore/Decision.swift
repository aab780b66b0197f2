/// What the gate answers: the verdict follows from the reason.
public enum Verdict: String, Hashable, Sendable {
    case allow = "ALLOW"
    case deny = "DENY"
}

/// The stable reason tokens of a decision: a public vocabulary that dialers, reports and the
/// journal rely on. A token is never renamed; new ones may be added.
///
/// The DENY cases are declared in precedence order: when several rules deny a call, the
/// first of them in this list is the reason. `Policy.decide` checks them in this order, so:
/// - request and campaign problems come first (`invalid-number` … `channel-not-allowed`);
/// - then rules for every audience (`internal-optout`, `sector-ban`), then the B2B ones;
/// - then the consumer's legal basis (`territory-not-covered` … `no-consent`): these mean
///   "do not call this number for this campaign";
/// - last the timing rules (`refusal-cooldown` … `outside-hours`): these only mean "not now",
///   so a dialer may treat them as "retry later".
public enum Reason: String, Hashable, Sendable, CaseIterable {
    // ALLOW
    /// The consumer gave a valid prior consent covering the campaign (opt-in regime, L223-1).
    case consent
    /// A contract in progress relates to what the campaign offers (L223-1).
    case contract
    /// Not on Bloctel according to a check at most `clearanceMaxAgeDays` old (opt-out regime).
    case bloctelClear = "bloctel-clear"
    /// Newspapers, periodicals or magazines (L223-5).
    case exemptPress = "exempt-press"
    /// A polling institute, not commercial prospecting.
    case exemptPolling = "exempt-polling"
    /// A non-profit association without commercial aim.
    case exemptNonprofit = "exempt-nonprofit"
    /// Public service (**unconfirmed** exception, `PolicySettings.publicServiceException`).
    case exemptPublicService = "exempt-public-service"
    /// The consumer asked to be called back (**unconfirmed** exception).
    case callbackRequest = "callback-request"
    /// A professional called about something coherent with their activity (CNIL).
    case b2bCoherent = "b2b-coherent"
    // DENY, in precedence order: when several rules deny, the first of these is the reason.
    /// The number is not a dialable number.
    case invalidNumber = "invalid-number"
    /// No campaign of that id is configured.
    case unknownCampaign = "unknown-campaign"
    /// The call's local day is before the campaign's start or after its end.
    case campaignInactive = "campaign-inactive"
    /// The request's channel is not the campaign's, or is not voice: the French rule pack
    /// decides voice calls only.
    case channelNotAllowed = "channel-not-allowed"
    /// On the company's own do-not-call list (GDPR art. 21), for every audience and regime.
    case internalOptout = "internal-optout"
    /// The campaign offers a category whose prospecting is banned on that day and channel,
    /// with no contract in progress about it.
    case sectorBan = "sector-ban"
    /// A B2B call to a contact whose professional activity is not known.
    case b2bUnknownActivity = "b2b-unknown-activity"
    /// A B2B call about something none of the contact's activities relates to.
    case b2bIncoherent = "b2b-incoherent"
    /// A consumer number outside the French numbering plan: its time zone and rules are unknown.
    case territoryNotCovered = "territory-not-covered"
    /// Registered on Bloctel (opt-out regime).
    case bloctel
    /// On an operator's anti-prospection list (opt-out regime).
    case operatorList = "operator-list"
    /// No Bloctel clearance of the number, or only a stale one (opt-out regime, R223-6).
    case bloctelUnverified = "bloctel-unverified"
    /// No valid prior consent covering the campaign (opt-in regime).
    case noConsent = "no-consent"
    /// Within the quiet days after the consumer refused during a call (D223-9).
    case refusalCooldown = "refusal-cooldown"
    /// Already the maximum of calls or attempts in the window (D223-9).
    case frequencyCap = "frequency-cap"
    /// A public holiday in the consumer's territory (D223-9, Code du travail L3133-1).
    case holiday
    /// A Saturday or Sunday in the consumer's time zone (D223-9). Kept apart from `holiday`
    /// so that a dialer and an auditor can tell a weekend from a public holiday.
    case nonCallingDay = "non-calling-day"
    /// Outside the legal calling hours in the consumer's time zone (D223-9).
    case outsideHours = "outside-hours"
    // DENY because the gate itself cannot decide soundly (fail closed).
    case listsUnavailable = "lists-unavailable"
    case ledgerUnavailable = "ledger-unavailable"
    case auditUnavailable = "audit-unavailable"
    case overload
    /// The decision was ready only after the deadline the client gave (`deadline-ms=`): the
    /// client has given up on it, so it is no permission to call.
    case deadlineExceeded = "deadline-exceeded"

    public var verdict: Verdict {
        switch self {
        case .consent, .contract, .bloctelClear, .exemptPress, .exemptPolling, .exemptNonprofit,
            .exemptPublicService, .callbackRequest, .b2bCoherent:
            .allow
        default:
            .deny
        }
    }

    /// What a dialer should do with a decision for this reason, unless the decision says
    /// otherwise (a campaign that has not started yet is `later`, one that ended `denied`).
    public var kind: Decision.Kind {
        switch self {
        case .consent, .contract, .bloctelClear, .exemptPress, .exemptPolling, .exemptNonprofit,
            .exemptPublicService, .callbackRequest, .b2bCoherent:
            .allowed
        case .refusalCooldown, .frequencyCap, .holiday, .nonCallingDay, .outsideHours:
            .later
        case .listsUnavailable, .ledgerUnavailable, .auditUnavailable, .overload, .deadlineExceeded:
            .unavailable
        default:
            .denied
        }
    }
}

/// The calling regime in force for consumer voice calls.
public enum Regime: String, Hashable, Sendable {
    /// Calls allowed unless the number is on Bloctel (until 10 Aug 2026).
    case optOut = "opt-out"
    /// Calls need the consumer's prior consent (from 11 Aug 2026, new L223-1).
    case optIn = "opt-in"
}

/// One fact a decision rested on, as `key=value` for the wire and the journal.
public struct Fact: Hashable, Sendable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// A decision of the gate: verdict, one stable reason token, the rule it rests on, and the
/// facts it used, so that an auditor can see why.
public struct Decision: Hashable, Sendable {
    /// What a dialer should do with a decision: the machine-readable class of its answer, so
    /// that a hook maps it to a SIP answer or a retry without a table of reasons.
    public enum Kind: String, Hashable, Sendable {
        /// The call may be placed (ALLOW).
        case allowed
        /// Not for this campaign: retrying will not help until the facts change.
        case denied
        /// Not now: the rules about when (hours, days, the cap, a refusal's quiet) deny.
        case later
        /// The gate cannot decide soundly (lists, ledger, journal, load, deadline): fail
        /// closed, and try again or elsewhere.
        case unavailable
    }

    public var reason: Reason
    /// The article (or guidance) the reason rests on, e.g. `C. consom. L223-1`.
    public var rule: String
    /// The regime in force for the call, when one was chosen.
    public var regime: Regime?
    public var facts: [Fact]
    /// What a dialer should do with it (by default the reason's kind).
    public var kind: Kind
    /// Whether the call counts toward the frequency cap (D223-9): an allowed consumer call the
    /// cap was checked for. The gate reserves a place under the cap for such a call.
    public var countsTowardCap: Bool

    public var verdict: Verdict { reason.verdict }

    public init(
        _ reason: Reason, rule: String, regime: Regime? = nil, facts: [Fact] = [], kind: Kind? = nil,
        countsTowardCap: Bool = false
    ) {
        self.reason = reason
        self.rule = rule
        self.regime = regime
        self.facts = facts
        self.kind = kind ?? reason.kind
        self.countsTowardCap = countsTowardCap && reason.verdict == .allow
    }
}
