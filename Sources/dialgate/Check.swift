import ArgumentParser
import DialGateClient
import DialGateConfig
import DialGateCore
import DialGateProtocol
import Foundation

/// `dialgate check`: one decision, from the daemon or, with `--lists/--config`, computed here
/// from the files so a compliance officer can try a rule without a daemon.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask whether NUMBER may be called for a campaign (exit 0 ALLOW, 1 DENY, 2 error).",
        discussion: """
            Without --at the daemon decides for now (CHECK): the only answer a call may be placed on. \
            With --at it plans (PLAN) and answers WOULD-ALLOW or WOULD-DENY (exit 0 or 1), as does an offline \
            check (--config/--lists), which cannot see the daemon's ledger: neither is a permission to call.
            """)

    @Argument(help: "The number, in any written form.")
    var number: String

    @Option(name: .long, help: "The campaign id.")
    var campaign: String

    @Option(name: .long, help: "Plan for this instant (ISO-8601 with Z or an offset) instead of deciding for now.")
    var at: String?

    @Option(name: .long, help: "The channel (voice, sms, email); the campaign's by default.")
    var channel: String?

    @Option(name: .long, help: "Offline: the list directory (default: the configuration's).")
    var lists: String?

    @Option(name: .long, help: "Offline: the configuration file. With it, the daemon is not asked.")
    var config: String?

    @OptionGroup var socket: SocketOption

    func run() throws {
        if config != nil || lists != nil {
            try offline()
        } else {
            try online()
        }
    }

    private func online() throws {
        var request = "\(at == nil ? "CHECK" : "PLAN") \(quoted(number)) campaign=\(quoted(campaign))"
        if let at { request += " at=\(at)" }
        if let channel { request += " channel=\(channel)" }
        let answer: String
        do {
            answer = try LineClient(path: socket.socket).ask(request)
        } catch {
            throw fail("\(error)")
        }
        print(answer)
        guard let response = ResponseLine(parsing: Substring(answer)) else { throw ExitCode(2) }
        switch response.first {
        case "ALLOW", "WOULD-ALLOW": return
        case "DENY", "WOULD-DENY": throw ExitCode(1)
        default: throw ExitCode(2)
        }
    }

    private func offline() throws {
        guard let config else { throw fail("--lists needs --config (campaigns and policy live there)") }
        let configuration: Configuration
        do { configuration = try Configuration.load(path: config) } catch { throw fail("\(error)") }
        let directory = lists ?? configuration.daemon.lists
        let loader = ListDirectoryLoader(
            directory: directory, maxShrink: configuration.daemon.maxShrink,
            maxBadLineShare: configuration.daemon.maxBadLineShare)
        let snapshot: Snapshot
        switch loader.load(previous: nil, now: Date()) {
        case .failure(let failure): throw fail("lists in \(directory) refused: \(failure)")
        case .success(let load):
            snapshot = load.snapshot
            for warning in load.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        }
        var instant = Date()
        if let at {
            guard let parsed = ISOInstant.parse(at) else { throw fail("--at '\(at)' is not ISO-8601 with Z or an offset") }
            instant = parsed
        }
        var requestedChannel: Campaign.Channel?
        if let channel {
            guard let parsed = Campaign.Channel(rawValue: channel) else { throw fail("--channel is voice, sms or email") }
            requestedChannel = parsed
        }
        let policy = Policy(settings: configuration.policy, campaigns: configuration.campaigns)
        let decision: Decision
        var fields: [Fact] = []
        do {
            let parsed = try PhoneNumber(parsing: number)
            fields.append(Fact("number", parsed.description))
            decision = policy.decide(
                number: parsed, campaignID: campaign, channel: requestedChannel, facts: snapshot.facts(for: parsed),
                at: instant)
        } catch {
            decision = Policy.invalidNumber(error)
        }
        fields.append(Fact("snapshot", snapshot.id))
        print(Response.decision(decision, id: nil, planned: true, extra: fields).line, terminator: "")
        print("# offline: lists and configuration only; the daemon's ledger (opt-outs, consents, attempts, refusals recorded at runtime) was not consulted")
        if decision.verdict == .deny { throw ExitCode(1) }
    }
}

func quoted(_ text: String) -> String {
    text.contains(where: { $0 == " " || $0 == "\"" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : text
}

func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("dialgate: \(message)\n".utf8))
    return ExitCode(2)
}
