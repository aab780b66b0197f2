import Foundation

/// The French rule pack of compliance.md: whether one voice call to one number for one
/// campaign may be placed at one instant, and why.
///
/// A pure function of (request, facts, instant): no I/O and no clock read, so a replay of the
/// same inputs gives the same decision. Rules are checked in the order of `Reason`'s DENY
/// cases and the first that denies is the answer; a call no rule denies is allowed with the
/// legal basis it rests on.
///
/// Scope: this pack decides voice calls only. SMS and e-mail follow other rules (Bloctel and
/// the calling hours are about telephone calls), so a non-voice request or campaign is denied
/// with `channel-not-allowed` rather than judged by voice rules.
///
/// Assumptions (named in the facts of decisions that use them):
/// - polling institutes and non-profit associations are not commercial prospecting
///   (`assumption=not-commercial-prospecting`); the gate trusts the campaign's declared
///   purpose. In the opt-in regime that exception is **unconfirmed** and off unless configured
///   (`polling-exception-in-opt-in`, `non-profit-exception-in-opt-in`, named as assumptions
///   too): such calls then need consent like any other;
/// - consent is one rule for every kind (`CallFacts.consent(_:for:at:)`): a withdrawal ends
///   every earlier consent for the calls it names, whatever the consent's scope;
/// - sector bans apply to B2B campaigns too (the texts ban the prospecting, whoever is called);
/// - a Bloctel clearance dated after the call's day proves nothing for that call.
public struct Policy: Sendable {
    /// The configurable readings of the law the policy applies.
    public let settings: PolicySettings
    let campaigns: [String: Entry]
    /// `10:00-13:00,14:00-20:00`, shown when a call is outside the hours.
    private let slotsText: String

    /// A campaign with what every decision needs of it worked out once.
    struct Entry: Sendable {
        let campaign: Campaign
        /// Offers in a fixed order, so that facts do not depend on set order.
        let sortedOffers: [String]
        let offersText: String
        /// The sector bans that can hit this campaign (its offers, its channel); only their
        /// start day is left to check per call.
        let sectorBans: [PolicySettings.SectorBan]
    }

    /// Builds the policy for a configuration. Campaign ids should be unique (the configuration
    /// loader checks); if one repeats, the last campaign of that id is used.
    public init(settings: PolicySettings, campaigns: [Campaign]) {
        self.settings = settings
        var entries: [String: Entry] = [:]
        for campaign in campaigns {
            let offers = campaign.offers.sorted()
            let bans = settings.sectorBans.filter {
                campaign.offers.contains($0.category) && $0.channels.contains(campaign.channel)
            }
            entries[campaign.id] = Entry(
                campaign: campaign, sortedOffers: offers, offersText: offers.joined(separator: ","), sectorBans: bans)
        }
        self.campaigns = entries
        self.slotsText = settings.callingSlots.map { Self.clock($0.lowerBound) + "-" + Self.clock($0.upperBound) }
            .joined(separator: ",")
    }

    /// The configured campaign of that id.
    public func campaign(_ id: String) -> Campaign? { campaigns[id]?.campaign }

    /// The decision for a request whose number could not be read: always DENY, with what was
    /// wrong, so that the protocol layer answers like the policy does.
    public static func invalidNumber(_ error: PhoneNumberError) -> Decision {
        var facts: [Fact] = []
        switch error.problem {
        case .empty: facts.append(Fact("error", "empty"))
        case .invalidCharacter: facts.append(Fact("error", "invalid-character"))
        case .nonASCIIDigit: facts.append(Fact("error", "non-ascii-digit"))
        case .tooFewDigits(let count):
            facts.append(Fact("error", "too-few-digits"))
            facts.append(Fact("digits", String(count)))
        case .tooManyDigits(let count):
            facts.append(Fact("error", "too-many-digits"))
            facts.append(Fact("digits", String(count)))
        case .notDialable(let why):
            facts.append(Fact("error", "not-dialable"))
            facts.append(Fact("detail", why))
        }
        if let position = error.position { facts.append(Fact("position", String(position))) }
        return Decision(.invalidNumber, rule: Rule.numbering, facts: facts)
    }

    /// Decides one call.
    ///
    /// - Parameters:
    ///   - number: the number to call.
    ///   - campaignID: the campaign the call is for.
    ///   - channel: the channel the dialer asks about; `nil` means the campaign's own.
    ///   - facts: what the lists and the ledger know about the number.
    ///   - instant: when the call would be placed (now, or a replayed instant).
    public func decide(
        number: PhoneNumber, campaignID: String, channel: Campaign.Channel? = nil, facts known: CallFacts,
        at instant: Date
    ) -> Decision {
        let decision = decideAt(number: number, campaignID: campaignID, channel: channel, facts: known, at: instant)
        guard decision.kind == .later else { return decision }
        return withNextAllowed(decision, number: number, campaignID: campaignID, channel: channel, facts: known, after: instant)
    }

    /// The decision at `instant` alone, without looking for when a "later" one would allow.
    func decideAt(
        number: PhoneNumber, campaignID: String, channel: Campaign.Channel?, facts known: CallFacts, at instant: Date
    ) -> Decision {
        guard let entry = campaigns[campaignID] else {
            let facts = [Fact("campaign", campaignID)]
            return Decision(.unknownCampaign, rule: Rule.configuration, facts: facts)
        }
        let campaign = entry.campaign
        let territory = number.territory
        let zone = FrenchCalendar.zone(for: territory)
        // Campaign days and sector bans of a number with no known zone count in Paris.
        guard let calendarZone = zone ?? FrenchCalendar.paris else {
            return Decision(.territoryNotCovered, rule: Rule.frenchPlan, facts: [Fact("tz", "unavailable")])
        }
        let local = calendarZone.localTime(at: instant)
        let regime: Regime? = campaign.audience == .consumer ? regime(on: local.day) : nil

        var draft = Draft(regime: regime)
        if let regime {
            draft.add("regime", regime.rawValue)
            draft.add("regime_source", settings.regime == .byDate ? "date" : "configuration")
        }
        draft.add("territory", territory.description)
        if zone == nil {
            draft.add("tz", "unknown")
            draft.add("calendar_tz", calendarZone.identifier)
        } else {
            draft.add("tz", calendarZone.identifier)
        }
        draft.add("local", FactText.local(local))

        if let denial = checkCampaign(entry, channel: channel, day: local.day, &draft) { return denial }
        if let denial = checkEveryAudience(entry, day: local.day, known: known, &draft) { return denial }
        switch campaign.audience {
        case .business:
            return decideBusiness(entry, known: known, &draft)
        case .consumer:
            guard let zone, let regime else {
                return draft.finish(.territoryNotCovered, Rule.frenchPlan)
            }
            return decideConsumer(
                entry, regime: regime, territory: territory, zone: zone, local: local, known: known, instant: instant,
                &draft)
        }
    }

    // MARK: - Request and campaign

    private func checkCampaign(_ entry: Entry, channel: Campaign.Channel?, day: CalendarDay, _ draft: inout Draft)
        -> Decision?
    {
        let campaign = entry.campaign
        if let start = campaign.start, day < start {
            draft.add("campaign_start", FactText.day(start))
            draft.kind = .later
            return draft.finish(.campaignInactive, Rule.configuration)
        }
        if let end = campaign.end, day > end {
            draft.add("campaign_end", FactText.day(end))
            return draft.finish(.campaignInactive, Rule.configuration)
        }
        let requested = channel ?? campaign.channel
        if requested != campaign.channel || campaign.channel != .voice {
            draft.add("channel", requested.rawValue)
            draft.add("campaign_channel", campaign.channel.rawValue)
            return draft.finish(.channelNotAllowed, Rule.voiceOnly)
        }
        return nil
    }

    // MARK: - Every audience

    private func checkEveryAudience(_ entry: Entry, day: CalendarDay, known: CallFacts, _ draft: inout Draft)
        -> Decision?
    {
        if let source = known.internalOptOut {
            draft.add("optout_source", source.description)
            return draft.finish(.internalOptout, Rule.rightToObject)
        }
        for ban in entry.sectorBans where ban.isInForce(on: day, channel: entry.campaign.channel) {
            let coveringContract = known.contracts.contains {
                $0.isInProgress(on: day) && $0.subjects.contains(ban.category)
            }
            if coveringContract {
                draft.add("sector_ban_lifted_by_contract", ban.category)
                continue
            }
            draft.add("banned_category", ban.category)
            if let since = ban.since { draft.add("ban_since", FactText.day(since)) }
            return draft.finish(.sectorBan, ban.rule)
        }
        return nil
    }

    // MARK: - Professionals (B2B)

    private func decideBusiness(_ entry: Entry, known: CallFacts, _ draft: inout Draft) -> Decision {
        guard let activities = known.businessActivities, !activities.isEmpty else {
            draft.add("activities", "unknown")
            return draft.finish(.b2bUnknownActivity, Rule.businessCoherence)
        }
        draft.add("offers", entry.offersText)
        draft.add("activities", activities.joined(separator: ","))
        for offer in entry.sortedOffers {
            for activity in activities where isCoherent(activity: activity, offer: offer) {
                draft.add("coherent_offer", offer)
                draft.add("coherent_activity", activity)
                return draft.finish(.b2bCoherent, Rule.businessCoherence)
            }
        }
        return draft.finish(.b2bIncoherent, Rule.businessCoherence)
    }

    /// `PolicySettings.businessCoherence`: an activity suits an offer when it starts with one
    /// of the offer's codes; a tag equal to the offer's own name always suits it.
    private func isCoherent(activity: String, offer: String) -> Bool {
        if activity == offer { return true }
        guard let codes = settings.businessCoherence[offer] else { return false }
        return codes.contains { !$0.isEmpty && activity.hasPrefix($0) }
    }

    // MARK: - Consumers

    private func decideConsumer(
        _ entry: Entry, regime: Regime, territory: Territory, zone: TimeZoneOffsets, local: LocalTime,
        known: CallFacts, instant: Date, _ draft: inout Draft
    ) -> Decision {
        let basis = legalBasis(entry, regime: regime, day: local.day, known: known, instant: instant, &draft)
        if basis.reason.verdict == .deny { return draft.finish(basis.reason, basis.rule) }
        if let denial = checkTiming(
            entry, basis: basis.reason, territory: territory, zone: zone, local: local, known: known, instant: instant,
            &draft)
        {
            return denial
        }
        return draft.finish(basis.reason, basis.rule)
    }

    /// The exception or regime rule that allows the call, or the regime rule that denies it.
    private func legalBasis(
        _ entry: Entry, regime: Regime, day: CalendarDay, known: CallFacts, instant: Date, _ draft: inout Draft
    ) -> (reason: Reason, rule: String) {
        let campaign = entry.campaign
        // Exceptions first: they hold in both regimes unless said otherwise.
        if let contract = known.contracts.first(where: {
            $0.isInProgress(on: day) && !$0.subjects.isDisjoint(with: campaign.offers)
        }) {
            let subjects = entry.sortedOffers.lazy.filter { contract.subjects.contains($0) }
            draft.add("contract_subjects", subjects.joined(separator: ","))
            draft.add("contract_ends", contract.ends.map(FactText.day) ?? "open")
            return (.contract, Rule.contract)
        }
        switch campaign.purpose {
        case .press:
            if regime == .optOut { return (.exemptPress, Rule.press) }
            if settings.pressExceptionInOptIn {
                draft.assume("press-exception-in-opt-in")
                return (.exemptPress, Rule.pressInOptIn)
            }
        case .polling:
            if regime == .optOut {
                draft.assume("not-commercial-prospecting")
                return (.exemptPolling, Rule.notProspecting)
            }
            if settings.pollingExceptionInOptIn {
                draft.assume("not-commercial-prospecting")
                draft.assume("polling-exception-in-opt-in")
                return (.exemptPolling, Rule.notProspectingInOptIn)
            }
        case .nonprofit:
            if regime == .optOut {
                draft.assume("not-commercial-prospecting")
                return (.exemptNonprofit, Rule.notProspecting)
            }
            if settings.nonProfitExceptionInOptIn {
                draft.assume("not-commercial-prospecting")
                draft.assume("non-profit-exception-in-opt-in")
                return (.exemptNonprofit, Rule.notProspectingInOptIn)
            }
        case .publicService:
            if settings.publicServiceException {
                draft.assume("public-service-exception")
                return (.exemptPublicService, Rule.publicService)
            }
        case .commercial:
            break
        }
        if settings.callbackException, let callback = known.consent(.callback, for: campaign, at: instant).consent {
            draft.add("consent_kind", ConsentRecord.Kind.callback.rawValue)
            draft.add("consent_scope", callback.scope)
            draft.add("consent_proof", callback.proof)
            draft.assume("callback-exception")
            return (.callbackRequest, Rule.callback)
        }
        switch regime {
        case .optOut: return optOutBasis(day: day, known: known, &draft)
        case .optIn: return optInBasis(campaign, known: known, instant: instant, &draft)
        }
    }

    /// Bloctel (L223-1, R223-6) and the operators' anti-prospection lists.
    private func optOutBasis(day: CalendarDay, known: CallFacts, _ draft: inout Draft)
        -> (reason: Reason, rule: String)
    {
        // Only checks that existed on the call's day count (replays of past calls).
        let registered = known.bloctelRegistrations.filter { $0 <= day }.max()
        let cleared = known.bloctelClearances.filter { $0 <= day }.max()
        if let registered {
            draft.add("bloctel_registered_asof", FactText.day(registered))
            // Only a fresh check newer than the registration shows the consumer left Bloctel;
            // a registration as new as the clearance wins.
            let clearedSince = cleared.map { $0 > registered && isFresh($0, on: day) } ?? false
            if !clearedSince {
                if let cleared { draft.add("clearance_asof", FactText.day(cleared)) }
                return (.bloctel, Rule.bloctel)
            }
        }
        if let listed = known.operatorOptOutAsOf {
            draft.add("operator_list_asof", FactText.day(listed))
            return (.operatorList, Rule.operatorList)
        }
        guard let cleared else {
            draft.add("clearance", known.bloctelClearances.isEmpty ? "missing" : "after-call-day")
            return (.bloctelUnverified, Rule.bloctelFreshness)
        }
        let age = cleared.days(to: day)
        draft.add("clearance_asof", FactText.day(cleared))
        draft.add("clearance_age_days", String(age))
        guard isFresh(cleared, on: day) else {
            draft.add("clearance", age < 0 ? "after-call-day" : "stale")
            return (.bloctelUnverified, Rule.bloctelFreshness)
        }
        return (.bloctelClear, Rule.bloctelClear)
    }

    /// A check dated `asOf` still proves something on `day`: at most `clearanceMaxAgeDays`
    /// old, and not dated after the call.
    private func isFresh(_ asOf: CalendarDay, on day: CalendarDay) -> Bool {
        (0...settings.clearanceMaxAgeDays).contains(asOf.days(to: day))
    }

    /// New L223-1: prior consent covering the campaign.
    private func optInBasis(_ campaign: Campaign, known: CallFacts, instant: Date, _ draft: inout Draft)
        -> (reason: Reason, rule: String)
    {
        switch known.consent(.prospecting, for: campaign, at: instant) {
        case .given(let consent):
            draft.add("consent_scope", consent.scope)
            draft.add("consent_proof", consent.proof)
            return (.consent, Rule.consent)
        case .absent(let why):
            draft.add("consent", why.rawValue)
            return (.noConsent, Rule.consent)
        }
    }

    /// D223-9: refusals, frequency, days and hours, in the consumer's time zone. They bind
    /// every allowed consumer call, exceptions included.
    private func checkTiming(
        _ entry: Entry, basis: Reason, territory: Territory, zone: TimeZoneOffsets, local: LocalTime,
        known: CallFacts, instant: Date, _ draft: inout Draft
    ) -> Decision? {
        let today = local.day
        if settings.consentLiftsFrequencyAndRefusal && basis == .consent {
            draft.assume("consent-lifts-frequency-and-refusal")
        } else {
            // A refusal on local day R forbids R through R + refusalQuietDays.
            var latestRefusal: CalendarDay?
            for refusal in known.refusals {
                let day = zone.localTime(at: refusal).day
                let age = day.days(to: today)
                if age >= 0, age <= settings.refusalQuietDays, latestRefusal.map({ day > $0 }) ?? true {
                    latestRefusal = day
                }
            }
            if let latestRefusal {
                draft.add("refusal_day", FactText.day(latestRefusal))
                draft.add("quiet_until", FactText.day(latestRefusal.adding(days: settings.refusalQuietDays)))
                return draft.finish(.refusalCooldown, Rule.callingRules)
            }
            // Attempts on the last attemptWindowDays local days, today included. Counted by
            // day, not by instant, so that a dialer clock a little ahead cannot hide one.
            var attempts = 0
            for attempt in known.attempts {
                let age = zone.localTime(at: attempt).day.days(to: today)
                if age >= 0, age < settings.attemptWindowDays { attempts += 1 }
            }
            let window = settings.attemptWindowDays
            draft.add(window == 30 ? "attempts_30d" : "attempts_\(window)d", String(attempts))
            draft.countsTowardCap = true
            if attempts >= settings.maxAttempts {
                draft.add("max_attempts", String(settings.maxAttempts))
                return draft.finish(.frequencyCap, Rule.callingRules)
            }
        }
        // Days and hours yield to the consumer's express consent to be called then.
        let offHours = known.consent(.offHours, for: entry.campaign, at: instant).consent
        var lifted = false
        if let holiday = FrenchCalendar.publicHoliday(
            on: today, territory: territory, alsaceMoselle: settings.alsaceMoselleHolidays)
        {
            draft.add("holiday", holiday.rawValue)
            guard offHours != nil else { return draft.finish(.holiday, Rule.callingDays) }
            lifted = true
        } else if local.weekday >= 6 {
            draft.add("weekday", local.weekday == 6 ? "saturday" : "sunday")
            guard offHours != nil else { return draft.finish(.nonCallingDay, Rule.callingRules) }
            lifted = true
        }
        if !FrenchCalendar.isCallingMinute(local.minuteOfDay, slots: settings.callingSlots) {
            draft.add("calling_slots", slotsText)
            guard offHours != nil else { return draft.finish(.outsideHours, Rule.callingRules) }
            lifted = true
        }
        if lifted, let offHours {
            draft.add("off_hours_consent_scope", offHours.scope)
            draft.add("off_hours_consent_proof", offHours.proof)
        }
        return nil
    }

    // MARK: - Helpers

    /// The regime of a consumer call on the consumer's local `day`.
    private func regime(on day: CalendarDay) -> Regime {
        switch settings.regime {
        case .byDate: day >= settings.optInStart ? .optIn : .optOut
        case .optOut: .optOut
        case .optIn: .optIn
        }
    }

    /// `HH:MM` of a minute of the day.
    private static func clock(_ minute: Int) -> String {
        let hours = minute / 60
        let minutes = minute % 60
        return (hours < 10 ? "0" : "") + String(hours) + ":" + (minutes < 10 ? "0" : "") + String(minutes)
    }

    /// A decision being made: the facts gathered so far and the assumptions relied on.
    private struct Draft {
        let regime: Regime?
        var facts: [Fact]
        var assumptions = ""
        /// Set when the decision's answer class is not its reason's (see `Reason.kind`).
        var kind: Decision.Kind?
        /// Set once the frequency cap was counted for the call.
        var countsTowardCap = false

        init(regime: Regime?) {
            self.regime = regime
            facts = []
            facts.reserveCapacity(16)
        }

        mutating func add(_ key: String, _ value: String) { facts.append(Fact(key, value)) }

        /// Names an **unconfirmed** reading the decision rests on.
        mutating func assume(_ assumption: String) {
            assumptions += assumptions.isEmpty ? assumption : "," + assumption
        }

        mutating func finish(_ reason: Reason, _ rule: String) -> Decision {
            if !assumptions.isEmpty { facts.append(Fact("assumption", assumptions)) }
            return Decision(reason, rule: rule, regime: regime, facts: facts, kind: kind, countsTowardCap: countsTowardCap)
        }
    }

    /// The articles and texts decisions rest on.
    private enum Rule {
        static let numbering = "ITU-T E.164"
        static let configuration = "campaign configuration"
        static let voiceOnly = "French rule pack: voice calls only"
        static let frenchPlan = "French rule pack: French numbering plan only"
        static let rightToObject = "RGPD art. 21"
        static let businessCoherence = "CNIL B2B guidance"
        static let contract = "C. consom. L223-1"
        static let press = "C. consom. L223-5"
        static let pressInOptIn = "C. consom. L223-5, unconfirmed in the opt-in regime"
        static let notProspecting = "administrative guidance: not commercial prospecting"
        static let notProspectingInOptIn =
            "administrative guidance: not commercial prospecting, unconfirmed in the opt-in regime"
        static let publicService = "public-service exception, unconfirmed"
        static let callback = "callback request, unconfirmed"
        static let bloctel = "C. consom. L223-1"
        static let operatorList = "CPCE R10 and R10-1 (operator anti-prospection list)"
        static let bloctelFreshness = "C. consom. R223-6"
        static let bloctelClear = "C. consom. L223-1, R223-6"
        static let consent = "C. consom. L223-1"
        static let callingRules = "C. consom. D223-9"
        static let callingDays = "C. consom. D223-9; Code du travail L3133-1"
    }
}
