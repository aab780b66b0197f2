import DialGateCore
import Foundation
import Testing

// The decision table of compliance.md, rule by rule. Each row is named after the rule and
// the article it checks; wall times are the consumer's local time. 2026-11-30 is a Monday in
// the opt-in regime; 2026-08-03 and 2026-08-10 are Mondays in the opt-out regime.

// MARK: - 2. Regime chosen by the date of the call

let regimeRows: [Row] = [
    Row(
        name: "L223-1 (old): last opt-out day 2026-08-10, cleared number allowed", facts: CallFacts(bloctelClearedAsOf: day("2026-08-01")),
        instant: at("2026-08-10 11:00"), reason: .bloctelClear, rule: "L223-1", regime: .optOut,
        shows: ["regime": "opt-out", "regime_source": "date", "clearance_age_days": "9"]),
    Row(
        name: "L223-1 (new): first opt-in day 2026-08-11, cleared number without consent denied",
        facts: CallFacts(bloctelClearedAsOf: day("2026-08-01")), instant: at("2026-08-11 11:00"), reason: .noConsent,
        rule: "L223-1", regime: .optIn, shows: ["regime": "opt-in", "consent": "none"]),
    Row(
        name: "L223-1 (new): opt-in day with consent allowed", facts: CallFacts(consents: [consent()]),
        instant: at("2026-08-11 11:00"), reason: .consent, regime: .optIn, shows: ["consent_scope": "*", "consent_proof": "web-form-v3"]),
    Row(
        name: "L223-1 (old): consent alone does not replace a Bloctel check in the opt-out regime",
        facts: CallFacts(consents: [consent()]), instant: at("2026-08-10 11:00"), reason: .bloctelUnverified, regime: .optOut,
        shows: ["clearance": "missing"]),
    Row(
        name: "Regime by the consumer's calendar: 19:00 on 10 Aug in Guadeloupe is already 11 Aug in Paris, still opt-out",
        number: Number.guadeloupe, facts: CallFacts(bloctelClearedAsOf: day("2026-08-01")),
        instant: at("2026-08-10 19:00", guadeloupe), reason: .bloctelClear, regime: .optOut,
        shows: ["tz": guadeloupe, "local": "2026-08-10T19:00", "territory": "guadeloupe"]),
    Row(
        name: "Regime by the consumer's calendar: 01:00 on 11 Aug in Réunion is still 10 Aug in Paris, already opt-in",
        number: Number.reunion, facts: CallFacts(bloctelClearedAsOf: day("2026-08-01")), instant: at("2026-08-11 01:00", reunion),
        reason: .noConsent, regime: .optIn, shows: ["tz": reunion, "local": "2026-08-11T01:00"]),
    Row(
        name: "Regime forced to opt-out by configuration after 11 Aug 2026 (replays, audits)",
        facts: CallFacts(bloctelClearedAsOf: day("2026-11-20")), instant: at("2026-11-30 11:00"),
        settings: settings { $0.regime = .optOut }, reason: .bloctelClear, regime: .optOut,
        shows: ["regime_source": "configuration"]),
    Row(
        name: "Regime forced to opt-in by configuration before 11 Aug 2026",
        facts: CallFacts(bloctelClearedAsOf: day("2026-08-01")), instant: at("2026-08-03 11:00"),
        settings: settings { $0.regime = .optIn }, reason: .noConsent, regime: .optIn),
]

@Test("Regime by date of the call: opt-out until 2026-08-10, opt-in from 2026-08-11 (Loi 2025-594 art. 13 III)", arguments: regimeRows)
func regimeByDate(row: Row) throws { try check(row) }

// MARK: - 2.1 / 2.2 Exceptions

let registered = CallFacts(bloctelRegisteredAsOf: day("2026-07-20"))
let telecomContract = ContractRecord(subjects: ["telecom", "internet"], ends: day("2027-06-30"))

let exceptionRows: [Row] = [
    Row(
        name: "L223-1: contract in progress allows a call to a Bloctel-registered number (opt-out)",
        facts: CallFacts(bloctelRegisteredAsOf: day("2026-07-20"), contracts: [telecomContract]),
        instant: at("2026-08-03 11:00"), reason: .contract, rule: "L223-1", regime: .optOut,
        shows: ["contract_subjects": "telecom", "contract_ends": "2027-06-30"]),
    Row(
        name: "L223-1: contract in progress allows a call without consent (opt-in)", facts: CallFacts(contracts: [telecomContract]),
        instant: at("2026-11-30 11:00"), reason: .contract, rule: "L223-1", regime: .optIn),
    Row(
        name: "L223-1: an open-ended contract is in progress", facts: CallFacts(contracts: [ContractRecord(subjects: ["telecom"])]),
        instant: at("2026-11-30 11:00"), reason: .contract, shows: ["contract_ends": "open"]),
    Row(
        name: "L223-1: a contract that ended the day before is no exception",
        facts: CallFacts(contracts: [ContractRecord(subjects: ["telecom"], ends: day("2026-11-29"))]),
        instant: at("2026-11-30 11:00"), reason: .noConsent),
    Row(
        name: "L223-1: a contract about another subject is no exception",
        facts: CallFacts(contracts: [ContractRecord(subjects: ["insurance"])]), instant: at("2026-11-30 11:00"), reason: .noConsent),
    Row(
        name: "L223-5: press allowed to a Bloctel-registered number (opt-out)", campaign: "press", facts: registered,
        instant: at("2026-08-03 11:00"), reason: .exemptPress, rule: "L223-5", regime: .optOut),
    Row(
        name: "L223-5 (unconfirmed in opt-in, default off): press needs consent in the opt-in regime", campaign: "press",
        instant: at("2026-11-30 11:00"), reason: .noConsent),
    Row(
        name: "L223-5 (unconfirmed in opt-in, setting on): press exempt, assumption named", campaign: "press",
        instant: at("2026-11-30 11:00"), settings: settings { $0.pressExceptionInOptIn = true }, reason: .exemptPress,
        rule: "unconfirmed", shows: ["assumption": "press-exception-in-opt-in"]),
    Row(
        name: "Administrative guidance: polling is not prospecting (opt-out)", campaign: "polling", facts: registered,
        instant: at("2026-08-03 11:00"), reason: .exemptPolling, shows: ["assumption": "not-commercial-prospecting"]),
    Row(
        name: "Administrative guidance (unconfirmed in opt-in, default off): a polling call needs consent in the opt-in regime",
        campaign: "polling", instant: at("2026-11-30 11:00"), reason: .noConsent, shows: ["consent": "none"]),
    Row(
        name: "Administrative guidance (unconfirmed in opt-in, default off): a polling call with consent is allowed on it",
        campaign: "polling", facts: CallFacts(consents: [consent()]), instant: at("2026-11-30 11:00"), reason: .consent),
    Row(
        name: "Administrative guidance (unconfirmed in opt-in, setting on): polling exempt, assumptions named", campaign: "polling",
        instant: at("2026-11-30 11:00"), settings: settings { $0.pollingExceptionInOptIn = true }, reason: .exemptPolling,
        rule: "unconfirmed", shows: ["assumption": "not-commercial-prospecting,polling-exception-in-opt-in"]),
    Row(
        name: "Administrative guidance: the opt-in polling setting does not touch the opt-out regime", campaign: "polling",
        facts: registered, instant: at("2026-08-03 11:00"), settings: settings { $0.pollingExceptionInOptIn = true },
        reason: .exemptPolling, shows: ["assumption": "not-commercial-prospecting"]),
    Row(
        name: "Administrative guidance: non-profit without commercial aim (opt-out)", campaign: "charity", facts: registered,
        instant: at("2026-08-03 11:00"), reason: .exemptNonprofit, shows: ["assumption": "not-commercial-prospecting"]),
    Row(
        name: "Administrative guidance (unconfirmed in opt-in, default off): a non-profit call needs consent in the opt-in regime",
        campaign: "charity", instant: at("2026-11-30 11:00"), reason: .noConsent, shows: ["consent": "none"]),
    Row(
        name: "Administrative guidance (unconfirmed in opt-in, setting on): non-profit exempt, assumptions named",
        campaign: "charity", instant: at("2026-11-30 11:00"), settings: settings { $0.nonProfitExceptionInOptIn = true },
        reason: .exemptNonprofit, rule: "unconfirmed",
        shows: ["assumption": "not-commercial-prospecting,non-profit-exception-in-opt-in"]),
    Row(
        name: "Administrative guidance: the polling setting is not the non-profit one", campaign: "charity",
        instant: at("2026-11-30 11:00"), settings: settings { $0.pollingExceptionInOptIn = true }, reason: .noConsent),
    Row(
        name: "Public service (unconfirmed, default on): exempt in the opt-out regime", campaign: "census", facts: registered,
        instant: at("2026-08-03 11:00"), reason: .exemptPublicService, rule: "unconfirmed",
        shows: ["assumption": "public-service-exception"]),
    Row(
        name: "Public service (unconfirmed, default on): exempt in the opt-in regime", campaign: "census",
        instant: at("2026-11-30 11:00"), reason: .exemptPublicService, rule: "unconfirmed"),
    Row(
        name: "Public service (unconfirmed, setting off): needs consent", campaign: "census", instant: at("2026-11-30 11:00"),
        settings: settings { $0.publicServiceException = false }, reason: .noConsent),
    Row(
        name: "Callback request (unconfirmed): a callback consent allows a Bloctel-registered number",
        facts: CallFacts(bloctelRegisteredAsOf: day("2026-07-20"), consents: [consent(.callback)]),
        instant: at("2026-08-03 11:00"), reason: .callbackRequest, rule: "unconfirmed",
        shows: ["consent_kind": "callback", "assumption": "callback-exception"]),
    Row(
        name: "Callback request (unconfirmed): allowed in the opt-in regime", facts: CallFacts(consents: [consent(.callback, scope: "telecom")]),
        instant: at("2026-11-30 11:00"), reason: .callbackRequest, shows: ["consent_scope": "telecom"]),
    Row(
        name: "Callback request (unconfirmed, setting off): a callback consent is not a prospecting consent",
        facts: CallFacts(consents: [consent(.callback)]), instant: at("2026-11-30 11:00"),
        settings: settings { $0.callbackException = false }, reason: .noConsent, shows: ["consent": "none"]),
    Row(
        name: "Callback request: a revoked callback consent allows nothing",
        facts: CallFacts(consents: [consent(.callback, revoked: at("2026-11-01 09:00"))]), instant: at("2026-11-30 11:00"),
        reason: .noConsent),
    Row(
        name: "Callback request: a callback for another campaign allows nothing",
        facts: CallFacts(consents: [consent(.callback, scope: "press")]), instant: at("2026-11-30 11:00"), reason: .noConsent),
    Row(
        name: "D223-9 binds the contract exception: contract call at 21:00 denied", facts: CallFacts(contracts: [telecomContract]),
        instant: at("2026-11-30 21:00"), reason: .outsideHours, rule: "D223-9"),
    Row(
        name: "D223-9 binds the press exception: press call 10 days after a refusal denied", campaign: "press",
        facts: CallFacts(bloctelRegisteredAsOf: day("2026-07-20"), refusals: [at("2026-07-24 15:00")]),
        instant: at("2026-08-03 11:00"), reason: .refusalCooldown, shows: ["refusal_day": "2026-07-24"]),
    Row(
        name: "D223-9 binds the contract exception: a fifth attempt in 30 days denied",
        facts: CallFacts(contracts: [telecomContract], attempts: (1...4).map { at("2026-11-\(10 + $0) 11:00") }),
        instant: at("2026-11-30 11:00"), reason: .frequencyCap, shows: ["attempts_30d": "4"]),
    Row(
        name: "D223-9 binds a polling call: Sunday denied", campaign: "polling", facts: CallFacts(consents: [consent()]),
        instant: at("2026-11-29 11:00"),
        reason: .nonCallingDay),
]

@Test("Exceptions: contract, press, polling, non-profit, public service, callback (L223-1, L223-5)", arguments: exceptionRows)
func exceptions(row: Row) throws { try check(row) }

// MARK: - 2.1 Opt-out regime: Bloctel and operator lists

let bloctelRows: [Row] = [
    Row(
        name: "L223-1: registered on Bloctel by a fresh check denied", facts: registered, instant: at("2026-08-03 11:00"),
        reason: .bloctel, rule: "L223-1", shows: ["bloctel_registered_asof": "2026-07-20"]),
    Row(
        name: "L223-1: registered, then cleared by a newer fresh check: cleared wins",
        facts: CallFacts(bloctelRegisteredAsOf: day("2026-06-01"), bloctelClearedAsOf: day("2026-07-20")),
        instant: at("2026-08-03 11:00"), reason: .bloctelClear),
    Row(
        name: "L223-1: registered and cleared as of the same day: registered wins",
        facts: CallFacts(bloctelRegisteredAsOf: day("2026-07-20"), bloctelClearedAsOf: day("2026-07-20")),
        instant: at("2026-08-03 11:00"), reason: .bloctel),
    Row(
        name: "L223-1: registered by a check newer than the clearance: registered wins",
        facts: CallFacts(bloctelRegisteredAsOf: day("2026-07-25"), bloctelClearedAsOf: day("2026-07-20")),
        instant: at("2026-08-03 11:00"), reason: .bloctel, shows: ["clearance_asof": "2026-07-20"]),
    Row(
        name: "L223-1: an old registration and no newer fresh clearance still denies",
        facts: CallFacts(bloctelRegisteredAsOf: day("2026-03-01"), bloctelClearedAsOf: day("2026-05-01")),
        instant: at("2026-08-03 11:00"), reason: .bloctel),
    Row(
        name: "R223-6: clearance 30 days old is fresh", facts: CallFacts(bloctelClearedAsOf: day("2026-07-04")),
        instant: at("2026-08-03 11:00"), reason: .bloctelClear, rule: "R223-6",
        shows: ["clearance_asof": "2026-07-04", "clearance_age_days": "30"]),
    Row(
        name: "R223-6: clearance 31 days old is stale", facts: CallFacts(bloctelClearedAsOf: day("2026-07-03")),
        instant: at("2026-08-03 11:00"), reason: .bloctelUnverified, rule: "R223-6",
        shows: ["clearance_age_days": "31", "clearance": "stale"]),
    Row(
        name: "R223-6: clearance age counts in the consumer's calendar (Réunion, 30 days)", number: Number.reunion,
        facts: CallFacts(bloctelClearedAsOf: day("2026-07-04")), instant: at("2026-08-03 10:00", reunion), reason: .bloctelClear,
        shows: ["clearance_age_days": "30"]),
    Row(
        name: "R223-6: no clearance: denied, fail closed", instant: at("2026-08-03 11:00"), reason: .bloctelUnverified,
        shows: ["clearance": "missing"]),
    Row(
        name: "R223-6: a clearance dated after the call proves nothing for it", facts: CallFacts(bloctelClearedAsOf: day("2026-08-05")),
        instant: at("2026-08-03 11:00"), reason: .bloctelUnverified, shows: ["clearance": "after-call-day"]),
    Row(
        name: "R223-6: a replay uses the checks that existed on the call's day: cleared in July, registered in November",
        facts: CallFacts(bloctelRegistrations: [day("2026-11-02")], bloctelClearances: [day("2026-07-20")]),
        instant: at("2026-08-03 11:00"), reason: .bloctelClear, shows: ["clearance_asof": "2026-07-20"]),
    Row(
        name: "L223-1: a replay uses the checks that existed on the call's day: registered in July, cleared in November",
        facts: CallFacts(bloctelRegistrations: [day("2026-07-20")], bloctelClearances: [day("2026-11-02")]),
        instant: at("2026-08-03 11:00"), reason: .bloctel, shows: ["bloctel_registered_asof": "2026-07-20"]),
    Row(
        name: "R223-6: of several clearances, the newest one before the call counts",
        facts: CallFacts(bloctelClearances: [day("2026-08-05"), day("2026-07-20"), day("2026-06-01")]),
        instant: at("2026-08-03 11:00"), reason: .bloctelClear, shows: ["clearance_asof": "2026-07-20"]),
    Row(
        name: "Operator anti-prospection list (CPCE R10, opt-out list): denied even with a fresh clearance",
        facts: CallFacts(bloctelClearedAsOf: day("2026-07-20"), operatorOptOutAsOf: day("2026-05-01")),
        instant: at("2026-08-03 11:00"), reason: .operatorList, rule: "CPCE R10", shows: ["operator_list_asof": "2026-05-01"]),
    Row(
        name: "Operator anti-prospection list: a contract in progress still allows",
        facts: CallFacts(operatorOptOutAsOf: day("2026-05-01"), contracts: [telecomContract]), instant: at("2026-08-03 11:00"),
        reason: .contract),
]

@Test("Opt-out regime: Bloctel registration, clearance freshness, operator lists (L223-1, R223-6)", arguments: bloctelRows)
func optOutRegime(row: Row) throws { try check(row) }

// MARK: - 2.2 Opt-in regime: consent

let consentRows: [Row] = [
    Row(
        name: "L223-1 (new): consent for every campaign of the professional", facts: CallFacts(consents: [consent()]),
        instant: at("2026-11-30 11:00"), reason: .consent, rule: "L223-1"),
    Row(
        name: "L223-1 (new): consent for this campaign", facts: CallFacts(consents: [consent(scope: "telecom")]),
        instant: at("2026-11-30 11:00"), reason: .consent, shows: ["consent_scope": "telecom"]),
    Row(
        name: "L223-1 (new): consent revoked before the call", facts: CallFacts(consents: [consent(revoked: at("2026-11-30 10:59"))]),
        instant: at("2026-11-30 11:00"), reason: .noConsent, shows: ["consent": "revoked"]),
    Row(
        name: "L223-1 (new): consent revoked after the call was still valid then",
        facts: CallFacts(consents: [consent(revoked: at("2026-11-30 11:01"))]), instant: at("2026-11-30 11:00"), reason: .consent),
    Row(
        name: "L223-1 (new): consent not yet given at the time of the call",
        facts: CallFacts(consents: [consent(given: at("2026-11-30 11:05"))]), instant: at("2026-11-30 11:00"), reason: .noConsent,
        shows: ["consent": "not-yet-given"]),
    Row(
        name: "L223-1 (new): consent for another campaign's offers", facts: CallFacts(consents: [consent(scope: "insurance")]),
        instant: at("2026-11-30 11:00"), reason: .noConsent, shows: ["consent": "other-scope"]),
    Row(
        name: "L223-1 (new): an off-hours consent is not a consent to prospecting",
        facts: CallFacts(consents: [consent(.offHours)]), instant: at("2026-11-30 11:00"), reason: .noConsent,
        shows: ["consent": "none"]),
    Row(
        name: "L223-1 (new): a Bloctel clearance is no consent", facts: CallFacts(bloctelClearedAsOf: day("2026-11-29")),
        instant: at("2026-11-30 11:00"), reason: .noConsent),
    Row(
        name: "L223-1 (new): Bloctel registration does not matter once consent is given",
        facts: CallFacts(bloctelRegisteredAsOf: day("2026-11-01"), consents: [consent()]), instant: at("2026-11-30 11:00"),
        reason: .consent),
]

@Test("Opt-in regime: prior consent covering the campaign (new C. consom. L223-1)", arguments: consentRows)
func optInRegime(row: Row) throws { try check(row) }

// MARK: - 2.2 Withdrawal of consent

/// A consent for every campaign given long ago, withdrawn on 2026-11-20 for what `scope` names.
func withdrawn(scope: String, change: (inout CallFacts) -> Void = { _ in }) -> CallFacts {
    var facts = CallFacts(consents: [consent()], revocations: [withdrawal(scope: scope, at: at("2026-11-20 09:00"))])
    change(&facts)
    return facts
}

let withdrawalRows: [Row] = [
    Row(
        name: "Withdrawal by campaign: a scope=* consent no longer covers the withdrawn campaign", campaign: "fibre-promo",
        facts: withdrawn(scope: "fibre-promo"), instant: at("2026-11-30 11:00"), reason: .noConsent, rule: "L223-1",
        shows: ["consent": "revoked"]),
    Row(
        name: "Withdrawal by campaign: the scope=* consent still covers the other campaigns", campaign: "mobile-promo",
        facts: withdrawn(scope: "fibre-promo"), instant: at("2026-11-30 11:00"), reason: .consent,
        shows: ["consent_scope": "*"]),
    Row(
        name: "Withdrawal by campaign: it ends a consent of the campaign's offer category too", campaign: "fibre-promo",
        facts: withdrawn(scope: "fibre-promo") { $0.consents = [consent(scope: "telecom")] }, instant: at("2026-11-30 11:00"),
        reason: .noConsent, shows: ["consent": "revoked"]),
    Row(
        name: "Withdrawal by offer category: every campaign offering it loses the scope=* consent", campaign: "fibre-promo",
        facts: withdrawn(scope: "telecom"), instant: at("2026-11-30 11:00"), reason: .noConsent, shows: ["consent": "revoked"]),
    Row(
        name: "Withdrawal by offer category: a campaign of another category keeps the consent", campaign: "home-insurance",
        facts: withdrawn(scope: "telecom"), instant: at("2026-11-30 11:00"), reason: .consent),
    Row(
        name: "Withdrawal by *: it ends a consent given for one campaign", campaign: "fibre-promo",
        facts: withdrawn(scope: "*") { $0.consents = [consent(scope: "fibre-promo")] }, instant: at("2026-11-30 11:00"),
        reason: .noConsent, shows: ["consent": "revoked"]),
    Row(
        name: "Withdrawal by *: it ends every consent for every campaign", campaign: "home-insurance",
        facts: withdrawn(scope: "*") { $0.consents = [consent(), consent(scope: "insurance")] }, instant: at("2026-11-30 11:00"),
        reason: .noConsent, shows: ["consent": "revoked"]),
    Row(
        name: "Withdrawal: a consent given after it counts again", campaign: "fibre-promo",
        facts: withdrawn(scope: "fibre-promo") { $0.consents.append(consent(scope: "fibre-promo", given: at("2026-11-25 09:00"))) },
        instant: at("2026-11-30 11:00"), reason: .consent, shows: ["consent_scope": "fibre-promo"]),
    Row(
        name: "Withdrawal: a consent given at the very instant of the withdrawal is withdrawn (the safe side)",
        campaign: "fibre-promo",
        facts: withdrawn(scope: "fibre-promo") { $0.consents = [consent(given: at("2026-11-20 09:00"))] },
        instant: at("2026-11-30 11:00"), reason: .noConsent, shows: ["consent": "revoked"]),
    Row(
        name: "Withdrawal: a call before the withdrawal was still consented (replay)", campaign: "fibre-promo",
        facts: withdrawn(scope: "fibre-promo"), instant: at("2026-11-19 11:00"), reason: .consent),
    Row(
        name: "Withdrawal: a withdrawal of callback consent leaves the prospecting consent", campaign: "fibre-promo",
        facts: CallFacts(consents: [consent()], revocations: [withdrawal(.callback, scope: "*", at: at("2026-11-20 09:00"))]),
        instant: at("2026-11-30 11:00"), reason: .consent),
    Row(
        name: "Withdrawal: a list consent withdrawn by a ledger revocation for a campaign, the ledger consent for another kept",
        campaign: "fibre-promo",
        facts: CallFacts(
            consents: [consent(), consent(scope: "mobile-promo", given: at("2026-11-02 09:00"))],
            revocations: [withdrawal(scope: "fibre-promo", at: at("2026-11-20 09:00"))]),
        instant: at("2026-11-30 11:00"), reason: .noConsent, shows: ["consent": "revoked"]),
    Row(
        name: "Withdrawal of a callback request for a campaign: the callback exception no longer applies to it",
        campaign: "fibre-promo",
        facts: CallFacts(
            consents: [consent(.callback)], revocations: [withdrawal(.callback, scope: "fibre-promo", at: at("2026-11-20 09:00"))]),
        instant: at("2026-11-30 11:00"), reason: .noConsent),
    Row(
        name: "Withdrawal of off-hours consent for a campaign: 21:00 is outside the hours again", campaign: "fibre-promo",
        facts: allowedFacts("2026-11-30") {
            $0.consents.append(consent(.offHours))
            $0.revocations = [withdrawal(.offHours, scope: "fibre-promo", at: at("2026-11-20 09:00"))]
        },
        instant: at("2026-11-30 21:00"), reason: .outsideHours),
]

@Test("Withdrawal of consent covers every consent given before it, for the calls it names (new C. consom. L223-1)", arguments: withdrawalRows)
func consentWithdrawal(row: Row) throws { try check(row) }

// MARK: - 2.6 Internal do-not-call list

let internalOptOutRows: [Row] = [
    Row(
        name: "RGPD art. 21: internal opt-out beats consent", facts: allowedFacts("2026-11-30") { $0.internalOptOut = .recorded(source: "agent-7", at: ISOInstant.parse("2026-11-27T14:00:00Z")!) },
        instant: at("2026-11-30 11:00"), reason: .internalOptout, rule: "RGPD art. 21",
        shows: ["optout_source": "ledger:agent-7@2026-11-27T14:00:00.000Z"]),
    Row(
        name: "RGPD art. 21: internal opt-out beats a contract in progress",
        facts: CallFacts(internalOptOut: .list(file: "dnc 2026.csv"), contracts: [telecomContract]), instant: at("2026-11-30 11:00"),
        reason: .internalOptout, shows: ["optout_source": "list:dnc 2026.csv"]),
    Row(
        name: "RGPD art. 21: internal opt-out in the opt-out regime beats a fresh clearance",
        facts: allowedFacts("2026-08-01") { $0.internalOptOut = .recorded(source: "agent-7", at: Date(timeIntervalSince1970: 1_790_000_000)) }, instant: at("2026-08-03 11:00"),
        reason: .internalOptout, regime: .optOut),
    Row(
        name: "RGPD art. 21: internal opt-out covers B2B", number: Number.paris, campaign: "b2b-software",
        facts: CallFacts(internalOptOut: .recorded(source: "agent-7", at: Date(timeIntervalSince1970: 1_790_000_000)), businessActivities: ["62.01Z"]), instant: at("2026-11-30 11:00"),
        reason: .internalOptout, regime: .some(nil)),
    Row(
        name: "RGPD art. 21: internal opt-out covers exempt purposes (polling)", campaign: "polling",
        facts: CallFacts(internalOptOut: .recorded(source: "agent-7", at: Date(timeIntervalSince1970: 1_790_000_000))), instant: at("2026-11-30 11:00"), reason: .internalOptout),
]

@Test("Internal do-not-call list: every regime, audience and purpose (RGPD art. 21)", arguments: internalOptOutRows)
func internalOptOut(row: Row) throws { try check(row) }

// MARK: - 2.3 Hours in the consumer's time zone

let slotEdges: [(wall: String, reason: Reason)] = [
    ("09:59", .outsideHours), ("10:00", .consent), ("12:59", .consent), ("13:00", .outsideHours),
    ("13:59", .outsideHours), ("14:00", .consent), ("19:59", .consent), ("20:00", .outsideHours),
]

let hoursRows: [Row] =
    [(Number.paris, paris), (Number.reunion, reunion), (Number.guadeloupe, guadeloupe)].flatMap { number, zone in
        slotEdges.map { edge in
            Row(
                name: "D223-9: \(edge.wall) local in \(zone) is \(edge.reason == .consent ? "inside" : "outside") 10:00-13:00/14:00-20:00",
                number: number, facts: allowedFacts("2026-11-30"), instant: at("2026-11-30 \(edge.wall)", zone),
                reason: edge.reason, shows: ["tz": zone, "local": "2026-11-30T\(edge.wall)"])
        }
    } + [
        Row(
            name: "D223-9: 12:59:59 is still before 13:00", facts: allowedFacts("2026-11-30"),
            instant: at("2026-11-30 12:59:59"), reason: .consent),
        Row(
            name: "D223-9: Réunion 21:00 local is 18:00 in Paris, still outside its hours", number: Number.reunion,
            facts: allowedFacts("2026-11-30"), instant: at("2026-11-30 21:00", reunion), reason: .outsideHours,
            rule: "D223-9", shows: ["calling_slots": "10:00-13:00,14:00-20:00"]),
        Row(
            name: "D223-9: Guadeloupe 09:00 local is 14:00 in Paris, still outside its hours", number: Number.guadeloupe,
            facts: allowedFacts("2026-11-30"), instant: at("2026-11-30 09:00", guadeloupe), reason: .outsideHours),
        Row(
            name: "D223-9: Mayotte 10:00 local", number: Number.mayotte, facts: allowedFacts("2026-11-30"),
            instant: at("2026-11-30 10:00", mayotte), reason: .consent, shows: ["tz": mayotte]),
        Row(
            name: "D223-9: Martinique 19:59 local", number: Number.martinique, facts: allowedFacts("2026-11-30"),
            instant: at("2026-11-30 19:59", martinique), reason: .consent, shows: ["tz": martinique]),
        Row(
            name: "D223-9: Guyane 20:00 local", number: Number.guyane, facts: allowedFacts("2026-11-30"),
            instant: at("2026-11-30 20:00", cayenne), reason: .outsideHours, shows: ["tz": cayenne]),
        Row(
            name: "D223-9: Paris in summer time, 10:00 local", facts: allowedFacts("2026-07-01"), instant: at("2026-07-01 10:00"),
            reason: .bloctelClear, shows: ["local": "2026-07-01T10:00"]),
        Row(
            name: "D223-9: express consent to be called off hours allows 21:00",
            facts: allowedFacts("2026-11-30") { $0.consents.append(consent(.offHours)) }, instant: at("2026-11-30 21:00"),
            reason: .consent, shows: ["off_hours_consent_scope": "*"]),
        Row(
            name: "D223-9: an off-hours consent for another campaign does not",
            facts: allowedFacts("2026-11-30") { $0.consents.append(consent(.offHours, scope: "press")) },
            instant: at("2026-11-30 21:00"), reason: .outsideHours),
        Row(
            name: "D223-9: a revoked off-hours consent does not",
            facts: allowedFacts("2026-11-30") { $0.consents.append(consent(.offHours, revoked: at("2026-11-01 12:00"))) },
            instant: at("2026-11-30 21:00"), reason: .outsideHours),
    ]

@Test("Hours: 10:00-13:00 and 14:00-20:00 in the consumer's time zone (C. consom. D223-9)", arguments: hoursRows)
func callingHours(row: Row) throws { try check(row) }

// MARK: - 2.3 Days: weekends and public holidays

let weekendRows: [Row] = [
    Row(
        name: "D223-9: Saturday denied", facts: allowedFacts("2026-11-28"), instant: at("2026-11-28 11:00"),
        reason: .nonCallingDay, rule: "D223-9", shows: ["weekday": "saturday"]),
    Row(
        name: "D223-9: Sunday denied", facts: allowedFacts("2026-11-29"), instant: at("2026-11-29 11:00"), reason: .nonCallingDay,
        shows: ["weekday": "sunday"]),
    Row(
        name: "D223-9: Friday allowed", facts: allowedFacts("2026-11-27"), instant: at("2026-11-27 11:00"), reason: .consent),
    Row(
        name: "D223-9: Sunday 19:30 in Guadeloupe is Monday 00:30 in Paris, still Sunday for the consumer",
        number: Number.guadeloupe, facts: allowedFacts("2026-11-29"), instant: at("2026-11-29 19:30", guadeloupe),
        reason: .nonCallingDay, shows: ["weekday": "sunday"]),
    Row(
        name: "D223-9: Friday 19:30 in Guadeloupe is Saturday 00:30 in Paris, still Friday for the consumer",
        number: Number.guadeloupe, facts: allowedFacts("2026-11-27"), instant: at("2026-11-27 19:30", guadeloupe),
        reason: .consent, shows: ["local": "2026-11-27T19:30"]),
    Row(
        name: "D223-9: express consent to be called off hours allows Saturday",
        facts: allowedFacts("2026-11-28") { $0.consents.append(consent(.offHours)) }, instant: at("2026-11-28 11:00"),
        reason: .consent, shows: ["weekday": "saturday", "off_hours_consent_scope": "*"]),
]

@Test("Days: Monday to Friday only (C. consom. D223-9)", arguments: weekendRows)
func weekends(row: Row) throws { try check(row) }

/// Every public holiday of 2026 and 2027 (Code du travail L3133-1), and the reason the day
/// after gets: allowed on a weekday, `non-calling-day` on a weekend.
let nationalHolidays: [(day: String, name: String, dayAfter: Reason)] = [
    ("2026-01-01", "new-years-day", .bloctelClear),
    ("2026-04-06", "easter-monday", .bloctelClear),
    ("2026-05-01", "labour-day", .nonCallingDay),
    ("2026-05-08", "victory-in-europe-day", .nonCallingDay),
    ("2026-05-14", "ascension", .bloctelClear),
    ("2026-05-25", "whit-monday", .bloctelClear),
    ("2026-07-14", "national-day", .bloctelClear),
    ("2026-08-15", "assumption", .nonCallingDay),
    ("2026-11-01", "all-saints-day", .consent),
    ("2026-11-11", "armistice-day", .consent),
    ("2026-12-25", "christmas-day", .nonCallingDay),
    ("2027-01-01", "new-years-day", .nonCallingDay),
    ("2027-03-29", "easter-monday", .consent),
    ("2027-05-01", "labour-day", .nonCallingDay),
    ("2027-05-06", "ascension", .consent),
    ("2027-05-08", "victory-in-europe-day", .nonCallingDay),
    ("2027-05-17", "whit-monday", .consent),
    ("2027-07-14", "national-day", .consent),
    ("2027-08-15", "assumption", .consent),
    ("2027-11-01", "all-saints-day", .consent),
    ("2027-11-11", "armistice-day", .consent),
    ("2027-12-25", "christmas-day", .nonCallingDay),
]

let holidayRows: [Row] =
    nationalHolidays.flatMap { holiday in
        let after = day(holiday.day).adding(days: 1).description
        return [
            Row(
                name: "D223-9, Code du travail L3133-1: \(holiday.name) \(holiday.day) denied", facts: allowedFacts(holiday.day),
                instant: at("\(holiday.day) 11:00"), reason: .holiday, rule: "L3133-1", shows: ["holiday": holiday.name]),
            Row(
                name: "D223-9, Code du travail L3133-1: the day after \(holiday.name) \(holiday.day) is no holiday",
                facts: allowedFacts(after), instant: at("\(after) 11:00"), reason: holiday.dayAfter),
        ]
    } + [
        Row(
            name: "L3133-1: holidays hold overseas too (Réunion, 14 July)", number: Number.reunion, facts: allowedFacts("2026-07-14"),
            instant: at("2026-07-14 11:00", reunion), reason: .holiday, shows: ["holiday": "national-day"]),
        Row(
            name: "D223-9: +590 is shared with Saint-Martin, so 28 May is denied for every +590 number (fail closed)",
            number: Number.guadeloupe, facts: allowedFacts("2026-05-28"), instant: at("2026-05-28 11:00", guadeloupe),
            reason: .holiday, shows: ["holiday": "abolition-of-slavery-saint-martin"]),
        Row(
            name: "D223-9: +590 is shared with Saint-Barthélemy, so 9 October is denied for every +590 number (fail closed)",
            number: Number.guadeloupe, facts: allowedFacts("2026-10-09"), instant: at("2026-10-09 11:00", guadeloupe),
            reason: .holiday, shows: ["holiday": "abolition-of-slavery-saint-barthelemy"]),
        Row(
            name: "D223-9: Martinique keeps its own abolition day only: 9 October is a working day there",
            number: Number.martinique, facts: allowedFacts("2026-10-09"), instant: at("2026-10-09 11:00", martinique),
            reason: .consent),
        Row(
            name: "D223-9: express consent to be called off hours allows a holiday",
            facts: allowedFacts("2026-11-11") { $0.consents.append(consent(.offHours)) }, instant: at("2026-11-11 11:00"),
            reason: .consent, shows: ["holiday": "armistice-day"]),
        // Alsace-Moselle
        Row(
            name: "Alsace-Moselle (setting on): Good Friday 2026-04-03 denied", facts: allowedFacts("2026-04-03"),
            instant: at("2026-04-03 11:00"), settings: settings { $0.alsaceMoselleHolidays = true }, reason: .holiday,
            shows: ["holiday": "good-friday"]),
        Row(
            name: "Alsace-Moselle (setting on): 26 Dec 2025 denied", facts: allowedFacts("2025-12-26"), instant: at("2025-12-26 11:00"),
            settings: settings { $0.alsaceMoselleHolidays = true }, reason: .holiday, shows: ["holiday": "saint-stephens-day"]),
        Row(
            name: "Alsace-Moselle (setting off, default): Good Friday is a working day", facts: allowedFacts("2026-04-03"),
            instant: at("2026-04-03 11:00"), reason: .bloctelClear),
        Row(
            name: "Alsace-Moselle (setting off, default): 26 Dec 2025 is a working day", facts: allowedFacts("2025-12-26"),
            instant: at("2025-12-26 11:00"), reason: .bloctelClear),
        Row(
            name: "Alsace-Moselle days are metropolitan only: Good Friday in Réunion is a working day", number: Number.reunion,
            facts: allowedFacts("2026-04-03"), instant: at("2026-04-03 11:00", reunion),
            settings: settings { $0.alsaceMoselleHolidays = true }, reason: .bloctelClear),
        // Overseas days of the abolition of slavery
        Row(
            name: "Abolition of slavery: Mayotte 27 April", number: Number.mayotte, facts: allowedFacts("2026-04-27"),
            instant: at("2026-04-27 11:00", mayotte), reason: .holiday, shows: ["holiday": "abolition-of-slavery"]),
        Row(
            name: "Abolition of slavery: Martinique 22 May", number: Number.martinique, facts: allowedFacts("2026-05-22"),
            instant: at("2026-05-22 11:00", martinique), reason: .holiday, shows: ["holiday": "abolition-of-slavery"]),
        Row(
            name: "Abolition of slavery: Guadeloupe 27 May", number: Number.guadeloupe, facts: allowedFacts("2026-05-27"),
            instant: at("2026-05-27 11:00", guadeloupe), reason: .holiday, shows: ["holiday": "abolition-of-slavery"]),
        Row(
            name: "Abolition of slavery: Guyane 10 June", number: Number.guyane, facts: allowedFacts("2026-06-10"),
            instant: at("2026-06-10 11:00", cayenne), reason: .holiday, shows: ["holiday": "abolition-of-slavery"]),
        Row(
            name: "Abolition of slavery: Réunion 20 December", number: Number.reunion, facts: allowedFacts("2027-12-20"),
            instant: at("2027-12-20 11:00", reunion), reason: .holiday, shows: ["holiday": "abolition-of-slavery"]),
        Row(
            name: "Abolition of slavery is local: Guadeloupe's day is a working day in Paris", facts: allowedFacts("2026-05-27"),
            instant: at("2026-05-27 11:00"), reason: .bloctelClear),
        Row(
            name: "Abolition of slavery is local: Guadeloupe's day is a working day in Martinique", number: Number.martinique,
            facts: allowedFacts("2026-05-27"), instant: at("2026-05-27 11:00", martinique), reason: .bloctelClear),
        Row(
            name: "Abolition of slavery is local: Réunion's day is a working day in Mayotte", number: Number.mayotte,
            facts: allowedFacts("2027-12-20"), instant: at("2027-12-20 11:00", mayotte), reason: .consent),
    ]

@Test("Days: no calls on public holidays of the consumer's territory (D223-9, Code du travail L3133-1)", arguments: holidayRows)
func publicHolidays(row: Row) throws { try check(row) }

// MARK: - 2.3 Frequency and refusals

let frequencyRows: [Row] = [
    Row(
        name: "D223-9: 3 earlier attempts in 30 days, a 4th allowed",
        facts: allowedFacts("2026-11-30") { $0.attempts = [at("2026-11-02 11:00"), at("2026-11-16 11:00"), at("2026-11-30 10:30")] },
        instant: at("2026-11-30 11:00"), reason: .consent, shows: ["attempts_30d": "3"]),
    Row(
        name: "D223-9: 4 earlier attempts in 30 days, a 5th denied",
        facts: allowedFacts("2026-11-30") {
            $0.attempts = [at("2026-11-02 11:00"), at("2026-11-09 11:00"), at("2026-11-16 11:00"), at("2026-11-30 10:30")]
        },
        instant: at("2026-11-30 11:00"), reason: .frequencyCap, rule: "D223-9", shows: ["attempts_30d": "4", "max_attempts": "4"]),
    Row(
        name: "D223-9: an attempt 31 days ago is not counted",
        facts: allowedFacts("2026-11-30") {
            $0.attempts = [at("2026-10-30 11:00"), at("2026-11-09 11:00"), at("2026-11-16 11:00"), at("2026-11-23 10:30")]
        },
        instant: at("2026-11-30 11:00"), reason: .consent, shows: ["attempts_30d": "3"]),
    Row(
        name: "D223-9: 30 calendar days include today: an attempt 30 days ago is not counted",
        facts: allowedFacts("2026-11-30") {
            $0.attempts = [at("2026-10-31 11:00"), at("2026-11-09 11:00"), at("2026-11-16 11:00"), at("2026-11-23 10:30")]
        },
        instant: at("2026-11-30 11:00"), reason: .consent, shows: ["attempts_30d": "3"]),
    Row(
        name: "D223-9: an attempt 29 days ago is counted",
        facts: allowedFacts("2026-11-30") {
            $0.attempts = [at("2026-11-01 11:00"), at("2026-11-09 11:00"), at("2026-11-16 11:00"), at("2026-11-23 10:30")]
        },
        instant: at("2026-11-30 11:00"), reason: .frequencyCap),
    Row(
        name: "D223-9: attempts count by the consumer's local day (00:30 in Paris is the day before in UTC)",
        facts: allowedFacts("2026-11-30") {
            $0.attempts = [at("2026-11-01 00:30"), at("2026-11-09 11:00"), at("2026-11-16 11:00"), at("2026-11-23 10:30")]
        },
        instant: at("2026-11-30 11:00"), reason: .frequencyCap, shows: ["attempts_30d": "4"]),
    Row(
        name: "D223-9 (unconfirmed, setting on): consent lifts the frequency cap, assumption named",
        facts: allowedFacts("2026-11-30") { $0.attempts = (1...6).map { at("2026-11-\(20 + $0) 11:00") } },
        instant: at("2026-11-30 11:00"), settings: settings { $0.consentLiftsFrequencyAndRefusal = true }, reason: .consent,
        shows: ["assumption": "consent-lifts-frequency-and-refusal"]),
    Row(
        name: "D223-9 (unconfirmed, setting on): the lift is for consent only, not a contract",
        facts: CallFacts(contracts: [telecomContract], attempts: (1...6).map { at("2026-11-\(20 + $0) 11:00") }),
        instant: at("2026-11-30 11:00"), settings: settings { $0.consentLiftsFrequencyAndRefusal = true }, reason: .frequencyCap),
]

@Test("Frequency: at most 4 calls or attempts per 30 calendar days (C. consom. D223-9)", arguments: frequencyRows)
func frequencyCap(row: Row) throws { try check(row) }

/// A refusal on Friday 2026-10-02: day 59 after is Monday 2026-11-30.
let refusal = at("2026-10-02 15:00")

let refusalRows: [Row] = [
    Row(
        name: "D223-9: same day as the refusal denied", facts: allowedFacts("2026-10-02") { $0.refusals = [refusal] },
        instant: at("2026-10-02 17:00"), reason: .refusalCooldown, rule: "D223-9"),
    Row(
        name: "D223-9: day 59 after a refusal denied", facts: allowedFacts("2026-11-30") { $0.refusals = [refusal] },
        instant: at("2026-11-30 11:00"), reason: .refusalCooldown,
        shows: ["refusal_day": "2026-10-02", "quiet_until": "2026-12-01"]),
    Row(
        name: "D223-9: day 60 after a refusal denied", facts: allowedFacts("2026-12-01") { $0.refusals = [refusal] },
        instant: at("2026-12-01 11:00"), reason: .refusalCooldown),
    Row(
        name: "D223-9: day 61 after a refusal allowed", facts: allowedFacts("2026-12-02") { $0.refusals = [refusal] },
        instant: at("2026-12-02 11:00"), reason: .consent),
    Row(
        name: "D223-9: refusal days count locally (21:00 in Guadeloupe is the next day in UTC): day 61 allowed",
        number: Number.guadeloupe, facts: allowedFacts("2026-12-02") { $0.refusals = [at("2026-10-02 21:00", guadeloupe)] },
        instant: at("2026-12-02 11:00", guadeloupe), reason: .consent),
    Row(
        name: "D223-9: the latest refusal counts",
        facts: allowedFacts("2026-12-02") { $0.refusals = [at("2026-06-01 11:00"), refusal, at("2026-10-20 11:00")] },
        instant: at("2026-12-02 11:00"), reason: .refusalCooldown, shows: ["refusal_day": "2026-10-20"]),
    Row(
        name: "D223-9 (unconfirmed, setting off, default): consent does not lift the refusal quiet days",
        facts: allowedFacts("2026-11-30") { $0.refusals = [refusal] }, instant: at("2026-11-30 11:00"), reason: .refusalCooldown),
    Row(
        name: "D223-9 (unconfirmed, setting on): consent lifts the refusal quiet days",
        facts: allowedFacts("2026-11-30") { $0.refusals = [refusal] }, instant: at("2026-11-30 11:00"),
        settings: settings { $0.consentLiftsFrequencyAndRefusal = true }, reason: .consent,
        shows: ["assumption": "consent-lifts-frequency-and-refusal"]),
]

@Test("Refusal: no contact for 60 full calendar days after a refusal (C. consom. D223-9)", arguments: refusalRows)
func refusalCooldown(row: Row) throws { try check(row) }

// MARK: - 2.4 Sector bans

let sectorBanRows: [Row] = [
    Row(
        name: "L223-1: energy renovation banned in the opt-out regime", campaign: "renovation", facts: allowedFacts("2026-08-03"),
        instant: at("2026-08-03 11:00"), reason: .sectorBan, rule: "L223-1", shows: ["banned_category": "energy-renovation"]),
    Row(
        name: "L223-1: energy renovation banned in the opt-in regime, consent or not", campaign: "renovation",
        facts: allowedFacts("2026-11-30"), instant: at("2026-11-30 11:00"), reason: .sectorBan),
    Row(
        name: "L223-1: energy renovation within a contract in progress about it allowed", campaign: "renovation",
        facts: CallFacts(contracts: [ContractRecord(subjects: ["energy-renovation"])]), instant: at("2026-11-30 11:00"),
        reason: .contract, shows: ["sector_ban_lifted_by_contract": "energy-renovation"]),
    Row(
        name: "L223-1: a contract about something else does not lift the ban", campaign: "renovation",
        facts: allowedFacts("2026-11-30") { $0.contracts = [telecomContract] }, instant: at("2026-11-30 11:00"), reason: .sectorBan),
    Row(
        name: "L223-1: renewable energy allowed until 2026-08-10", campaign: "solar", facts: allowedFacts("2026-08-10"),
        instant: at("2026-08-10 11:00"), reason: .bloctelClear),
    Row(
        name: "L223-1: renewable energy banned from 2026-08-11", campaign: "solar", facts: allowedFacts("2026-08-11"),
        instant: at("2026-08-11 11:00"), reason: .sectorBan, shows: ["banned_category": "renewable-energy", "ban_since": "2026-08-11"]),
    Row(
        name: "L223-1: renewable energy ban starts on the consumer's day (Guadeloupe, 10 Aug 19:00 = 11 Aug in Paris)",
        number: Number.guadeloupe, campaign: "solar", facts: allowedFacts("2026-08-10"),
        instant: at("2026-08-10 19:00", guadeloupe), reason: .bloctelClear),
    Row(
        name: "L223-1: housing adaptation banned from 2026-08-11", campaign: "stairlift", facts: allowedFacts("2026-11-30"),
        instant: at("2026-11-30 11:00"), reason: .sectorBan, shows: ["banned_category": "home-adaptation"]),
    Row(
        name: "Code du travail L6323-8-1: CPF training by phone banned", campaign: "cpf", facts: allowedFacts("2026-11-30"),
        instant: at("2026-11-30 11:00"), reason: .sectorBan, rule: "L6323-8-1"),
    Row(
        name: "Code du travail L6323-8-1: CPF within a training under way allowed", campaign: "cpf",
        facts: CallFacts(contracts: [ContractRecord(subjects: ["cpf-training"], ends: day("2027-03-31"))]),
        instant: at("2026-11-30 11:00"), reason: .contract),
    Row(
        name: "Sector bans apply to B2B too (before the coherence rule)", campaign: "b2b-renovation",
        facts: CallFacts(businessActivities: ["energy-renovation"]), instant: at("2026-11-30 11:00"), reason: .sectorBan,
        regime: .some(nil)),
]

@Test("Sector bans: energy renovation, renewable energy, housing adaptation, CPF (L223-1, L6323-8-1)", arguments: sectorBanRows)
func sectorBans(row: Row) throws { try check(row) }

@Test("Code du travail L6323-8-1: the CPF ban covers SMS and e-mail too; L223-1's bans cover voice only")
func sectorBanChannels() throws {
    let bans = Dictionary(uniqueKeysWithValues: PolicySettings().sectorBans.map { ($0.category, $0) })
    let cpf = try #require(bans["cpf-training"])
    let renovation = try #require(bans["energy-renovation"])
    let renewable = try #require(bans["renewable-energy"])
    for channel in Campaign.Channel.allCases {
        #expect(cpf.isInForce(on: day("2026-01-05"), channel: channel))
    }
    #expect(renovation.isInForce(on: day("2026-01-05"), channel: .voice))
    #expect(!renovation.isInForce(on: day("2026-01-05"), channel: .sms))
    #expect(!renewable.isInForce(on: day("2026-08-10"), channel: .voice))
    #expect(renewable.isInForce(on: day("2026-08-11"), channel: .voice))
    // This rule pack decides voice calls only: an SMS campaign is refused before the ban.
    let policy = Policy(settings: settings(), campaigns: campaigns)
    let decision = policy.decide(
        number: try PhoneNumber(parsing: Number.paris), campaignID: "cpf-sms", facts: CallFacts(), at: at("2026-11-30 11:00"))
    #expect(decision.reason == .channelNotAllowed)
}

// MARK: - 2.5 Professionals (B2B)

let businessRows: [Row] = [
    Row(
        name: "CNIL B2B: an IT company called about software is coherent (NAF prefix)", campaign: "b2b-software",
        facts: CallFacts(businessActivities: ["62.01Z"]), instant: at("2026-11-30 11:00"), reason: .b2bCoherent, rule: "CNIL",
        regime: .some(nil), shows: ["offers": "software", "coherent_activity": "62.01Z"]),
    Row(
        name: "CNIL B2B: an activity tag equal to the offer is coherent", campaign: "b2b-software",
        facts: CallFacts(businessActivities: ["bakery", "software"]), instant: at("2026-11-30 11:00"), reason: .b2bCoherent),
    Row(
        name: "CNIL B2B: a bakery called about software is incoherent", campaign: "b2b-software",
        facts: CallFacts(businessActivities: ["10.71C"]), instant: at("2026-11-30 11:00"), reason: .b2bIncoherent, rule: "CNIL",
        shows: ["activities": "10.71C"]),
    Row(
        name: "CNIL B2B: unknown activity denied", campaign: "b2b-software", instant: at("2026-11-30 11:00"),
        reason: .b2bUnknownActivity, rule: "CNIL"),
    Row(
        name: "CNIL B2B: an empty activity list is unknown", campaign: "b2b-software", facts: CallFacts(businessActivities: []),
        instant: at("2026-11-30 11:00"), reason: .b2bUnknownActivity),
    Row(
        name: "CNIL B2B: consumer rules do not apply (Bloctel-registered, Sunday 21:00, 5 attempts)", campaign: "b2b-software",
        facts: CallFacts(
            bloctelRegisteredAsOf: day("2026-11-01"), businessActivities: ["62.02A"],
            attempts: (1...5).map { at("2026-11-\(20 + $0) 11:00") }, refusals: [at("2026-11-28 11:00")]),
        instant: at("2026-11-29 21:00"), reason: .b2bCoherent),
    Row(
        name: "CNIL B2B: a professional abroad is judged on coherence alone", number: Number.london, campaign: "b2b-software",
        facts: CallFacts(businessActivities: ["58.29C"]), instant: at("2026-11-30 11:00"), reason: .b2bCoherent,
        shows: ["territory": "foreign"]),
]

@Test("B2B: the call must be coherent with the contact's activity (CNIL)", arguments: businessRows)
func business(row: Row) throws { try check(row) }

// MARK: - 1. Request and campaign

let requestRows: [Row] = [
    Row(
        name: "Campaign configuration: unknown campaign denied, fail closed", campaign: "nope",
        facts: allowedFacts("2026-11-30"), instant: at("2026-11-30 11:00"), reason: .unknownCampaign, regime: .some(nil), shows: ["campaign": "nope"]),
    Row(
        name: "Campaign configuration: before the campaign's start denied", campaign: "winter", facts: allowedFacts("2026-11-30"),
        instant: at("2026-11-30 11:00"), reason: .campaignInactive, shows: ["campaign_start": "2026-12-01"]),
    Row(
        name: "Campaign configuration: on the start day allowed", campaign: "winter", facts: allowedFacts("2026-12-01"),
        instant: at("2026-12-01 11:00"), reason: .consent),
    Row(
        name: "Campaign configuration: after the campaign's end denied", campaign: "winter", facts: allowedFacts("2027-03-01"),
        instant: at("2027-03-01 11:00"), reason: .campaignInactive, shows: ["campaign_end": "2027-02-28"]),
    Row(
        name: "Campaign configuration: start counts in the consumer's calendar (Guadeloupe 30 Nov 22:00 = 1 Dec in Paris)",
        number: Number.guadeloupe, campaign: "winter", facts: allowedFacts("2026-11-30"),
        instant: at("2026-11-30 22:00", guadeloupe), reason: .campaignInactive),
    Row(
        name: "Voice only: an SMS request for a voice campaign denied", channel: .sms, facts: allowedFacts("2026-11-30"),
        instant: at("2026-11-30 11:00"), reason: .channelNotAllowed, shows: ["channel": "sms", "campaign_channel": "voice"]),
    Row(
        name: "Voice only: an SMS campaign is not decided by this rule pack", campaign: "sms-promo", facts: allowedFacts("2026-11-30"),
        instant: at("2026-11-30 11:00"), reason: .channelNotAllowed, rule: "voice"),
    Row(
        name: "Voice only: a voice request for a voice campaign allowed", channel: .voice, facts: allowedFacts("2026-11-30"),
        instant: at("2026-11-30 11:00"), reason: .consent),
    Row(
        name: "French numbering plan: a consumer number abroad is not covered", number: Number.london,
        facts: allowedFacts("2026-11-30"), instant: at("2026-11-30 11:00"), reason: .territoryNotCovered,
        shows: ["territory": "foreign", "tz": "unknown", "calendar_tz": paris]),
]

@Test("Request: campaign known and active, voice channel, French territory", arguments: requestRows)
func request(row: Row) throws { try check(row) }

// MARK: - Precedence: the first denying rule in Reason's order wins

let precedenceRows: [Row] = [
    Row(
        name: "Precedence: Bloctel-registered number at 21:00 is bloctel, not outside-hours", facts: registered,
        instant: at("2026-08-03 21:00"), reason: .bloctel),
    Row(
        name: "Precedence: internal opt-out with consent is internal-optout",
        facts: CallFacts(internalOptOut: .recorded(source: "agent-7", at: Date(timeIntervalSince1970: 1_790_000_000)), consents: [consent()]), instant: at("2026-11-30 11:00"), reason: .internalOptout),
    Row(
        name: "Precedence: campaign-inactive before internal-optout", campaign: "winter",
        facts: CallFacts(internalOptOut: .recorded(source: "agent-7", at: Date(timeIntervalSince1970: 1_790_000_000))), instant: at("2026-11-30 11:00"), reason: .campaignInactive),
    Row(
        name: "Precedence: channel-not-allowed before internal-optout", channel: .email, facts: CallFacts(internalOptOut: .recorded(source: "agent-7", at: Date(timeIntervalSince1970: 1_790_000_000))),
        instant: at("2026-11-30 11:00"), reason: .channelNotAllowed),
    Row(
        name: "Precedence: internal-optout before sector-ban", campaign: "renovation", facts: CallFacts(internalOptOut: .recorded(source: "agent-7", at: Date(timeIntervalSince1970: 1_790_000_000))),
        instant: at("2026-11-30 11:00"), reason: .internalOptout),
    Row(
        name: "Precedence: sector-ban before territory-not-covered", number: Number.london, campaign: "renovation",
        instant: at("2026-11-30 11:00"), reason: .sectorBan),
    Row(
        name: "Precedence: sector-ban before no-consent", campaign: "cpf", instant: at("2026-11-30 11:00"), reason: .sectorBan),
    Row(
        name: "Precedence: bloctel before operator-list",
        facts: CallFacts(bloctelRegisteredAsOf: day("2026-07-20"), operatorOptOutAsOf: day("2026-01-01")),
        instant: at("2026-08-03 11:00"), reason: .bloctel),
    Row(
        name: "Precedence: operator-list before bloctel-unverified", facts: CallFacts(operatorOptOutAsOf: day("2026-01-01")),
        instant: at("2026-08-03 11:00"), reason: .operatorList),
    Row(
        name: "Precedence: no-consent before refusal-cooldown, frequency-cap, holiday and outside-hours",
        facts: CallFacts(attempts: (1...5).map { at("2026-12-\(20 + $0) 11:00") }, refusals: [at("2026-12-20 11:00")]),
        instant: at("2026-12-25 21:00"), reason: .noConsent),
    Row(
        name: "Precedence: refusal-cooldown before frequency-cap",
        facts: allowedFacts("2026-11-30") {
            $0.attempts = (1...5).map { at("2026-11-\(20 + $0) 11:00") }
            $0.refusals = [at("2026-11-25 11:00")]
        },
        instant: at("2026-11-30 11:00"), reason: .refusalCooldown),
    Row(
        name: "Precedence: frequency-cap before holiday",
        facts: allowedFacts("2026-12-25") { $0.attempts = (1...4).map { at("2026-12-\(20 + $0) 11:00") } },
        instant: at("2026-12-25 11:00"), reason: .frequencyCap),
    Row(
        name: "Precedence: holiday before non-calling-day (Assumption on a Saturday)", facts: allowedFacts("2026-08-15"),
        instant: at("2026-08-15 11:00"), reason: .holiday),
    Row(
        name: "Precedence: holiday before outside-hours", facts: allowedFacts("2026-12-25"), instant: at("2026-12-25 21:00"),
        reason: .holiday),
    Row(
        name: "Precedence: non-calling-day before outside-hours", facts: allowedFacts("2026-11-28"), instant: at("2026-11-28 21:00"),
        reason: .nonCallingDay),
]

@Test("Precedence: when several rules deny, the first in Reason's DENY order is the reason", arguments: precedenceRows)
func precedence(row: Row) throws { try check(row) }

@Test("Reason's DENY cases are declared in the order the policy checks them")
func denyOrder() {
    let denyOrder = Reason.allCases.filter { $0.verdict == .deny }.prefix(19)
    #expect(
        Array(denyOrder) == [
            .invalidNumber, .unknownCampaign, .campaignInactive, .channelNotAllowed, .internalOptout, .sectorBan,
            .b2bUnknownActivity, .b2bIncoherent, .territoryNotCovered, .bloctel, .operatorList, .bloctelUnverified,
            .noConsent, .refusalCooldown, .frequencyCap, .holiday, .nonCallingDay, .outsideHours, .listsUnavailable,
        ])
}

// MARK: - The policy's other entry points

@Test("Invalid number: DENY with what was wrong, never ALLOW (compliance.md 1)")
func invalidNumber() {
    let cases: [(String, String)] = [("06 12 3x 56 78", "invalid-character"), ("", "empty"), ("06 12", "too-few-digits")]
    for (text, token) in cases {
        do {
            _ = try PhoneNumber(parsing: text)
            Issue.record("\(text) parsed")
        } catch {
            let decision = Policy.invalidNumber(error)
            #expect(decision.reason == .invalidNumber)
            #expect(decision.verdict == .deny)
            #expect(decision.facts.first == Fact("error", token))
        }
    }
    #expect(Policy.invalidNumber(PhoneNumberError(.invalidCharacter("x"), at: 6)).facts.contains(Fact("position", "6")))
    #expect(
        Policy.invalidNumber(PhoneNumberError(.notDialable("no country code"))).facts == [
            Fact("error", "not-dialable"), Fact("detail", "no country code"),
        ])
}

@Test("Campaign lookup returns the configured campaign")
func campaignLookup() {
    let policy = Policy(settings: settings(), campaigns: campaigns)
    #expect(policy.campaign("press")?.purpose == .press)
    #expect(policy.campaign("nope") == nil)
}

@Test("A decision is a pure function of request, facts and instant")
func pureDecision() throws {
    let policy = Policy(settings: settings(), campaigns: campaigns)
    let number = try PhoneNumber(parsing: Number.reunion)
    let facts = allowedFacts("2026-11-30") { $0.attempts = [at("2026-11-20 11:00", reunion)] }
    let first = policy.decide(number: number, campaignID: "telecom", facts: facts, at: at("2026-11-30 11:00", reunion))
    let second = policy.decide(number: number, campaignID: "telecom", facts: facts, at: at("2026-11-30 11:00", reunion))
    #expect(first == second)
    #expect(first.reason == .consent)
    #expect(first.facts.starts(with: [
        Fact("regime", "opt-in"), Fact("regime_source", "date"), Fact("territory", "reunion"), Fact("tz", reunion),
        Fact("local", "2026-11-30T11:00"),
    ]))
}

@Suite("The facts of a call")
struct CallFactsMergingTests {
    @Test("one constructor merges list and ledger facts: a recorded opt-out is typed, withdrawals end list consents too")
    func listAndLedgerFactsMerge() {
        let objected = Date(timeIntervalSince1970: 1_796_000_000)
        let listConsent = ConsentRecord(kind: .prospecting, scope: "*", givenAt: Date(timeIntervalSince1970: 1_790_000_000), proof: "form")
        let withdrawal = ConsentRevocation(kind: .prospecting, scope: "*", at: Date(timeIntervalSince1970: 1_795_000_000))
        let merged = CallFacts(
            lists: CallFacts(consents: [listConsent]),
            ledger: LedgerFacts(
                internalOptOut: objected, internalOptOutSource: "agent-42", revocations: [withdrawal],
                attempts: [objected], refusals: []))
        #expect(merged.internalOptOut == .recorded(source: "agent-42", at: objected))
        #expect(merged.internalOptOut?.description == "ledger:agent-42@\(ISOInstant.format(objected))")
        #expect(merged.consents == [listConsent])
        #expect(merged.revocations == [withdrawal])
        #expect(merged.attempts == [objected])
        // A list opt-out stays the one shown.
        let listed = CallFacts(lists: CallFacts(internalOptOut: .list(file: "dnc.txt")), ledger: LedgerFacts(internalOptOut: objected))
        #expect(listed.internalOptOut == .list(file: "dnc.txt"))
    }
}
