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
    private let keepAttemptsDays: Int
    private let keepRefusalsDays: Int
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - interval: time between compactions (default 6 hours).
    ///   - keepAttemptsDays: the attempts window (D223-9: 30 days).
    ///   - keepRefusalsDays: the quiet period after a refusal (D223-9: 60 days).
    ///   - now: the clock, injectable for tests and replays.
    public init(
        ledger: Ledger,
        interval: Duration = .seconds(6 * 3600),
        keepAttemptsDays: Int = 30,
        keepRefusalsDays: Int = 60,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.ledger = ledger
        self.interval = interval
        self.keepAttemptsDays = keepAttemptsDays
        self.keepRefusalsDays = keepRefusalsDays
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
        do {
            let report = try await ledger.compactWithoutBlocking(
                now: now(), keepAttemptsDays: keepAttemptsDays, keepRefusalsDays: keepRefusalsDays)
            logger.info(
                "ledger compacted",
                metadata: [
                    "kept": "\(report.kept)", "dropped": "\(report.dropped)",
                    "bytes_before": "\(report.bytesBefore)", "bytes_after": "\(report.bytesAfter)",
                    "duration": "\(report.duration)",
                ])
        } catch {
            logger.error("ledger compaction failed", metadata: ["error": "\(error)"])
        }
    }
}
