import Crypto
import DialGateCore
import Foundation

/// The rules in force, as the daemon journals them at start and at each reload that applies a
/// configuration (`MESSAGE_ID=40d4ec40…`), and as `dialgate audit report` shows them: every
/// `[policy]` value under its configuration key, and the campaigns.
///
/// Values are text as the configuration writes them (`4`, `true`, `2026-08-11`,
/// `10:00-13:00,14:00-20:00`), so an auditor compares them with the file. The entry carries
/// them three ways: one JSON object (`DIALGATE_POLICY`), one field per key for journalctl
/// matches (`DIALGATE_POLICY_MAX_ATTEMPTS=4`), and the campaigns as a JSON array
/// (`DIALGATE_CAMPAIGNS`); `DIALGATE_POLICY_ID`, the first 16 hex digits of the SHA-256 of the
/// two JSON texts joined by a newline, is equal for equal rules.
public struct PolicyRecord: Sendable, Equatable {
    /// One `[policy]` key and its value in force.
    public struct Setting: Sendable, Equatable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// The policy keys in the configuration's order (docs/configuration.md).
    public static let keys = [
        "regime", "opt-in-start", "clearance-max-age-days", "max-attempts", "attempt-window-days", "refusal-quiet-days",
        "calling-slots", "press-exception-in-opt-in", "polling-exception-in-opt-in", "non-profit-exception-in-opt-in",
        "public-service-exception", "callback-exception", "consent-lifts-frequency-and-refusal", "alsace-moselle-holidays",
        "sector-ban", "b2b-coherence",
    ]

    /// The keys that hold a reading of the law compliance.md marks unconfirmed.
    public static let unconfirmedReadings: Set<String> = [
        "press-exception-in-opt-in", "polling-exception-in-opt-in", "non-profit-exception-in-opt-in",
        "public-service-exception", "callback-exception", "consent-lifts-frequency-and-refusal",
    ]

    /// The campaign keys, in the configuration's order.
    public static let campaignKeys = ["id", "purpose", "audience", "channel", "offers", "start", "end"]

    /// Every policy value, in `keys` order (and any other key read back after them).
    public var settings: [Setting]
    /// Each campaign as its configuration keys and values (`offers` joined by `|`, a missing
    /// `start` or `end` left out).
    public var campaigns: [[String: String]]

    public init(settings: [Setting], campaigns: [[String: String]]) {
        self.settings = settings
        self.campaigns = campaigns
    }

    /// The values of a configuration.
    public init(policy: PolicySettings, campaigns: [Campaign]) {
        func slot(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
        let values: [String: String] = [
            "regime": policy.regime.rawValue,
            "opt-in-start": policy.optInStart.description,
            "clearance-max-age-days": String(policy.clearanceMaxAgeDays),
            "max-attempts": String(policy.maxAttempts),
            "attempt-window-days": String(policy.attemptWindowDays),
            "refusal-quiet-days": String(policy.refusalQuietDays),
            "calling-slots": policy.callingSlots.map { "\(slot($0.lowerBound))-\(slot($0.upperBound))" }.joined(separator: ","),
            "press-exception-in-opt-in": String(policy.pressExceptionInOptIn),
            "polling-exception-in-opt-in": String(policy.pollingExceptionInOptIn),
            "non-profit-exception-in-opt-in": String(policy.nonProfitExceptionInOptIn),
            "public-service-exception": String(policy.publicServiceException),
            "callback-exception": String(policy.callbackException),
            "consent-lifts-frequency-and-refusal": String(policy.consentLiftsFrequencyAndRefusal),
            "alsace-moselle-holidays": String(policy.alsaceMoselleHolidays),
            // category since=YYYY-MM-DD channels=voice,sms rule=…; the next ban after "; ".
            "sector-ban": policy.sectorBans.map { ban in
                [ban.category] + (ban.since.map { ["since=\($0)"] } ?? [])
                    + ["channels=" + ban.channels.map(\.rawValue).sorted().joined(separator: ","), "rule=" + ban.rule]
            }.map { $0.joined(separator: " ") }.joined(separator: "; "),
            // category=code|code, categories sorted, separated by "; ".
            "b2b-coherence": policy.businessCoherence.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value.joined(separator: "|"))" }.joined(separator: "; "),
        ]
        settings = Self.keys.map { Setting(key: $0, value: values[$0]!) }
        self.campaigns = campaigns.map { campaign in
            var values = [
                "id": campaign.id, "purpose": campaign.purpose.rawValue, "audience": campaign.audience.rawValue,
                "channel": campaign.channel.rawValue, "offers": campaign.offers.sorted().joined(separator: "|"),
            ]
            if let start = campaign.start { values["start"] = start.description }
            if let end = campaign.end { values["end"] = end.description }
            return values
        }
    }

    /// The value in force of a key.
    public subscript(key: String) -> String? { settings.first { $0.key == key }?.value }

    /// `DIALGATE_POLICY`: one JSON object, keys in `keys` order.
    public var policyJSON: String {
        JSONText.object(settings.map { (key: $0.key, value: .string($0.value)) }).text
    }

    /// `DIALGATE_CAMPAIGNS`: one JSON array, each campaign's keys in `campaignKeys` order.
    public var campaignsJSON: String {
        JSONText.array(
            campaigns.map { campaign in
                .object(Self.ordered(campaign, Self.campaignKeys).map { (key: $0.key, value: .string($0.value)) })
            }
        ).text
    }

    /// `DIALGATE_POLICY_ID`: the first 16 hex digits of the SHA-256 of `policyJSON`, a newline
    /// and `campaignsJSON` (`printf '%s\n%s' "$POLICY" "$CAMPAIGNS" | sha256sum`).
    public var id: String {
        let digest = SHA256.hash(data: Array((policyJSON + "\n" + campaignsJSON).utf8))
        return String(Hex.lowercase(digest).prefix(16))
    }

    /// The field of one key: `DIALGATE_POLICY_` and the key in capitals, `_` for `-`.
    public static func fieldName(of key: String) -> String {
        AuditField.policyKeyPrefix + key.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// The entry's fields: the id, the JSON texts, then one field per key.
    public var journalFields: [(name: String, value: String)] {
        [(AuditField.policyID, id), (AuditField.policy, policyJSON), (AuditField.campaigns, campaignsJSON)]
            + settings.map { (Self.fieldName(of: $0.key), $0.value) }
    }

    /// A short line for the entry's MESSAGE: the values a reader looks for first.
    public var summary: String {
        ["regime", "opt-in-start", "max-attempts", "attempt-window-days", "refusal-quiet-days", "calling-slots"]
            .compactMap { key in self[key].map { "\(key)=\($0)" } }.joined(separator: " ")
            + " campaigns=\(campaigns.count)"
    }

    /// Reads the entry's `DIALGATE_POLICY` and `DIALGATE_CAMPAIGNS` back; nil when the policy
    /// is not a JSON object of strings.
    public init?(policyJSON: String, campaignsJSON: String?) {
        guard let object = JSONText.parse(policyJSON) as? [String: Any] else { return nil }
        var values: [String: String] = [:]
        for (key, value) in object {
            guard let text = value as? String else { return nil }
            values[key] = text
        }
        settings = Self.ordered(values, Self.keys).map { Setting(key: $0.key, value: $0.value) }
        let array = campaignsJSON.flatMap { JSONText.parse($0) as? [Any] } ?? []
        campaigns = array.compactMap { element in
            (element as? [String: Any])?.compactMapValues { $0 as? String }
        }
    }

    /// The pairs of `values`, those of `order` first in that order, the others by name.
    private static func ordered(_ values: [String: String], _ order: [String]) -> [(key: String, value: String)] {
        let known = order.compactMap { key in values[key].map { (key: key, value: $0) } }
        let others = values.filter { !order.contains($0.key) }.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        return known + others
    }
}
