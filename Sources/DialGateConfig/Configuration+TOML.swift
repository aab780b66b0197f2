import DialGateCore
import Foundation
import TOMLKit

extension Configuration {
    /// Reads a configuration file.
    public static func load(path: String) throws(ConfigurationError) -> Configuration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(.unreadable(error.localizedDescription), key: nil, line: nil, file: path)
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            return try parse(text, baseDirectory: base)
        } catch {
            var located = error
            located.file = path
            throw located
        }
    }

    /// Parses configuration text; relative paths in it are resolved against `baseDirectory`.
    public static func parse(_ text: String, baseDirectory: String) throws(ConfigurationError) -> Configuration {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                .syntax(error.description), key: nil, line: error.source.begin.line, column: error.source.begin.column)
        } catch {
            throw ConfigurationError(.syntax("\(error)"), key: nil, line: nil)
        }
        let root = ConfigurationReader(table: table, path: "", lines: ConfigurationKeyLines(text: text))
        try root.checkKeys(["daemon", "audit", "policy", "campaign", "access"])

        let daemon = try root.subtable("daemon").map { reader throws(ConfigurationError) in try daemonSettings(reader, base: baseDirectory) }
            ?? DaemonSettings()
        let audit = try auditSettings(root.subtable("audit"), daemon: daemon, base: baseDirectory)
        let policy = try root.subtable("policy").map(policySettings) ?? PolicySettings()
        let campaigns = try campaigns(root.tables("campaign") ?? [])
        let access = try root.subtable("access").map(accessSettings) ?? AccessSettings()
        return Configuration(daemon: daemon, policy: policy, campaigns: campaigns, audit: audit, access: access)
    }

    // MARK: [access]

    private static func accessSettings(_ reader: ConfigurationReader) throws(ConfigurationError) -> AccessSettings {
        try reader.checkKeys(AccessSettings.Role.allCases.map(\.rawValue))
        var access = AccessSettings()
        for role in AccessSettings.Role.allCases {
            guard let texts = try reader.strings(role.rawValue) else { continue }
            var principals: [AccessSettings.Principal] = []
            for text in texts {
                guard let principal = AccessSettings.Principal(parsing: text) else {
                    throw reader.error(
                        .invalidValue("\"\(text)\" is not \"*\", \"user:NAME\", \"uid:N\", \"group:NAME\" or \"gid:N\""),
                        key: role.rawValue)
                }
                principals.append(principal)
            }
            access.grants[role] = principals
        }
        return access
    }

    // MARK: [daemon]

    private static func daemonSettings(_ reader: ConfigurationReader, base: String) throws(ConfigurationError) -> DaemonSettings {
        try reader.checkKeys([
            "socket", "socket-mode", "socket-group", "lists", "state", "idle-timeout-seconds", "max-connections",
            "max-connections-per-uid", "max-line-bytes", "reload-poll-seconds", "max-shrink", "max-bad-line-share",
        ])
        var settings = DaemonSettings()
        if let socket = try reader.path("socket", base: base) {
            // sun_path holds 108 bytes with its terminating NUL.
            guard socket.utf8.count <= 107 else {
                throw reader.error(.invalidValue("\(socket) is \(socket.utf8.count) bytes, more than the 107 a Unix socket path allows"), key: "socket")
            }
            settings.socket = socket
        }
        if let mode = try reader.string("socket-mode") {
            guard (3...4).contains(mode.count), let bits = UInt32(mode, radix: 8), bits <= 0o7777 else {
                throw reader.error(.invalidValue("\"\(mode)\" is not an octal mode such as \"0660\""), key: "socket-mode")
            }
            settings.socketMode = bits
        }
        settings.socketGroup = try reader.text("socket-group")
        settings.lists = try reader.path("lists", base: base) ?? settings.lists
        settings.state = try reader.path("state", base: base) ?? settings.state
        settings.idleTimeoutSeconds = try reader.int("idle-timeout-seconds", in: 1...86_400) ?? settings.idleTimeoutSeconds
        settings.maxConnections = try reader.int("max-connections", in: 1...1_000_000) ?? settings.maxConnections
        settings.maxConnectionsPerUID =
            try reader.int("max-connections-per-uid", in: 1...1_000_000) ?? settings.maxConnectionsPerUID
        settings.maxLineBytes = try reader.int("max-line-bytes", in: 64...1_048_576) ?? settings.maxLineBytes
        settings.reloadPollSeconds = try reader.number("reload-poll-seconds", in: 0...86_400) ?? settings.reloadPollSeconds
        settings.maxShrink = try reader.share("max-shrink") ?? settings.maxShrink
        settings.maxBadLineShare = try reader.share("max-bad-line-share") ?? settings.maxBadLineShare
        return settings
    }

    // MARK: [audit]

    private static func auditSettings(
        _ reader: ConfigurationReader?, daemon: DaemonSettings, base: String
    ) throws(ConfigurationError) -> AuditSettings {
        let defaultKey = ConfigurationReader.resolve("audit.key", base: daemon.state)
        guard let reader else { return AuditSettings(keyFile: defaultKey) }
        try reader.checkKeys(["number", "key-file", "deadline-milliseconds", "confirm-interval-seconds"])
        return AuditSettings(
            numberMode: try reader.choice("number", AuditSettings.NumberMode.self) ?? .pseudonym,
            keyFile: try reader.path("key-file", base: base) ?? defaultKey,
            deadlineMilliseconds: try reader.int("deadline-milliseconds", in: 10...60_000) ?? 1000,
            confirmIntervalSeconds: try reader.number("confirm-interval-seconds", in: 0.1...3600) ?? 5)
    }

    // MARK: [policy]

    private static func policySettings(_ reader: ConfigurationReader) throws(ConfigurationError) -> PolicySettings {
        try reader.checkKeys([
            "regime", "opt-in-start", "clearance-max-age-days", "max-attempts", "attempt-window-days",
            "refusal-quiet-days", "press-exception-in-opt-in", "polling-exception-in-opt-in",
            "non-profit-exception-in-opt-in", "public-service-exception", "callback-exception",
            "consent-lifts-frequency-and-refusal", "alsace-moselle-holidays", "calling-slots", "sector-ban",
            "b2b-coherence",
        ])
        var policy = PolicySettings()
        policy.regime = try reader.choice("regime", [PolicySettings.RegimeChoice.byDate, .optOut, .optIn]) ?? policy.regime
        policy.optInStart = try reader.day("opt-in-start") ?? policy.optInStart
        policy.clearanceMaxAgeDays = try reader.int("clearance-max-age-days", in: 1...366) ?? policy.clearanceMaxAgeDays
        policy.maxAttempts = try reader.int("max-attempts", in: 1...1000) ?? policy.maxAttempts
        policy.attemptWindowDays = try reader.int("attempt-window-days", in: 1...366) ?? policy.attemptWindowDays
        policy.refusalQuietDays = try reader.int("refusal-quiet-days", in: 0...3650) ?? policy.refusalQuietDays
        policy.pressExceptionInOptIn = try reader.bool("press-exception-in-opt-in") ?? policy.pressExceptionInOptIn
        policy.pollingExceptionInOptIn =
            try reader.bool("polling-exception-in-opt-in") ?? policy.pollingExceptionInOptIn
        policy.nonProfitExceptionInOptIn =
            try reader.bool("non-profit-exception-in-opt-in") ?? policy.nonProfitExceptionInOptIn
        policy.publicServiceException = try reader.bool("public-service-exception") ?? policy.publicServiceException
        policy.callbackException = try reader.bool("callback-exception") ?? policy.callbackException
        policy.consentLiftsFrequencyAndRefusal =
            try reader.bool("consent-lifts-frequency-and-refusal") ?? policy.consentLiftsFrequencyAndRefusal
        policy.alsaceMoselleHolidays = try reader.bool("alsace-moselle-holidays") ?? policy.alsaceMoselleHolidays
        if let slots = try reader.strings("calling-slots") {
            policy.callingSlots = try callingSlots(slots, reader: reader)
        }
        if let bans = try reader.tables("sector-ban") {
            policy.sectorBans = try bans.map(sectorBan)
        }
        if let coherence = try reader.subtable("b2b-coherence") {
            var map: [String: [String]] = [:]
            for category in coherence.table.keys {
                map[category] = try coherence.strings(category)
            }
            policy.businessCoherence = map
        }
        return policy
    }

    /// `"10:00-13:00"` → minutes 600..<780; slots must be in order and not overlap.
    private static func callingSlots(_ texts: [String], reader: ConfigurationReader) throws(ConfigurationError) -> [Range<Int>] {
        func minutes(_ text: Substring) -> Int? {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
                (0...24).contains(hours), (0..<60).contains(minutes), hours * 60 + minutes <= 1440
            else { return nil }
            return hours * 60 + minutes
        }
        var slots: [Range<Int>] = []
        for text in texts {
            let ends = text.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 2, let start = minutes(ends[0]), let end = minutes(ends[1]), start < end else {
                throw reader.error(.invalidValue("\"\(text)\" is not a slot such as \"10:00-13:00\""), key: "calling-slots")
            }
            if let last = slots.last, start < last.upperBound {
                throw reader.error(.invalidValue("\"\(text)\" overlaps or precedes the slot before it"), key: "calling-slots")
            }
            slots.append(start..<end)
        }
        return slots
    }

    private static func sectorBan(_ reader: ConfigurationReader) throws(ConfigurationError) -> PolicySettings.SectorBan {
        try reader.checkKeys(["category", "since", "rule", "channels"])
        var channels: Set<Campaign.Channel> = [.voice]
        if let names = try reader.strings("channels") {
            channels = []
            for name in names {
                guard let channel = Campaign.Channel(rawValue: name) else {
                    let known = Campaign.Channel.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                    throw reader.error(.invalidValue("\"\(name)\" is not one of \(known)"), key: "channels")
                }
                channels.insert(channel)
            }
            guard !channels.isEmpty else { throw reader.error(.invalidValue("a ban covers at least one channel"), key: "channels") }
        }
        return PolicySettings.SectorBan(
            category: try reader.required("category", reader.text),
            since: try reader.day("since"),
            rule: try reader.required("rule", reader.text),
            channels: channels)
    }

    // MARK: [[campaign]]

    /// Characters of a campaign id: it travels on the protocol line as `campaign=<id>`.
    private static let campaignIDCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")

    private static func campaigns(_ readers: [ConfigurationReader]) throws(ConfigurationError) -> [Campaign] {
        var campaigns: [Campaign] = []
        var firstLines: [String: Int?] = [:]
        for reader in readers {
            try reader.checkKeys(["id", "purpose", "audience", "channel", "offers", "start", "end"])
            let id = try reader.required("id", reader.text)
            guard id.allSatisfy({ campaignIDCharacters.contains($0) }) else {
                throw reader.error(.invalidValue("\"\(id)\" may hold only letters, digits, '.', '_' and '-'"), key: "id")
            }
            if let first = firstLines[id] {
                throw reader.error(.duplicateCampaign(id: id, firstLine: first), key: "id")
            }
            firstLines[id] = reader.lines.line(of: reader.keyPath("id"))
            let start = try reader.day("start")
            let end = try reader.day("end")
            if let start, let end, end < start {
                throw reader.error(.invalidValue("end \(end) is before start \(start)"), key: "end")
            }
            campaigns.append(
                Campaign(
                    id: id,
                    purpose: try reader.choice("purpose", Campaign.Purpose.self) ?? .commercial,
                    audience: try reader.choice("audience", Campaign.Audience.self) ?? .consumer,
                    channel: try reader.choice("channel", Campaign.Channel.self) ?? .voice,
                    offers: Set(try reader.strings("offers") ?? []),
                    start: start,
                    end: end))
        }
        return campaigns
    }
}
