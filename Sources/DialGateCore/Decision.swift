/// What the gate answers: the verdict follows from the reason.
public enum Verdict: String, Hashable, Sendable {
    case allow = "ALLOW"
    case deny = "DENY"
}

/// The stable reason tokens of a decision: a public vocabulary that dialers, reports and the
/// journal rely on. A token is never renamed; new ones may be added.
public enum Reason: String, Hashable, Sendable, CaseIterable {
    // ALLOW
    case consent
    case contract
    case bloctelClear = "bloctel-clear"
    case exemptPress = "exempt-press"
    case exemptPolling = "exempt-polling"
    case exemptNonprofit = "exempt-nonprofit"
    case exemptPublicService = "exempt-public-service"
    case callbackRequest = "callback-request"
    case b2bCoherent = "b2b-coherent"
    // DENY, in precedence order: when several rules deny, the first of these is the reason.
    case invalidNumber = "invalid-number"
    case unknownCampaign = "unknown-campaign"
    case campaignInactive = "campaign-inactive"
    case channelNotAllowed = "channel-not-allowed"
    case internalOptout = "internal-optout"
    case sectorBan = "sector-ban"
    case b2bUnknownActivity = "b2b-unknown-activity"
    case b2bIncoherent = "b2b-incoherent"
    case territoryNotCovered = "territory-not-covered"
    case bloctel
    case operatorList = "operator-list"
    case bloctelUnverified = "bloctel-unverified"
    case noConsent = "no-consent"
    case refusalCooldown = "refusal-cooldown"
    case frequencyCap = "frequency-cap"
    case holiday
    case outsideHours = "outside-hours"
    // DENY because the gate itself cannot decide soundly (fail closed).
    case listsUnavailable = "lists-unavailable"
    case ledgerUnavailable = "ledger-unavailable"
    case auditUnavailable = "audit-unavailable"
    case overload

    public var verdict: Verdict {
        switch self {
        case .consent, .contract, .bloctelClear, .exemptPress, .exemptPolling, .exemptNonprofit,
            .exemptPublicService, .callbackRequest, .b2bCoherent:
            .allow
        default:
            .deny
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
    public var reason: Reason
    /// The article (or guidance) the reason rests on, e.g. `C. consom. L223-1`.
    public var rule: String
    /// The regime in force for the call, when one was chosen.
    public var regime: Regime?
    public var facts: [Fact]

    public var verdict: Verdict { reason.verdict }

    public init(_ reason: Reason, rule: String, regime: Regime? = nil, facts: [Fact] = []) {
        self.reason = reason
        self.rule = rule
        self.regime = regime
        self.facts = facts
    }
}
