import ArgumentParser
import DialGateCore

/// Measures `PhoneNumber(parsing:)` on random French numbers written in the usual styles.
struct ParseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "PhoneNumber(parsing:) throughput on random French numbers in various written styles."
    )

    @Option(help: "Numbers to parse per timed pass.")
    var count: Int = 1_000_000

    @Option(help: "Timed passes; the fastest counts.")
    var passes: Int = 3

    @Option(help: "Seed of the random numbers, to repeat a run exactly.")
    var seed: UInt64 = 2026

    func run() throws {
        var generator = SplitMix64(seed: seed)
        let styles: [(String) -> String] = [
            { "0" + $0 },
            { "0\($0.prefix(1)) \($0.dropFirst(1).prefix(2)) \($0.dropFirst(3).prefix(2)) \($0.dropFirst(5).prefix(2)) \($0.suffix(2))" },
            { "+33 (0)\($0.prefix(1)) \($0.dropFirst(1).prefix(2)).\($0.dropFirst(3).prefix(2)).\($0.dropFirst(5))" },
            { "0033\($0)" },
        ]
        let texts = (0..<count).map { index in
            styles[index % styles.count](String(RandomNumbers.frenchKey(using: &generator) % 1_000_000_000))
        }
        let clock = ContinuousClock()
        var best = Duration.seconds(1_000_000)
        var checksum: UInt64 = 0
        for _ in 0..<max(1, passes) {
            best = min(best, clock.measure { checksum = Self.parseAll(texts) })
        }
        let rate = Double(texts.count) / best.seconds
        print("parsed \(texts.count) numbers in \(styles.count) styles: \(Int(rate)) per second, \(Int(1e9 / rate)) ns each (checksum \(checksum))")
    }

    /// The checksum is printed, so the optimiser cannot drop the parsing.
    @inline(never)
    private static func parseAll(_ texts: [String]) -> UInt64 {
        var checksum: UInt64 = 0
        for text in texts {
            if let number = try? PhoneNumber(parsing: text) { checksum &+= number.key }
        }
        return checksum
    }
}
