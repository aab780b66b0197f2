import ArgumentParser
import DialGateCore
import DialGateLedger
import Foundation
import Synchronization

/// `dialgate-bench compaction`: how long appends wait while the ledger compacts a large file.
///
/// Fills a fresh ledger with attempts up to `--megabytes` (half of them old enough to be
/// dropped), then compacts it the way the daemon's service does (`compactWithoutBlocking`)
/// while `--writers` tasks keep appending, one append at a time each. Prints the compaction's
/// duration and the longest, the 99th-percentile and the median append latency among the
/// appends made while it ran: the figure that says whether a compaction holds the gate's
/// writes (and the CHECKs queued behind them) back.
struct CompactionBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compaction",
        abstract: "Append latency during a ledger compaction: longest, p99, median, and the compaction's duration.")

    @Option(help: "Size of the ledger to compact, in MB.")
    var megabytes = 120

    @Option(help: "Tasks appending one record at a time each while the compaction runs.")
    var writers = 8

    @Option(help: "Seconds the writers append before the compaction starts: the latencies of this machine's disk without a compaction, to compare with.")
    var baselineSeconds = 10

    @Option(help: "Where to build the ledger (a fresh temporary directory when not given; removed afterwards).")
    var directory: String?

    func run() async throws {
        let path = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("dialgate-compaction-bench-\(UUID().uuidString)").path
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: path) } }
        let ledger = try Ledger(directory: path)
        defer { ledger.close() }
        let now = Date(timeIntervalSince1970: 1_796_030_100)
        let target = UInt64(megabytes) * 1_000_000

        let clock = ContinuousClock()
        let fillStart = clock.now
        try await fill(ledger, to: target, now: now)
        print("ledger filled: \(ledger.stats.records) records, \(ledger.stats.bytes / 1_000_000) MB in \(clock.now - fillStart)")

        let phase = BenchPhase()
        async let latencies = appendDuring(phase, ledger: ledger, now: now)
        // The writers append alone first: the baseline.
        try await Task.sleep(for: .seconds(baselineSeconds))
        let start = clock.now
        phase.value.store(BenchPhase.compacting, ordering: .sequentiallyConsistent)
        let report = try await ledger.compactWithoutBlocking(now: now, keepAttemptsDays: 30, keepRefusalsDays: 60)
        phase.value.store(BenchPhase.after, ordering: .sequentiallyConsistent)
        let duration = clock.now - start
        // Let the writers see the end, then stop them.
        try await Task.sleep(for: .milliseconds(50))
        phase.value.store(BenchPhase.stopped, ordering: .sequentiallyConsistent)
        let (baseline, during) = try await latencies
        let measured = during.sorted()
        let alone = baseline.sorted()
        guard let longest = measured.last, let longestAlone = alone.last else {
            print("no append completed during the compaction")
            return
        }
        print("compaction: \(report.kept) kept, \(report.dropped) dropped, \(report.bytesBefore / 1_000_000) MB to \(report.bytesAfter / 1_000_000) MB in \(duration), appends held back for \(report.appendsHeld)")
        print("appends during the compaction (\(writers) writers): \(measured.count); "
            + "longest wait \(Self.milliseconds(longest)), p99 \(Self.milliseconds(measured[measured.count * 99 / 100])), "
            + "median \(Self.milliseconds(measured[measured.count / 2]))")
        print("appends before it, for \(baselineSeconds) s (the disk alone): \(alone.count); "
            + "longest wait \(Self.milliseconds(longestAlone)), p99 \(Self.milliseconds(alone[alone.count * 99 / 100])), "
            + "median \(Self.milliseconds(alone[alone.count / 2]))")
    }

    /// Appends attempts from 256 tasks until the file reaches `target` bytes: every other one
    /// 100 days old (dropped by the compaction), the others from yesterday (kept).
    private func fill(_ ledger: Ledger, to target: UInt64, now: Date) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<256 {
                group.addTask {
                    var index = 0
                    while ledger.stats.bytes < target {
                        let number = PhoneNumber(key: 33_600_000_000 + UInt64(worker) * 100_000 + UInt64(index % 100_000))!
                        let age: Double = index % 2 == 0 ? 100 : 1
                        try await ledger.append(.attempt(number: number, campaign: "bench", at: now.addingTimeInterval(-age * 86_400)))
                        index += 1
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Each writer appends one record at a time, timing each, until the phase is `stopped`;
    /// returns the latencies of the appends made before the compaction, and of those that
    /// overlapped it (begun or ended while it ran, so one held for the whole compaction counts).
    private func appendDuring(
        _ phase: BenchPhase, ledger: Ledger, now: Date
    ) async throws -> (baseline: [Duration], during: [Duration]) {
        try await withThrowingTaskGroup(of: ([Duration], [Duration]).self) { group in
            for worker in 0..<writers {
                group.addTask {
                    let clock = ContinuousClock()
                    var baseline: [Duration] = []
                    var latencies: [Duration] = []
                    var index = 0
                    while phase.value.load(ordering: .sequentiallyConsistent) != BenchPhase.stopped {
                        let number = PhoneNumber(key: 33_700_000_000 + UInt64(worker) * 100_000 + UInt64(index % 100_000))!
                        let before = phase.value.load(ordering: .sequentiallyConsistent)
                        let start = clock.now
                        try await ledger.append(.attempt(number: number, campaign: "during", at: now))
                        let latency = clock.now - start
                        let after = phase.value.load(ordering: .sequentiallyConsistent)
                        if before == BenchPhase.compacting || after == BenchPhase.compacting
                            || (before == BenchPhase.before && after >= BenchPhase.after)
                        {
                            latencies.append(latency)
                        } else if after == BenchPhase.before {
                            baseline.append(latency)
                        }
                        index += 1
                    }
                    return (baseline, latencies)
                }
            }
            return try await group.reduce(into: ([], [])) {
                $0.0 += $1.0
                $0.1 += $1.1
            }
        }
    }

    private static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.2f ms", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
    }
}

/// Where the benchmark is: before, during or after the compaction, read by the writers.
final class BenchPhase: Sendable {
    static let before = 0
    static let compacting = 1
    static let after = 2
    static let stopped = 3
    let value = Atomic<Int>(BenchPhase.before)
}
