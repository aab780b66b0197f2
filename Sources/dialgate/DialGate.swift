import ArgumentParser
import DialGateProtocol

/// `dialgate`: the companion command of the daemon.
@main
struct DialGate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dialgate",
        abstract: "Asks dialgated, or the lists directly, whether a prospecting call is allowed.",
        discussion: "Exit status: 0 ALLOW or success, 1 DENY, 2 error.",
        version: "dialgate \(Release.version) (protocol \(Release.protocolVersion))",
        subcommands: [Check.self, Ping.self, Stats.self, Reload.self, Pseudonym.self, Audit.self, Scrub.self, Bloctel.self, Export.self, Compile.self])
}

/// Where the daemon listens.
struct SocketOption: ParsableArguments {
    @Option(name: .long, help: "The daemon's socket.")
    var socket = "/run/dialgate/dialgate.sock"
}
