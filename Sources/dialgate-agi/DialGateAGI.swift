import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `dialgate-agi`: the gate in an Asterisk dialplan, as an AGI program.
///
///     same => n,AGI(dialgate-agi,fibre-promo)     ; before Dial(): sets DIALGATE_VERDICT, ...
///     same => n,AGI(dialgate-agi,report)          ; after the call: ATTEMPT or RELEASE
///
/// Asterisk passes the AGI() arguments on the command line too, so options may be given there
/// (`AGI(dialgate-agi,--socket=/run/x.sock,fibre-promo)`). Once it has talked AGI, the program
/// exits 0 whatever happened (Asterisk logs any other status as a failure of its own); a usage
/// error is no exception: the check still fails closed through the channel's variables.
@main
struct DialGateAGI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dialgate-agi",
        abstract: "Asks dialgated from an Asterisk dialplan (AGI) whether a call may be placed, and reports it.",
        discussion: """
            Check: AGI(dialgate-agi,<campaign>[,<number>]) sets DIALGATE_VERDICT (ALLOW or DENY), DIALGATE_CLASS, \
            DIALGATE_REASON, DIALGATE_RESERVATION, DIALGATE_NEXT, DIALGATE_SEQ, DIALGATE_NUMBER, DIALGATE_CAMPAIGN, \
            DIALGATE_ERROR. Anything but the gate's ALLOW within the deadline is DENY with class unavailable. \
            Report: AGI(dialgate-agi,report) after the call sends ATTEMPT (or RELEASE) from DIALSTATUS and sets \
            DIALGATE_REPORT. See contrib/asterisk/README.md.
            """)

    @Option(name: .long, help: "The gate's socket.")
    var socket = "/run/dialgate/dialgate.sock"

    @Option(
        name: .customLong("deadline-ms"),
        help: "The bound on connecting, sending and receiving, in milliseconds (1 to 60000).")
    var deadlineMilliseconds = 300

    @Argument(help: "The campaign to check for, or `report` to report the call that ended.")
    var campaign: String?

    @Argument(help: "The number to check (default: the channel's extension, agi_extension).")
    var number: String?

    func validate() throws {
        guard (1...60_000).contains(deadlineMilliseconds) else {
            throw ValidationError("--deadline-ms must be from 1 to 60000")
        }
    }

    var isReport: Bool { campaign == "report" }

    static func main() {
        signal(SIGPIPE, SIG_IGN)
        let command: DialGateAGI?
        var usage = ""
        do {
            command = try parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                return
            }
            command = nil
            usage = message(for: error)
        }
        // A local AGI gets SIGHUP when its channel hangs up: a check has nothing left to do
        // (the call will not be placed) and ends, quietly; a report runs on a hung-up channel
        // by design and carries on.
        if command?.isReport == true {
            signal(SIGHUP, SIG_IGN)
        } else {
            signal(SIGHUP) { _ in _exit(0) }
        }
        guard let session = AGISession(hangupEnds: command?.isReport != true) else { return }
        do {
            guard let command else {
                try session.set("DIALGATE_VERDICT", "DENY")
                try session.set("DIALGATE_CLASS", "unavailable")
                try session.set("DIALGATE_REASON", "bad-usage")
                try session.verbose("dialgate: DENY bad-usage class=unavailable, fail closed: \(usage)", level: 1)
                return
            }
            try command.talk(to: session)
        } catch {
            // HANGUP, or Asterisk gone: nothing more to say to anyone.
        }
    }

    private func talk(to session: AGISession) throws(AGISession.Ending) {
        let gate = GateConnection(socketPath: socket)
        if isReport {
            try ReportCall(session: session, gate: gate, deadlineMilliseconds: deadlineMilliseconds).run()
        } else {
            try CheckCall(
                session: session, gate: gate, deadlineMilliseconds: deadlineMilliseconds, campaign: campaign ?? "",
                number: number
            ).run()
        }
    }
}
