import DialGateAudit
import DialGateCore
import DialGateLedger
import DialGateProtocol
import DialGateServer
import DialGateSystemd
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Wires the daemon together and runs it until SIGTERM: configuration, audit key, ledger,
/// first list load, socket (inherited from systemd or bound here), then READY=1 and the
/// services (server, reloader, watchdog, status, audit confirmation, ledger compaction) in one ServiceGroup that
/// owns signals and graceful shutdown.
public struct Daemon: Sendable {
    public let configurationPath: String
    public let configuration: Configuration
    private let logger: Logger

    public init(configurationPath: String, configuration: Configuration, logger: Logger) {
        self.configurationPath = configurationPath
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let settings = configuration.daemon
        let notifier = SystemdNotifier()
        let statistics = Statistics()

        let keyFile = configuration.audit.keyFile
        let (key, created) = try Pseudonymizer.loadOrCreateKey(at: keyFile)
        let audit = AuditTrail(
            pseudonymizer: Pseudonymizer(key: key), mode: configuration.audit.numberMode,
            deadline: .milliseconds(configuration.audit.deadlineMilliseconds))
        if created { journal(AuditMessageID.auditKeyCreated, "audit pseudonym key created at \(keyFile)", priority: .notice) }

        let ledger: Ledger?
        do {
            let opened = try Ledger(directory: settings.state)
            ledger = opened
            let report = opened.openReport
            if report.tornTailBytes > 0 {
                journal(
                    AuditMessageID.ledgerTornTail,
                    "ledger had a torn last record (\(report.tornTailBytes) bytes), cut away and kept in \(report.tornTailCopy ?? "-"); it was never acknowledged",
                    priority: .warning)
            }
        } catch {
            logger.critical("ledger unavailable: every CHECK is denied", metadata: ["error": "\(error)"])
            ledger = nil
        }
        let store = StateStore(
            ServingState(configuration: configuration, lists: nil, listsProblem: "loading", access: .rootOnly))
        let reloader = Reloader(
            configurationPath: configurationPath, store: store, notifier: notifier, statistics: statistics, logger: logger,
            auditRun: audit.run)
        await reloader.loadAtStart(configuration)
        ledger?.onHealthChange { [logger, statistics] failure in
            statistics.ledgerFailure = failure
            if let failure {
                var entry = JournalEntry.dialgated(
                    "ledger cannot record (\(failure)): decisions are denied ledger-unavailable until it recovers",
                    id: AuditMessageID.ledgerFailed, priority: .critical)
                entry.append(AuditField.problem, failure)
                entry.sendShowing(on: logger)
            } else {
                JournalEntry.dialgated(
                    "ledger records again: decisions are served", id: AuditMessageID.ledgerRecovered, priority: .notice
                ).sendShowing(on: logger)
            }
            // The whole line at once, so `systemctl status` says it now, not at the next tick.
            Task { _ = try? notifier.status(await StatusReporter.line(store: store, reloader: reloader, statistics: statistics, rate: nil)) }
        }


        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, System.coreCount))
        let gate = Gate(store: store, ledger: ledger, audit: audit, statistics: statistics, reloader: reloader)
        let limits = ConnectionLimits(
            maxConnections: settings.maxConnections, maxConnectionsPerUID: settings.maxConnectionsPerUID,
            maxLineBytes: settings.maxLineBytes,
            idleTimeout: .seconds(Int64(settings.idleTimeoutSeconds)))
        // The server binds inside the service group, whose signal handlers are then in place:
        // a SIGTERM from the moment the socket answers is a graceful shutdown, never a kill.
        let server = GateServer(
            group: group, address: try listenAddress(), responder: gate, limits: limits, connectionsChanged: { statistics.countConnection($0) },
            errorAnswered: { statistics.countError(code: $0) },
            logger: logger
        ) {
            _ = try? notifier.ready()
            _ = try? notifier.status(await StatusReporter.line(store: store, reloader: reloader, statistics: statistics, rate: nil))
            journal(
                AuditMessageID.started, "dialgated \(Gate.version) started, audit run \(audit.run)",
                fields: [("DIALGATE_RUN", audit.run)])
        }

        var services: [Service] = [
            StoppingNotice(notifier: notifier), server, reloader, WatchdogService(notifier: notifier, group: group),
            StatusReporter(notifier: notifier, store: store, statistics: statistics, reloader: reloader),
            // Reads the run's entries back, so a loss in journald is noticed while it runs.
            AuditConfirmation(
                run: audit.run, status: statistics.auditConfirmation,
                interval: .milliseconds(Int64(configuration.audit.confirmIntervalSeconds * 1000)), logger: logger
            ) { audit.lastSequence },
        ]
        if let ledger {
            services.append(
                LedgerCompactionService(
                    ledger: ledger,
                    windows: {
                        let policy = store.current.configuration.policy
                        return (policy.attemptWindowDays, policy.refusalQuietDays + 1)
                    },
                    logger: logger))
        }
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: services.map { service in
                    // The watchdog has nothing to do when systemd does not ask for it; its
                    // end must not stop the others.
                    .init(service: service, successTerminationBehavior: service is WatchdogService ? .ignore : .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        var failure: Error?
        do {
            try await serviceGroup.run()
        } catch {
            failure = error
        }
        // Every queued entry is sent (or expired) first, so the last number is final.
        audit.close()
        // The last sequence number lets `dialgate audit verify` prove the run's tail complete.
        journal(
            AuditMessageID.stopping, "dialgated stopped after \(statistics.decisions) decisions",
            fields: [("DIALGATE_RUN", audit.run), ("DIALGATE_LAST_SEQ", String(audit.lastSequence))])
        ledger?.close()
        try? await group.shutdownGracefully()
        if let failure { throw failure }
    }

    /// A socket handed over by systemd wins; otherwise the configured path.
    private func listenAddress() throws -> ListenAddress {
        let inherited = try ListenFDs.takeInherited()
        if let first = inherited.descriptors.first { return .inherited(descriptor: first.fd) }
        let settings = configuration.daemon
        return .path(settings.socket, mode: settings.socketMode, group: settings.socketGroup)
    }

    private func journal(
        _ id: String, _ message: String, priority: JournalEntry.Priority = .info, fields: [(String, String)] = []
    ) {
        var entry = JournalEntry.dialgated(message, id: id, priority: priority)
        for (name, value) in fields { entry.append(name, value) }
        entry.sendShowing(on: logger)
    }
}
