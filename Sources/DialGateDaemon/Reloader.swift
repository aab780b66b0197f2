import DialGateAudit
import DialGateConfig
import DialGateCore
import DialGateProtocol
import DialGateSystemd
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// The result of a reload, as the RELOAD command answers it.
public enum ReloadOutcome: Sendable {
    case success([Fact])
    case failure(String)
}

/// Rebuilds the serving state from the configuration file and the list directory: on start,
/// when the files change (polled), on SIGHUP (`systemctl reload`) and on the RELOAD command.
/// The new state is built off to the side and swapped in whole; if anything in it is bad the
/// previous state keeps serving and the failure is reported (journal, status line, STATS,
/// the RELOAD answer). One reload runs at a time.
///
/// What a decision was made from is journaled before the state that makes it is swapped in,
/// so every decision entry comes after the entries that explain it: the list-loaded entry
/// with the manifest of its snapshot (each file's name, kind, as-of, records and SHA-256),
/// and a policy entry with the rules of the configuration (docs/audit.md).
public actor Reloader: Service {
    private let configurationPath: String
    private let store: StateStore
    private let notifier: SystemdNotifier
    private let statistics: Statistics
    private let logger: Logger
    /// The audit run these entries belong to (`DIALGATE_RUN`), so a report finds a run's
    /// lists and policy.
    private let auditRun: String?
    private var signature: DirectorySignature?
    /// The configuration the daemon started from: what keys that need a restart still hold.
    private var startedWith: Configuration?
    /// A line for the status: when the last reload ran and how it ended.
    public private(set) var lastResult = "not yet"

    public init(
        configurationPath: String, store: StateStore, notifier: SystemdNotifier, statistics: Statistics, logger: Logger,
        auditRun: String? = nil
    ) {
        self.auditRun = auditRun
        self.configurationPath = configurationPath
        self.store = store
        self.notifier = notifier
        self.statistics = statistics
        self.logger = logger
    }

    /// Loads configuration and lists and swaps them in, or keeps the current state and says
    /// why; tells systemd (RELOADING=1, then READY=1 and the new status line).
    @discardableResult
    public func reload(trigger: String) async -> ReloadOutcome {
        _ = try? notifier.reloading()
        let outcome = rebuild(trigger: trigger, configuration: nil)
        _ = try? notifier.ready()
        _ = try? notifier.status(await StatusReporter.line(store: store, reloader: self, statistics: statistics, rate: nil))
        return outcome
    }

    /// The first load, before the daemon is ready, with the configuration it started from.
    public func loadAtStart(_ configuration: Configuration) {
        rebuild(trigger: "start", configuration: configuration)
    }

    @discardableResult
    private func rebuild(trigger: String, configuration preloaded: Configuration?) -> ReloadOutcome {
        let starting = preloaded != nil
        let current = store.current
        let configuration: Configuration
        if let preloaded {
            configuration = preloaded
        } else {
            do {
                configuration = try Configuration.load(path: configurationPath)
            } catch {
                return failed(trigger: trigger, problem: "configuration: \(error)")
            }
        }
        let access: AccessControl
        do {
            access = try AccessControl(resolving: configuration.access)
        } catch {
            if current.lists == nil {
                install(
                    ServingState(configuration: configuration, lists: nil, listsProblem: "\(error)", access: .rootOnly),
                    trigger: trigger)
            }
            return failed(trigger: trigger, problem: "configuration: \(error)")
        }
        if starting { startedWith = configuration }
        let restartNeeded = startedWith.map { $0.keysNeedingRestart(toApply: configuration) } ?? []
        if !restartNeeded.isEmpty {
            logger.warning(
                "some settings changed in the configuration take effect only at the next restart",
                metadata: ["keys": "\(restartNeeded.joined(separator: ","))"])
        }
        let files = DirectorySignature(directory: configuration.daemon.lists, extra: [configurationPath])
        let loader = ListDirectoryLoader(
            directory: configuration.daemon.lists, maxShrink: configuration.daemon.maxShrink,
            maxBadLineShare: configuration.daemon.maxBadLineShare)
        switch loader.load(previous: current.lists, now: Date()) {
        case .failure(let failure):
            if current.lists == nil {
                // Nothing served yet: keep the configuration, deny with the reason.
                install(
                    ServingState(configuration: configuration, lists: nil, listsProblem: "\(failure)", access: access),
                    trigger: trigger)
            }
            signature = files
            return failed(trigger: trigger, problem: "\(failure)")
        case .success(let load):
            let snapshot = load.snapshot
            for warning in load.warnings {
                logger.warning("list problem", metadata: ["problem": "\(warning)"])
            }
            // Before the swap: no decision from this snapshot precedes its manifest.
            var entry = JournalEntry.dialgated(
                "lists loaded (\(trigger)): snapshot \(snapshot.id), \(snapshot.files.count) files, \(snapshot.totalNumbers) numbers, "
                    + "\(load.warnings.count) warnings",
                id: AuditMessageID.listReloaded, priority: load.warnings.isEmpty ? .info : .warning)
            if let auditRun { entry.append(AuditField.run, auditRun) }
            entry.append(AuditField.trigger, trigger)
            entry.append(AuditField.snapshot, snapshot.id)
            entry.append(AuditField.snapshotSHA256, snapshot.sha256)
            for (name, value) in ListManifest(snapshot).journalFields { entry.append(name, value) }
            entry.append(AuditField.warnings, String(load.warnings.count))
            if !restartNeeded.isEmpty { entry.append("DIALGATE_RESTART_NEEDED", restartNeeded.joined(separator: ",")) }
            entry.sendShowing(on: logger)
            install(
                ServingState(configuration: configuration, lists: snapshot, listsProblem: nil, access: access), trigger: trigger)
            signature = files
            statistics.countReload(succeeded: true)
            lastResult = "ok at \(ISOInstant.format(Date()))"
            var facts = [
                Fact("reloaded", trigger), Fact("snapshot", snapshot.id), Fact("numbers", String(snapshot.totalNumbers)),
                Fact("warnings", String(load.warnings.count)),
            ]
            // Said, not swallowed: these keys kept their old value.
            if !restartNeeded.isEmpty { facts.append(Fact("restart_needed", restartNeeded.joined(separator: ","))) }
            return .success(facts)
        }
    }

    /// Journals the rules of `state`'s configuration, then makes it the state decisions read:
    /// in that order, so that the policy entry precedes every decision made under it.
    private func install(_ state: ServingState, trigger: String) {
        let record = PolicyRecord(policy: state.configuration.policy, campaigns: state.configuration.campaigns)
        var entry = JournalEntry.dialgated(
            "policy in force (\(trigger)): \(record.summary), policy \(record.id)", id: AuditMessageID.policyInForce)
        if let auditRun { entry.append(AuditField.run, auditRun) }
        entry.append(AuditField.trigger, trigger)
        for (name, value) in record.journalFields { entry.append(name, value) }
        entry.sendShowing(on: logger)
        store.replace(with: state)
    }

    private func failed(trigger: String, problem: String) -> ReloadOutcome {
        statistics.countReload(succeeded: false)
        lastResult = "FAILED at \(ISOInstant.format(Date())), previous lists kept: \(problem.prefix(200))"
        var entry = JournalEntry.dialgated(
            "reload (\(trigger)) failed, previous lists kept: \(problem)", id: AuditMessageID.listReloadFailed,
            priority: .error)
        entry.append("DIALGATE_TRIGGER", trigger)
        entry.append("DIALGATE_PROBLEM", problem)
        entry.sendShowing(on: logger)
        return .failure(problem)
    }

    /// Polls the files for changes and listens for SIGHUP until shutdown.
    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in hangups.cancelOnGracefulShutdown() { await self.reload(trigger: "signal") }
            }
            group.addTask {
                while !Task.isCancelledOrShuttingDown {
                    let seconds = await self.interval
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds > 0 ? seconds : 1)) }
                    if !Task.isCancelledOrShuttingDown { await self.reloadIfChanged() }
                }
            }
        }
    }

    private func reloadIfChanged() async {
        guard interval > 0 else { return }
        let configuration = store.current.configuration
        let now = DirectorySignature(directory: configuration.daemon.lists, extra: [configurationPath])
        if now != signature { await reload(trigger: "change") }
    }

    private var interval: Double { store.current.configuration.daemon.reloadPollSeconds }
}

/// What changed on disk, cheaply: name, size, modification time and inode of each file.
struct DirectorySignature: Equatable {
    private var entries: [String: [Int]] = [:]

    init(directory: String, extra: [String]) {
        var paths = extra
        if let names = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            paths += names.map { directory + "/" + $0 }
        }
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            entries[path] = [
                Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino),
            ]
        }
    }
}
