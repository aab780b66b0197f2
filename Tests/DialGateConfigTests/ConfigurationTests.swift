import DialGateConfig
import Foundation
import Testing

@testable import DialGateCore

private func parse(_ text: String, base: String = "/etc/dialgate") throws(ConfigurationError) -> Configuration {
    try Configuration.parse(text, baseDirectory: base)
}

private func configurationError(_ text: String) -> ConfigurationError? {
    do {
        _ = try parse(text)
        return nil
    } catch {
        return error
    }
}

@Suite("Configuration")
struct ConfigurationTests {
    @Test("an empty file gives the documented defaults")
    func defaults() throws {
        let configuration = try parse("")
        #expect(configuration.daemon == DaemonSettings())
        #expect(configuration.daemon.socket == "/run/dialgate/dialgate.sock")
        #expect(configuration.daemon.socketMode == 0o660)
        #expect(configuration.daemon.socketGroup == nil)
        #expect(configuration.daemon.lists == "/var/lib/dialgate/lists")
        #expect(configuration.daemon.state == "/var/lib/dialgate")
        #expect(configuration.daemon.idleTimeoutSeconds == 60)
        #expect(configuration.daemon.maxConnections == 4096)
        #expect(configuration.daemon.maxLineBytes == 4096)
        #expect(configuration.daemon.reloadPollSeconds == 5)
        #expect(configuration.daemon.maxShrink == 0.5)
        #expect(configuration.daemon.maxBadLineShare == 0.01)
        #expect(configuration.audit == AuditSettings(numberMode: .pseudonym, keyFile: "/var/lib/dialgate/audit.key"))
        #expect(configuration.policy == PolicySettings())
        // Unconfirmed readings are off by default: polling and non-profit calls need consent in opt-in.
        #expect(!configuration.policy.pollingExceptionInOptIn && !configuration.policy.nonProfitExceptionInOptIn)
        #expect(configuration.campaigns.isEmpty)
    }

    @Test("every key is read")
    func everyKey() throws {
        let configuration = try parse(
            """
            [daemon]
            socket = "/run/gate/gate.sock"
            socket-mode = "0600"
            socket-group = "dialer"
            lists = "/srv/lists"
            state = "/srv/state"
            idle-timeout-seconds = 30
            max-connections = 100
            max-connections-per-uid = 8
            max-line-bytes = 1024
            reload-poll-seconds = 2.5
            max-shrink = 0.25
            max-bad-line-share = 0
            [audit]
            number = "clear"
            key-file = "/srv/keys/audit.key"
            confirm-interval-seconds = 2.5
            [policy]
            regime = "opt-out"
            opt-in-start = 2026-09-01
            clearance-max-age-days = 28
            max-attempts = 3
            attempt-window-days = 31
            refusal-quiet-days = 90
            press-exception-in-opt-in = true
            polling-exception-in-opt-in = true
            non-profit-exception-in-opt-in = true
            public-service-exception = false
            callback-exception = false
            consent-lifts-frequency-and-refusal = true
            alsace-moselle-holidays = true
            calling-slots = ["09:30-12:00", "13:00-24:00"]
            [policy.b2b-coherence]
            software = ["62", "63"]
            food = ["10", "bakery"]
            [[policy.sector-ban]]
            category = "cpf-training"
            since = "2022-12-20"
            rule = "Code du travail L6323-8-1"
            channels = ["voice", "sms"]
            [[campaign]]
            id = "fibre-promo"
            purpose = "public-service"
            audience = "business"
            channel = "sms"
            offers = ["telecom", "mobile"]
            start = 2026-06-01
            end = "2026-12-31"
            """)
        let daemon = configuration.daemon
        #expect(
            daemon
                == DaemonSettings(
                    socket: "/run/gate/gate.sock", socketMode: 0o600, socketGroup: "dialer", lists: "/srv/lists",
                    state: "/srv/state", idleTimeoutSeconds: 30, maxConnections: 100, maxConnectionsPerUID: 8,
                    maxLineBytes: 1024,
                    reloadPollSeconds: 2.5, maxShrink: 0.25, maxBadLineShare: 0))
        #expect(configuration.audit == AuditSettings(numberMode: .clear, keyFile: "/srv/keys/audit.key", confirmIntervalSeconds: 2.5))
        let policy = configuration.policy
        #expect(policy.regime == .optOut)
        #expect(policy.optInStart == CalendarDay(year: 2026, month: 9, day: 1))
        #expect(policy.clearanceMaxAgeDays == 28)
        #expect(policy.maxAttempts == 3)
        #expect(policy.attemptWindowDays == 31)
        #expect(policy.refusalQuietDays == 90)
        #expect(policy.pressExceptionInOptIn)
        #expect(policy.pollingExceptionInOptIn)
        #expect(policy.nonProfitExceptionInOptIn)
        #expect(!policy.publicServiceException)
        #expect(!policy.callbackException)
        #expect(policy.consentLiftsFrequencyAndRefusal)
        #expect(policy.alsaceMoselleHolidays)
        #expect(policy.callingSlots == [570..<720, 780..<1440])
        #expect(policy.businessCoherence == ["software": ["62", "63"], "food": ["10", "bakery"]])
        #expect(
            policy.sectorBans == [
                PolicySettings.SectorBan(
                    category: "cpf-training", since: CalendarDay(year: 2022, month: 12, day: 20), rule: "Code du travail L6323-8-1",
                    channels: [.voice, .sms])
            ])
        #expect(
            configuration.campaigns == [
                Campaign(
                    id: "fibre-promo", purpose: .publicService, audience: .business, channel: .sms, offers: ["telecom", "mobile"],
                    start: CalendarDay(year: 2026, month: 6, day: 1), end: CalendarDay(year: 2026, month: 12, day: 31))
            ])
    }

    @Test("a campaign needs only an id; the rest defaults to the strictest reading")
    func campaignDefaults() throws {
        let configuration = try parse("[[campaign]]\nid = \"c1\"\n")
        #expect(configuration.campaigns == [Campaign(id: "c1", purpose: .commercial, audience: .consumer, channel: .voice)])
        #expect(configuration.campaign(id: "c1") != nil)
        #expect(configuration.campaign(id: "c2") == nil)
    }

    @Test("relative paths resolve against the configuration's directory; the audit key defaults into state")
    func relativePaths() throws {
        let configuration = try parse(
            """
            [daemon]
            socket = "../run/dialgate.sock"
            lists = "lists"
            state = "./state/"
            """, base: "/etc/dialgate")
        #expect(configuration.daemon.socket == "/etc/run/dialgate.sock")
        #expect(configuration.daemon.lists == "/etc/dialgate/lists")
        #expect(configuration.daemon.state == "/etc/dialgate/state")
        #expect(configuration.audit.keyFile == "/etc/dialgate/state/audit.key")
        let keyed = try parse("[audit]\nkey-file = \"keys/audit.key\"\n", base: "/opt/gate/")
        #expect(keyed.audit.keyFile == "/opt/gate/keys/audit.key")
    }

    @Test(
        "each error names the key and its line",
        arguments: [
            // Unknown keys, at every level.
            ("[deamon]\nsocket = \"/x\"\n", "deamon", 1, "unknown key"),
            ("[daemon]\nlists = \"/l\"\nsokcet = \"/x\"\n", "daemon.sokcet", 3, "unknown key"),
            ("[policy]\nmax-attempts = 4\n[policy.sector-ban]\ncategory = \"x\"\n", "policy.sector-ban", 3, "expected array of tables"),
            ("[[campaign]]\nid = \"a\"\n[[campaign]]\nid = \"b\"\nofers = [\"x\"]\n", "campaign[2].ofers", 5, "unknown key"),
            ("[[policy.sector-ban]]\ncategory = \"x\"\nrule = \"r\"\nchanel = [\"sms\"]\n", "policy.sector-ban[1].chanel", 4, "unknown key"),
            // Wrong types.
            ("[daemon]\nmax-connections = \"many\"\n", "daemon.max-connections", 2, "expected integer, found string"),
            ("[policy]\ncallback-exception = \"yes\"\n", "policy.callback-exception", 2, "expected bool, found string"),
            ("[policy]\ncalling-slots = [\"10:00-13:00\", 14]\n", "policy.calling-slots", 2, "expected array of strings"),
            ("[campaign]\nid = \"a\"\n", "campaign", 1, "expected array of tables ([[campaign]])"),
            ("[daemon]\nsocket-mode = 0o660\n", "daemon.socket-mode", 2, "expected string, found integer"),
            // Invalid values.
            ("[daemon]\nsocket-mode = \"rw-rw----\"\n", "daemon.socket-mode", 2, "not an octal mode"),
            ("[daemon]\nmax-shrink = 1.5\n", "daemon.max-shrink", 2, "not a share between 0 and 1"),
            ("[daemon]\nmax-connections = 0\n", "daemon.max-connections", 2, "out of range"),
            ("[daemon]\nmax-connections-per-uid = 0\n", "daemon.max-connections-per-uid", 2, "out of range"),
            ("[daemon]\nlists = \"\"\n", "daemon.lists", 2, "must not be empty"),
            ("[policy]\nregime = \"opt-maybe\"\n", "policy.regime", 2, "\"opt-maybe\" is not one of \"auto\", \"opt-out\", \"opt-in\""),
            ("[policy]\nopt-in-start = \"11/08/2026\"\n", "policy.opt-in-start", 2, "not a date"),
            ("[policy]\ncalling-slots = [\"10h-13h\"]\n", "policy.calling-slots", 2, "not a slot"),
            ("[policy]\ncalling-slots = [\"14:00-20:00\", \"10:00-13:00\"]\n", "policy.calling-slots", 2, "overlaps or precedes"),
            ("[audit]\nnumber = \"hashed\"\n", "audit.number", 2, "is not one of \"pseudonym\", \"clear\""),
            ("[[campaign]]\nid = \"a b\"\n", "campaign[1].id", 2, "only letters, digits"),
            ("[[campaign]]\nid = \"a\"\npurpose = \"sales\"\n", "campaign[1].purpose", 3, "\"sales\" is not one of"),
            ("[[campaign]]\nid = \"a\"\nstart = 2026-06-01\nend = 2026-05-01\n", "campaign[1].end", 4, "before start"),
            (
                "[[policy.sector-ban]]\ncategory = \"x\"\nrule = \"r\"\nchannels = [\"fax\"]\n", "policy.sector-ban[1].channels", 4,
                "\"fax\" is not one of"
            ),
            // Missing required keys: the line is the table's.
            ("[[campaign]]\nid = \"a\"\n\n[[campaign]]\npurpose = \"press\"\n", "campaign[2].id", 4, "missing required key"),
            ("[[policy.sector-ban]]\ncategory = \"x\"\n", "policy.sector-ban[1].rule", 1, "missing required key"),
            // Duplicate campaign ids: the second one, saying where the first is.
            (
                "[[campaign]]\nid = \"a\"\n[[campaign]]\nid = \"b\"\n[[campaign]]\n# again\nid = \"a\"\n", "campaign[3].id", 7,
                "duplicate campaign id 'a' (first declared at line 2)"
            ),
        ])
    func errorsNameKeyAndLine(text: String, key: String, line: Int, message: String) throws {
        let error = try #require(configurationError(text))
        #expect(error.key == key)
        #expect(error.line == line)
        #expect(error.message.contains(message), "\(error.message)")
        #expect(error.description.hasPrefix("configuration:\(line): \(key): "))
    }

    @Test("a TOML syntax error gives the parser's line and column")
    func syntaxError() throws {
        let error = try #require(configurationError("[daemon]\nlists = \"/l\"\nsocket = \"/x\n"))
        guard case .syntax = error.problem else {
            Issue.record("not a syntax error: \(error)")
            return
        }
        #expect(error.line == 3)
        #expect(error.column != nil)
        #expect(error.key == nil)
    }

    @Test("lines stay right after multi-line arrays and strings")
    func linesAfterMultilineValues() throws {
        let error = try #require(
            configurationError(
                """
                [policy]
                calling-slots = [
                  "10:00-13:00",   # morning
                  "14:00-20:00",
                ]
                [[campaign]]
                id = "a"
                purpose = \"\"\"
                not = "a key"
                \"\"\"
                """))
        #expect(error.key == "campaign[1].purpose")
        #expect(error.line == 8)
    }

    @Test("an empty sector-ban array removes the built-in bans")
    func emptySectorBans() throws {
        #expect(try parse("[policy]\nsector-ban = []\n").policy.sectorBans.isEmpty)
    }

    @Test("load(path:) names the file in errors and resolves paths against its directory")
    func loadFromFile() throws {
        let directory = try ScratchDirectory()
        let path = directory.path + "/dialgate.toml"
        try Data("[daemon]\nlists = \"lists\"\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try Configuration.load(path: path).daemon.lists == directory.path + "/lists")

        try Data("[daemon]\nlists = 3\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Configuration.load(path: path)
            Issue.record("a wrong configuration loaded")
        } catch {
            #expect(error.description == "\(path):2: daemon.lists: expected string, found integer")
        }

        do {
            _ = try Configuration.load(path: directory.path + "/missing.toml")
            Issue.record("a missing file loaded")
        } catch {
            guard case .unreadable = error.problem else {
                Issue.record("not unreadable: \(error)")
                return
            }
            #expect(error.file == directory.path + "/missing.toml")
        }
    }

    @Test("the example configuration loads, with its campaigns, bans and lists")
    func example() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().standardized.path
        let configuration = try Configuration.load(path: root + "/examples/dialgate.toml")
        #expect(configuration.daemon.socket == root + "/.run/dialgate.sock")
        #expect(configuration.daemon.state == root + "/.run/state")
        #expect(configuration.daemon.lists == root + "/examples/lists")
        #expect(configuration.audit.keyFile == root + "/.run/state/audit.key")
        #expect(configuration.campaigns.map(\.id) == ["fibre-promo", "abo-presse", "sondage-2026", "saas-pro", "isolation-maison"])
        #expect(configuration.campaign(id: "fibre-promo")?.offers == ["telecom"])
        #expect(configuration.campaign(id: "saas-pro")?.audience == .business)
        #expect(configuration.campaign(id: "abo-presse")?.purpose == .press)
        #expect(configuration.campaign(id: "sondage-2026")?.purpose == .polling)
        #expect(configuration.policy.businessCoherence["software"] == ["62", "63", "it-services"])
        // The example spells out the built-in bans.
        #expect(configuration.policy.sectorBans == PolicySettings().sectorBans)
        let load = try configuration.daemon.listLoader.load(previous: nil, now: listTestNow).get()
        #expect(load.snapshot.files.count == 9)
    }
}

@Suite("What a reload applies")
struct RestartKeysTests {
    @Test("a reload says which changed keys wait for a restart: the socket, limits and all of [audit]; policy and lists do not")
    func keysNeedingRestart() {
        let started = Configuration()
        var newer = started
        newer.policy.maxAttempts = 6
        newer.daemon.lists = "/elsewhere"
        #expect(started.keysNeedingRestart(toApply: newer).isEmpty)
        newer.daemon.socket = "/run/other.sock"
        newer.audit.deadlineMilliseconds = 250
        newer.audit.numberMode = .clear
        #expect(started.keysNeedingRestart(toApply: newer) == ["daemon.socket", "audit.number", "audit.deadline-milliseconds"])
    }
}
