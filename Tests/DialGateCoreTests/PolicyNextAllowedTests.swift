import DialGateCore
import Foundation
import Testing

// When to call back: a "later" denial carries the earliest instant at which the same facts
// would allow the call, `next=` in the consumer's zone and `next_utc=`; a "whether" denial
// carries none. 2026-11-30 is a Monday; wall times are the consumer's.

let nextRows: [Row] = [
    Row(
        name: "D223-9: after 20:00 on a Monday, the next slot is Tuesday 10:00", facts: allowedFacts("2026-11-30"),
        instant: at("2026-11-30 20:30"), reason: .outsideHours,
        shows: ["next": "2026-12-01T10:00:00+01:00", "next_utc": "2026-12-01T09:00:00.000Z"]),
    Row(
        name: "D223-9: at lunch (13:30), the next slot is 14:00 the same day", facts: allowedFacts("2026-11-30"),
        instant: at("2026-11-30 13:30"), reason: .outsideHours, shows: ["next": "2026-11-30T14:00:00+01:00"]),
    Row(
        name: "D223-9: before 10:00, the same morning's slot", facts: allowedFacts("2026-11-30"),
        instant: at("2026-11-30 08:00"), reason: .outsideHours, shows: ["next": "2026-11-30T10:00:00+01:00"]),
    Row(
        name: "D223-9: Friday 20:00 waits for Monday 10:00", facts: allowedFacts("2026-12-04"),
        instant: at("2026-12-04 20:00"), reason: .outsideHours, shows: ["next": "2026-12-07T10:00:00+01:00"]),
    Row(
        name: "D223-9: on a Saturday, Monday 10:00", facts: allowedFacts("2026-12-05"), instant: at("2026-12-05 10:15"),
        reason: .nonCallingDay, shows: ["next": "2026-12-07T10:00:00+01:00"]),
    Row(
        name: "L3133-1: Christmas on a Friday, then a weekend: Monday 28 December 10:00",
        facts: allowedFacts("2026-12-25"), instant: at("2026-12-25 10:15"), reason: .holiday,
        shows: ["next": "2026-12-28T10:00:00+01:00"]),
    Row(
        name: "L3133-1: Thursday 31 December 20:30, then New Year's Day: Monday 4 January",
        facts: allowedFacts("2026-12-31"), instant: at("2026-12-31 20:30"), reason: .outsideHours,
        shows: ["next": "2027-01-04T10:00:00+01:00"]),
    Row(
        name: "Summer time and Easter: Saturday 27 March 2027 waits past Easter Monday for Tuesday 30 March, at +02:00",
        facts: allowedFacts("2027-03-27"), instant: at("2027-03-27 10:15"), reason: .nonCallingDay,
        shows: ["next": "2027-03-30T10:00:00+02:00", "next_utc": "2027-03-30T08:00:00.000Z"]),
    Row(
        name: "D223-9: 4 attempts, the oldest on 1 November: the cap frees on 1 December (30 local days)",
        facts: allowedFacts("2026-11-30") {
            $0.attempts = [at("2026-11-01 11:00"), at("2026-11-09 11:00"), at("2026-11-16 11:00"), at("2026-11-23 10:30")]
        },
        instant: at("2026-11-30 11:00"), reason: .frequencyCap, shows: ["next": "2026-12-01T10:00:00+01:00"]),
    Row(
        name: "D223-9: 4 attempts within the last days: the cap frees when the oldest leaves the window, then the hours",
        facts: allowedFacts("2026-11-30") {
            $0.attempts = [at("2026-11-26 11:00"), at("2026-11-27 11:00"), at("2026-11-28 11:00"), at("2026-11-30 10:30")]
        },
        instant: at("2026-11-30 11:00"), reason: .frequencyCap, shows: ["next": "2026-12-28T10:00:00+01:00"]),
    Row(
        name: "D223-9: a refusal on Friday 2 October: 60 days of quiet, then Wednesday 2 December 10:00",
        facts: allowedFacts("2026-11-30") { $0.refusals = [at("2026-10-02 15:00")] }, instant: at("2026-11-30 11:00"),
        reason: .refusalCooldown, shows: ["next": "2026-12-02T10:00:00+01:00"]),
    Row(
        name: "Campaign configuration: a campaign that starts tomorrow is later, from its first day's first slot",
        campaign: "winter", facts: allowedFacts("2026-11-30"), instant: at("2026-11-30 11:00"), reason: .campaignInactive,
        shows: ["campaign_start": "2026-12-01", "next": "2026-12-01T10:00:00+01:00"]),
    Row(
        name: "Réunion (UTC+4): after 20:00 there, Tuesday 10:00 Réunion time", number: Number.reunion,
        facts: allowedFacts("2026-11-30"), instant: at("2026-11-30 20:30", reunion), reason: .outsideHours,
        shows: ["next": "2026-12-01T10:00:00+04:00", "next_utc": "2026-12-01T06:00:00.000Z"]),
    Row(
        name: "Guadeloupe (UTC-4): at 07:00 there, 10:00 Guadeloupe time", number: Number.guadeloupe,
        facts: allowedFacts("2026-11-30"), instant: at("2026-11-30 07:00", guadeloupe), reason: .outsideHours,
        shows: ["next": "2026-11-30T10:00:00-04:00", "next_utc": "2026-11-30T14:00:00.000Z"]),
    Row(
        name: "Martinique (UTC-4): on a Sunday, Monday 10:00 there", number: Number.martinique,
        facts: allowedFacts("2026-11-29"), instant: at("2026-11-29 10:15", martinique), reason: .nonCallingDay,
        shows: ["next": "2026-11-30T10:00:00-04:00"]),
    Row(
        name: "Guyane (UTC-3): after 20:00 there, Tuesday 10:00 there", number: Number.guyane,
        facts: allowedFacts("2026-11-30"), instant: at("2026-11-30 20:00", cayenne), reason: .outsideHours,
        shows: ["next": "2026-12-01T10:00:00-03:00", "next_utc": "2026-12-01T13:00:00.000Z"]),
    Row(
        name: "Mayotte (UTC+3): at lunch there, 14:00 there", number: Number.mayotte, facts: allowedFacts("2026-11-30"),
        instant: at("2026-11-30 13:00", mayotte), reason: .outsideHours,
        shows: ["next": "2026-11-30T14:00:00+03:00", "next_utc": "2026-11-30T11:00:00.000Z"]),
]

@Test("When to call back: a later denial names the earliest instant the rules allow, in the consumer's zone and in UTC", arguments: nextRows)
func nextAllowed(row: Row) throws { try check(row) }

@Test("A whether denial carries no next instant: retrying will not help")
func whetherDenialsHaveNoNext() throws {
    let policy = Policy(settings: settings(), campaigns: campaigns)
    let number = try PhoneNumber(parsing: Number.paris)
    let denied = policy.decide(number: number, campaignID: "telecom", facts: CallFacts(), at: at("2026-11-30 11:00"))
    #expect(denied.reason == .noConsent)
    #expect(denied.kind == .denied)
    #expect(!denied.facts.contains { $0.key == "next" || $0.key == "next_utc" })
}

@Test("A later denial whose rules would allow only after the campaign ends carries no next instant")
func noNextAfterTheCampaignEnds() throws {
    let policy = Policy(settings: settings(), campaigns: campaigns)
    let number = try PhoneNumber(parsing: Number.paris)
    // Sunday 28 February 2027 is the winter campaign's last day; Monday it has ended.
    let denied = policy.decide(
        number: number, campaignID: "winter", facts: allowedFacts("2027-02-28"), at: at("2027-02-28 10:15"))
    #expect(denied.reason == .nonCallingDay)
    #expect(denied.kind == .later)
    #expect(!denied.facts.contains { $0.key == "next" })
}

@Test("The next instant is allowed, and nothing between now and it is")
func theNextInstantIsTheFirstAllowed() throws {
    let policy = Policy(settings: settings(), campaigns: campaigns)
    let number = try PhoneNumber(parsing: Number.paris)
    let facts = allowedFacts("2026-11-30") { $0.refusals = [at("2026-10-02 15:00")] }
    let now = at("2026-11-30 11:00")
    let denied = policy.decide(number: number, campaignID: "telecom", facts: facts, at: now)
    let next = try #require(denied.facts.first { $0.key == "next_utc" }.flatMap { ISOInstant.parse($0.value) })
    #expect(policy.decide(number: number, campaignID: "telecom", facts: facts, at: next).verdict == .allow)
    var instant = now
    while instant < next {
        #expect(policy.decide(number: number, campaignID: "telecom", facts: facts, at: instant).verdict == .deny)
        instant += 15 * 60
    }
}
