import Foundation

extension Policy {
    /// How many days past the first possible one the search for the next allowed instant looks:
    /// more than the longest rule (a refusal's quiet days, the attempt window) plus the longest
    /// run of days without calls (a weekend next to holidays).
    var nextSearchDays: Int { max(settings.attemptWindowDays, settings.refusalQuietDays + 1) + 14 }

    /// `decision`, a "later" denial at `instant`, with the earliest instant after it at which
    /// the same facts would allow the call: `next=` in the consumer's zone, `next_utc=` in UTC.
    /// Without them when no instant in the search allows it (a "whether" rule denies by then,
    /// the campaign ends, the search runs out): a dialer then has nothing to schedule.
    ///
    /// The rules about when (days, hours, the cap, a refusal's quiet, a campaign's start)
    /// change only at the start of a local day or of a calling slot, so those are the only
    /// instants tried, each decided by the same policy as a call.
    func withNextAllowed(
        _ decision: Decision, number: PhoneNumber, campaignID: String, channel: Campaign.Channel?, facts: CallFacts,
        after instant: Date
    ) -> Decision {
        guard let entry = campaigns[campaignID],
            let zone = FrenchCalendar.zone(for: number.territory) ?? FrenchCalendar.paris
        else { return decision }
        let now = zone.localTime(at: instant)
        var first = now.day
        if let start = entry.campaign.start, start > first { first = start }
        if let bound = firstDayFreed(by: decision.reason, facts: facts, zone: zone, today: now.day), bound > first {
            first = bound
        }
        let minutes = [0] + settings.callingSlots.map(\.lowerBound).filter { $0 > 0 }
        for offset in 0...nextSearchDays {
            let day = first.adding(days: offset)
            for minute in minutes {
                let candidate = Self.instant(day, minute: minute, in: zone)
                guard candidate > instant else { continue }
                let later = decideAt(number: number, campaignID: campaignID, channel: channel, facts: facts, at: candidate)
                switch later.kind {
                case .allowed:
                    var decision = decision
                    decision.facts.append(Fact("next", FactText.instant(zone.localTime(at: candidate))))
                    decision.facts.append(Fact("next_utc", ISOInstant.format(candidate)))
                    return decision
                case .later:
                    continue
                case .denied, .unavailable:
                    return decision
                }
            }
        }
        return decision
    }

    /// The first local day on which the rule that denied can allow again, when it is one of
    /// those that count days back (so the search starts there, not today): the day after a
    /// refusal's quiet days; the day the oldest of the attempts that fill the cap leaves the
    /// window.
    private func firstDayFreed(by reason: Reason, facts: CallFacts, zone: TimeZoneOffsets, today: CalendarDay)
        -> CalendarDay?
    {
        switch reason {
        case .refusalCooldown:
            return facts.refusals.map { zone.localTime(at: $0).day }.max()?.adding(days: settings.refusalQuietDays + 1)
        case .frequencyCap:
            let window = settings.attemptWindowDays
            let counted = facts.attempts.map { zone.localTime(at: $0).day }
                .filter { $0.days(to: today) >= 0 && $0.days(to: today) < window }.sorted()
            guard counted.count >= settings.maxAttempts else { return nil }
            return counted[counted.count - settings.maxAttempts].adding(days: window)
        default:
            return nil
        }
    }

    /// The instant of local `minute` on `day` in `zone`. Calling slots and midnight are never
    /// in a summer-time gap (France changes its clocks at 02:00 and 03:00).
    static func instant(_ day: CalendarDay, minute: Int, in zone: TimeZoneOffsets) -> Date {
        let wall = Int64(day.dayNumber) * 86_400 + Int64(minute) * 60
        let guess = zone.utcOffset(atUnixSeconds: wall)
        let offset = zone.utcOffset(atUnixSeconds: wall - Int64(guess))
        return Date(timeIntervalSince1970: TimeInterval(wall - Int64(offset)))
    }
}
