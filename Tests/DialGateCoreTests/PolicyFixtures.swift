import DialGateCore
import Foundation
import Testing

/// The instant at a wall time in a time zone: `at("2026-11-30 10:15", reunion)`. Rows of the
/// decision table are written in the consumer's local time, as the law counts it.
func at(_ wallTime: String, _ zone: String = paris) -> Date {
    let parts = wallTime.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).map { Int($0)! }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: zone)!
    let components = DateComponents(
        year: parts[0], month: parts[1], day: parts[2], hour: parts.count > 3 ? parts[3] : 12,
        minute: parts.count > 4 ? parts[4] : 0, second: parts.count > 5 ? parts[5] : 0)
    return calendar.date(from: components)!
}

/// A calendar day from `YYYY-MM-DD`.
func day(_ text: String) -> CalendarDay { CalendarDay(iso: text)! }

let paris = "Europe/Paris"
let reunion = "Indian/Reunion"
let guadeloupe = "America/Guadeloupe"
let mayotte = "Indian/Mayotte"
let martinique = "America/Martinique"
let cayenne = "America/Cayenne"

/// One number per territory, written as a French caller would.
enum Number {
    static let paris = "06 12 34 56 78"
    static let reunion = "0692 12 34 56"
    static let guadeloupe = "0690 12 34 56"
    static let mayotte = "0639 12 34 56"
    static let martinique = "0696 12 34 56"
    static let guyane = "0694 12 34 56"
    static let london = "+44 20 7946 0958"
}

/// The campaigns the table calls for.
let campaigns: [Campaign] = [
    Campaign(id: "telecom", offers: ["telecom"]),
    Campaign(id: "press", purpose: .press, offers: ["magazines"]),
    Campaign(id: "polling", purpose: .polling, offers: ["survey"]),
    Campaign(id: "charity", purpose: .nonprofit, offers: ["donation"]),
    Campaign(id: "census", purpose: .publicService, offers: ["census"]),
    Campaign(id: "renovation", offers: ["energy-renovation"]),
    Campaign(id: "solar", offers: ["renewable-energy"]),
    Campaign(id: "stairlift", offers: ["home-adaptation"]),
    Campaign(id: "cpf", offers: ["cpf-training"]),
    Campaign(id: "cpf-sms", channel: .sms, offers: ["cpf-training"]),
    Campaign(id: "sms-promo", channel: .sms, offers: ["telecom"]),
    Campaign(id: "b2b-software", audience: .business, offers: ["software"]),
    Campaign(id: "b2b-renovation", audience: .business, offers: ["energy-renovation"]),
    Campaign(id: "winter", offers: ["telecom"], start: day("2026-12-01"), end: day("2027-02-28")),
    // Two campaigns of one offer category, and one of another: withdrawals name campaigns or categories.
    Campaign(id: "fibre-promo", offers: ["telecom"]),
    Campaign(id: "mobile-promo", offers: ["telecom"]),
    Campaign(id: "home-insurance", offers: ["insurance"]),
]

/// The default settings, with a B2B coherence table.
func settings(_ change: (inout PolicySettings) -> Void = { _ in }) -> PolicySettings {
    var settings = PolicySettings()
    settings.businessCoherence = ["software": ["62", "58.29"], "food": ["10", "56"]]
    change(&settings)
    return settings
}

let longAgo = at("2020-01-01 12:00")

/// A consent given long ago, by default to prospecting by every campaign of the professional.
func consent(
    _ kind: ConsentRecord.Kind = .prospecting, scope: String = "*", given: Date = longAgo, revoked: Date? = nil
) -> ConsentRecord {
    ConsentRecord(kind: kind, scope: scope, givenAt: given, proof: "web-form-v3", revokedAt: revoked)
}

/// A withdrawal of consent (`REVOKE`), by default of prospecting consent.
func withdrawal(
    _ kind: ConsentRecord.Kind = .prospecting, scope: String, at instant: Date
) -> ConsentRevocation {
    ConsentRevocation(kind: kind, scope: scope, at: instant)
}

/// Facts under which an ordinary call is allowed in either regime on `asOf`: a prospecting
/// consent and a Bloctel clearance of that day. Timing rows start from these.
func allowedFacts(_ asOf: String, change: (inout CallFacts) -> Void = { _ in }) -> CallFacts {
    var facts = CallFacts(bloctelClearedAsOf: day(asOf), consents: [consent()])
    change(&facts)
    return facts
}

/// One row of the decision table: a call, what is known, and the decision the rules give.
struct Row: Sendable, CustomTestStringConvertible {
    var name: String
    var number: String = Number.paris
    var campaign: String = "telecom"
    var channel: Campaign.Channel? = nil
    var facts: CallFacts = CallFacts()
    var instant: Date
    var settings: PolicySettings = DialGateCoreTests.settings()
    var reason: Reason
    /// Text the decision's rule must contain.
    var rule: String? = nil
    /// The regime the decision must name (`.some(nil)`: none).
    var regime: Regime?? = nil
    /// Facts the decision must carry (a subset).
    var shows: [String: String] = [:]

    var testDescription: String { name }
}

/// Decides the row with the real policy and checks the decision against it, and that every
/// decision is well formed: a rule, and `key=value` facts fit for the wire.
func check(_ row: Row, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let policy = Policy(settings: row.settings, campaigns: campaigns)
    let number = try PhoneNumber(parsing: row.number)
    let decision = policy.decide(
        number: number, campaignID: row.campaign, channel: row.channel, facts: row.facts, at: row.instant)
    let shown = decision.facts.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    #expect(decision.reason == row.reason, "facts: \(shown)", sourceLocation: sourceLocation)
    #expect(decision.verdict == row.reason.verdict, sourceLocation: sourceLocation)
    #expect(!decision.rule.isEmpty, sourceLocation: sourceLocation)
    if let rule = row.rule {
        #expect(decision.rule.contains(rule), "rule was \(decision.rule)", sourceLocation: sourceLocation)
    }
    if let regime = row.regime {
        #expect(decision.regime == regime, sourceLocation: sourceLocation)
    }
    let facts = Dictionary(decision.facts.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    for (key, value) in row.shows {
        #expect(facts[key] == value, "facts: \(shown)", sourceLocation: sourceLocation)
    }
    #expect(facts.count == decision.facts.count, "a fact key repeats: \(shown)", sourceLocation: sourceLocation)
    for fact in decision.facts {
        #expect(
            fact.key.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }, "key \(fact.key)",
            sourceLocation: sourceLocation)
        #expect(!fact.value.isEmpty && !fact.value.contains(where: \.isNewline), "\(fact.key)=\(fact.value)", sourceLocation: sourceLocation)
    }
}
