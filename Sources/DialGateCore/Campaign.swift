/// A prospecting campaign as declared in configuration: what the gate needs to know about
/// who is called, why and how, to apply the right rules.
public struct Campaign: Hashable, Sendable {
    /// Why the professional calls; the exceptions of the law hang on it.
    public enum Purpose: String, Hashable, Sendable, CaseIterable {
        case commercial
        case press
        case polling
        case nonprofit = "non-profit"
        case publicService = "public-service"
    }

    /// Consumers (B2C) get the opposition/consent and calling-time rules; professionals (B2B)
    /// get the activity-coherence rule.
    public enum Audience: String, Hashable, Sendable, CaseIterable {
        case consumer
        case business
    }

    public enum Channel: String, Hashable, Sendable, CaseIterable {
        case voice
        case sms
        case email
    }

    /// The identifier the softswitch names in a query (`campaign=<id>`).
    public var id: String
    public var purpose: Purpose
    public var audience: Audience
    public var channel: Channel
    /// Categories of what the campaign offers (`telecom`, `energy-renovation`, `software`...):
    /// matched against contract subjects, sector bans and B2B activities.
    public var offers: Set<String>
    /// The first day calls may be placed, in the consumer's calendar; `nil` means no limit.
    public var start: CalendarDay?
    /// The last day calls may be placed; `nil` means no limit.
    public var end: CalendarDay?

    public init(
        id: String,
        purpose: Purpose = .commercial,
        audience: Audience = .consumer,
        channel: Channel = .voice,
        offers: Set<String> = [],
        start: CalendarDay? = nil,
        end: CalendarDay? = nil
    ) {
        self.id = id
        self.purpose = purpose
        self.audience = audience
        self.channel = channel
        self.offers = offers
        self.start = start
        self.end = end
    }
}
