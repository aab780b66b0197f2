import DialGateCore
import DialGateSystemd
import Foundation
import ServiceLifecycle

/// Keeps the `STATUS=` line that `systemctl status` shows up to date: numbers loaded, the
/// age of the oldest Bloctel clearance, decisions per second, the last reload's result.
public struct StatusReporter: Service {
    private let notifier: SystemdNotifier
    private let store: StateStore
    private let statistics: Statistics
    private let reloader: Reloader
    private let interval: Duration

    public init(notifier: SystemdNotifier, store: StateStore, statistics: Statistics, reloader: Reloader, interval: Duration = .seconds(5)) {
        self.notifier = notifier
        self.store = store
        self.statistics = statistics
        self.reloader = reloader
        self.interval = interval
    }

    public func run() async throws {
        var lastCount = statistics.decisions
        var lastTime = ContinuousClock.now
        while !Task.isCancelledOrShuttingDown {
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            if Task.isCancelledOrShuttingDown { return }
            let now = ContinuousClock.now
            let count = statistics.decisions
            let elapsed = Double((now - lastTime).components.seconds) + Double((now - lastTime).components.attoseconds) / 1e18
            let rate = elapsed > 0 ? Double(count - lastCount) / elapsed : 0
            (lastCount, lastTime) = (count, now)
            _ = try? notifier.status(await Self.line(store: store, reloader: reloader, statistics: statistics, rate: rate))
        }
    }

    /// The status line for the current state; `rate` is decisions per second, when known. A
    /// ledger that cannot record puts `DENYING ALL` first; an audit trail with missing entries,
    /// or one that cannot be confirmed, adds a warning at the end (`; AUDIT GAP: 132 entries
    /// missing (…)`). Both are read from `statistics`, so every caller's line says them.
    public static func line(store: StateStore, reloader: Reloader, statistics: Statistics, rate: Double?) async -> String {
        var main = await servingLine(store: store, reloader: reloader, rate: rate)
        if let ledgerFailure = statistics.ledgerFailure {
            main = "DENYING ALL: the ledger cannot record (\(ledgerFailure.prefix(160))), retrying; " + main
        }
        guard let warning = statistics.auditConfirmation.statusFragment else { return main }
        return main + "; " + warning
    }

    /// What is served and how fast, and the last reload.
    private static func servingLine(store: StateStore, reloader: Reloader, rate: Double?) async -> String {
        let state = store.current
        let reload = await reloader.lastResult
        let decisions = rate.map { String(format: "; %.1f decisions/s", $0) } ?? ""
        guard let lists = state.lists else {
            return "DENYING ALL: no lists loaded (\(state.listsProblem ?? "not loaded"))\(decisions); last reload \(reload)"
        }
        var clearance = "no Bloctel clearance"
        if let oldest = lists.oldestClearanceAsOf {
            let today = CalendarDay(date: Date())
            clearance = "oldest clearance \(oldest.days(to: today)) d"
        }
        return "serving \(lists.totalNumbers) numbers, snapshot \(lists.id), \(clearance)\(decisions); last reload \(reload)"
    }
}

extension CalendarDay {
    /// The UTC calendar day of an instant (for ages shown to operators, not for decisions).
    init(date: Date) {
        self.init(dayNumber: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
    }
}
