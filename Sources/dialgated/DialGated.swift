import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import DialGateConfig
import DialGateCore
import DialGateDaemon
import DialGateSystemd
import Foundation
import Logging

/// `dialgated`: the call-compliance gate daemon.
@main
struct DialGated: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dialgated",
        abstract: "Answers softswitches, over a Unix socket, whether a prospecting call is allowed.",
        version: Gate.version)

    @Option(name: .long, help: "The configuration file.")
    var config = "/etc/dialgate/dialgate.toml"

    @Flag(
        name: .long,
        help: "Check the configuration file, the lists, the state directory, the groups, users and audit key it names, and exit (0 when the daemon would serve).")
    var checkConfig = false

    func run() async throws {
        Self.unblockLifecycleSignals()
        Self.raiseOpenFileLimit()
        // Under systemd stderr is a stream to the journal: native entries keep each message's
        // priority and fields. In the foreground, text lines on stderr.
        let toJournal = JournalStream.isStandardErrorConnected
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                toJournal ? JournalLogHandler(identifier: "dialgated") : StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "dialgated")
        let configuration: Configuration
        do {
            configuration = try Configuration.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("dialgated: \(error)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
        if checkConfig {
            let findings = ConfigurationCheck.run(configuration)
            for finding in findings { print(finding) }
            guard !findings.contains(where: \.isProblem) else {
                print("\(config): NOT OK")
                throw ExitCode(78)  // EX_CONFIG
            }
            print("\(config): OK, \(configuration.campaigns.count) campaigns")
            return
        }
        do {
            try await Daemon(configurationPath: config, configuration: configuration, logger: logger).run()
        } catch {
            logger.critical("dialgated cannot run: \(error)")
            throw ExitCode(1)
        }
    }

    /// A process inherits its parent's signal mask. Started by a parent that blocks SIGTERM
    /// or SIGHUP, the daemon would never stop or reload; systemd resets the mask, a shell or a
    /// supervisor may not.
    static func unblockLifecycleSignals() {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    /// Every connection is a file descriptor, and the soft limit is often 1024 (systemd keeps
    /// it there for programs using select()). The daemon uses epoll, so it takes the hard
    /// limit, or `max-connections` could not be reached.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
