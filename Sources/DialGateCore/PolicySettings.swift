/// The choices compliance.md leaves to configuration, with the safe defaults. Each one that
/// rests on an **unconfirmed** reading of the law is named as such, and decisions that use it
/// say so in their facts.
public struct PolicySettings: Hashable, Sendable {
    /// How the regime of a consumer voice call is chosen.
    public enum RegimeChoice: String, Hashable, Sendable {
        /// By the call's date: opt-out before `optInStart`, opt-in from it.
        case byDate = "auto"
        case optOut = "opt-out"
        case optIn = "opt-in"
    }

    /// A category of offer whose telephone prospecting is banned (L223-1, Code du travail
    /// L6323-8-1), from a day on, except within a contract in progress about it.
    public struct SectorBan: Hashable, Sendable {
        public var category: String
        public var since: CalendarDay?
        /// The article the ban rests on.
        public var rule: String
        /// Channels the ban covers (CPF covers SMS and e-mail too).
        public var channels: Set<Campaign.Channel>

        public init(category: String, since: CalendarDay? = nil, rule: String, channels: Set<Campaign.Channel> = [.voice]) {
            self.category = category
            self.since = since
            self.rule = rule
            self.channels = channels
        }

        /// Whether the ban forbids prospecting on `channel` on the local `day` (a ban with no
        /// `since` has always been in force).
        public func isInForce(on day: CalendarDay, channel: Campaign.Channel) -> Bool {
            channels.contains(channel) && (since.map { day >= $0 } ?? true)
        }
    }

    public var regime: RegimeChoice = .byDate
    /// First day of the opt-in regime (Loi n° 2025-594, art. 13 III).
    public var optInStart = CalendarDay(year: 2026, month: 8, day: 11)!
    /// A Bloctel clearance older than this many days no longer proves anything (R223-6).
    public var clearanceMaxAgeDays = 30
    /// At most this many calls or attempts per `attemptWindowDays` calendar days (D223-9).
    public var maxAttempts = 4
    public var attemptWindowDays = 30
    /// Full calendar days of quiet after a refusal during a call (D223-9).
    public var refusalQuietDays = 60
    /// **Unconfirmed**: whether the press exception (L223-5) survives in the opt-in regime.
    public var pressExceptionInOptIn = false
    /// **Unconfirmed**: whether polling institutes stay outside prospecting in the opt-in
    /// regime (administrative guidance is about Bloctel). Off: a polling call needs consent.
    public var pollingExceptionInOptIn = false
    /// **Unconfirmed**: whether non-profit associations without a commercial aim stay outside
    /// prospecting in the opt-in regime. Off: such a call needs consent.
    public var nonProfitExceptionInOptIn = false
    /// **Unconfirmed**: whether public-service calls are exempt.
    public var publicServiceException = true
    /// **Unconfirmed** as a text of law: a `callback` consent allows the call.
    public var callbackException = true
    /// **Unconfirmed**: whether consent lifts the frequency and refusal rules (safe reading: no).
    public var consentLiftsFrequencyAndRefusal = false
    /// Add Alsace-Moselle's holidays (Good Friday, 26 Dec) for metropolitan numbers. A number
    /// does not tell whether its holder lives there, so the safe choice for a company calling
    /// there is on.
    public var alsaceMoselleHolidays = false
    /// Legal calling slots as half-open minute ranges of the consumer's local day
    /// (10:00–13:00 and 14:00–20:00, D223-9).
    public var callingSlots: [Range<Int>] = [600..<780, 840..<1200]
    public var sectorBans: [SectorBan] = [
        SectorBan(category: "energy-renovation", rule: "C. consom. L223-1"),
        SectorBan(
            category: "renewable-energy", since: CalendarDay(year: 2026, month: 8, day: 11), rule: "C. consom. L223-1"),
        SectorBan(
            category: "home-adaptation", since: CalendarDay(year: 2026, month: 8, day: 11), rule: "C. consom. L223-1"),
        SectorBan(category: "cpf-training", rule: "Code du travail L6323-8-1", channels: [.voice, .sms, .email]),
    ]
    /// B2B coherence (CNIL): for each offer category, the activity codes or tags it suits.
    /// An activity matches a code when it starts with it (`62` matches NAF `62.01Z`); an offer
    /// category with no entry matches only an activity tag equal to its own name.
    public var businessCoherence: [String: [String]] = [:]

    public init() {}
}
