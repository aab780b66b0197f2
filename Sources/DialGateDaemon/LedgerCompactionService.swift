import DialGateLedger
import Foundation
import Logging
import ServiceLifecycle

/// Compacts the ledger at start and then every `interval`, until graceful shutdown or
/// cancellation, so the file and memory hold attempts and refusals only as long as a rule
/// can still need them.
///
/// A failed compaction is logged and retried at the next interval, never thrown: the ledger
/// either stays as it was or (after a failure past the rename) reports itself unavailable,
/// which the gate already turns into DENY.
public struct LedgerCompactionService: Service {
    private let ledger: Ledger
    private let interval: Duration
    private let windows: @Sendable () -> (attemptsDays: Int, refusalsDays: Int)
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - interval: time between compactions (default 6 hours).
    ///   - windows: the attempts window and the quiet period after a refusal (D223-9: 30 and
    ///     60 days) of the policy in force, read at each run, so that a reload that widens a
    ///     window never lets a compaction drop a record the new policy needs.
    ///   - now: the clock, injectable for tests and replays.
    public init(
        ledger: Ledger,
        interval: Duration = .seconds(6 * 3600),
        windows: @escaping @Sendable () -> (attemptsDays: Int, refusalsDays: Int),
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.ledger = ledger
        self.interval = interval
        self.windows = windows
        self.logger = logger
        self.now = now
    }

    /// Compacts now, then after each `interval`; returns on graceful shutdown or cancellation.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await compactOnce()
            do {
                try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            } catch is CancellationError {
                return
            }
        }
    }

    private func compactOnce() async {
        let windows = windows()
        do {
            let report = try await ledger.compactWithoutBlocking(
                now: now(), keepAttemptsDays: windows.attemptsDays, keepRefusalsDays: windows.refusalsDays)
            logger.info(
                "ledger compacted",
                metadata: [
                    "kept": "\(report.kept)", "dropped": "\(report.dropped)",
                    "bytes_before": "\(report.bytesBefore)", "bytes_after": "\(report.bytesAfter)",
                    "duration": "\(report.duration)", "appends_held": "\(report.appendsHeld)",
                    "attempt_window_days": "\(windows.attemptsDays)",
                    "refusal_window_days": "\(windows.refusalsDays)",
                ])
        } catch {
            logger.error("ledger compaction failed", metadata: ["error": "\(error)"])
        }
    }
}
