import ArgumentParser
import DialGateCore

/// Compares `NumberIndex` with a `Set<UInt64>` of the same random French numbers: build time,
/// memory per number and lookup throughput on the same queries, half hits and half misses.
struct IndexBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "NumberIndex against Set<UInt64>: build time, bytes per number, lookups per second."
    )

    @Option(help: "Comma-separated list sizes.", transform: Self.parseSizes)
    var sizes: [Int] = [1_000_000, 10_000_000]

    @Option(help: "Lookups per timed pass, half hits and half misses.")
    var lookups: Int = 10_000_000

    @Option(help: "Timed passes per structure; the fastest counts.")
    var passes: Int = 3

    @Option(help: "Seed of the random numbers, to repeat a run exactly.")
    var seed: UInt64 = 2026

    /// Lookups timed in one go before switching structure: long enough to warm the caches.
    private static let chunkSize = 200_000

    func run() throws {
        print("NumberIndex vs Set<UInt64>, random French numbers (01-07, uniform), seed \(seed)")
        print("Set memory is an estimate from its capacity: buckets (capacity / 0.75, a power of 2) × 8 bytes + 1 bit each.")
        for size in sizes { measure(size: size) }
    }

    private func measure(size: Int) {
        var generator = SplitMix64(seed: seed ^ UInt64(size))
        let keys = (0..<size).map { _ in RandomNumbers.frenchKey(using: &generator) }

        let clock = ContinuousClock()
        var index = NumberIndex(keys: [])
        let indexBuild = clock.measure { index = NumberIndex(keys: keys) }
        var set = Set<UInt64>()
        let setBuild = clock.measure { set = Set(keys) }

        let queries = Self.queries(count: lookups, keys: keys, set: set, using: &generator)
        // The machine may be shared: alternating the two structures chunk by chunk gives both
        // the same conditions; the fastest pass of each counts.
        var indexBest = Duration.seconds(1_000_000)
        var setBest = Duration.seconds(1_000_000)
        var indexHits = 0
        var setHits = 0
        for _ in 0..<max(1, passes) {
            var indexTime = Duration.zero
            var setTime = Duration.zero
            indexHits = 0
            setHits = 0
            for chunkStart in stride(from: 0, to: queries.count, by: Self.chunkSize) {
                let chunk = queries[chunkStart..<min(chunkStart + Self.chunkSize, queries.count)]
                indexTime += clock.measure { indexHits += Self.countHits(chunk, in: index.contains) }
                setTime += clock.measure { setHits += Self.countHits(chunk, in: set.contains) }
            }
            indexBest = min(indexBest, indexTime)
            setBest = min(setBest, setTime)
        }

        let indexBytes = Double(index.memoryBytes) / Double(index.count)
        let setBytes = Double(Self.estimatedBytes(of: set)) / Double(set.count)
        let indexRate = Double(queries.count) / indexBest.seconds
        let setRate = Double(queries.count) / setBest.seconds
        print("")
        print("\(size) numbers (\(index.count) distinct), \(queries.count) lookups × \(passes) passes")
        print(Self.row("", "build", "bytes/number", "lookups/s", "ns/lookup", "hits"))
        print(Self.row("NumberIndex", Self.format(indexBuild), Self.format(indexBytes), Self.millions(indexRate),
                       Self.format(1e9 / indexRate), "\(indexHits)"))
        print(Self.row("Set<UInt64>", Self.format(setBuild), Self.format(setBytes) + " (est.)",
                       Self.millions(setRate), Self.format(1e9 / setRate), "\(setHits)"))
        print("index/set: memory \(Self.format(indexBytes / setBytes)), lookup speed \(Self.format(indexRate / setRate))×")
        if indexHits != setHits { print("MISMATCH: the index and the set disagree") }
    }

    /// Half the queries are listed numbers, half random French numbers that are not, shuffled.
    private static func queries(count: Int, keys: [UInt64], set: Set<UInt64>, using generator: inout SplitMix64)
        -> [UInt64]
    {
        var queries: [UInt64] = []
        queries.reserveCapacity(count)
        for _ in 0..<count / 2 { queries.append(keys.randomElement(using: &generator)!) }
        while queries.count < count {
            let key = RandomNumbers.frenchKey(using: &generator)
            if !set.contains(key) { queries.append(key) }
        }
        queries.shuffle(using: &generator)
        return queries
    }

    /// The hit count is printed, so the optimiser cannot drop the lookups.
    @inline(never)
    private static func countHits(_ queries: ArraySlice<UInt64>, in contains: (UInt64) -> Bool) -> Int {
        var hits = 0
        for query in queries where contains(query) { hits += 1 }
        return hits
    }

    /// A native Set stores its elements in a power-of-two number of buckets, at most 3/4 full
    /// (`capacity` is 3/4 of the buckets), plus one occupancy bit a bucket.
    private static func estimatedBytes(of set: Set<UInt64>) -> Int {
        var buckets = 1
        while buckets * 3 / 4 < set.capacity { buckets <<= 1 }
        return buckets * MemoryLayout<UInt64>.stride + buckets / 8
    }

    private static func parseSizes(_ text: String) throws -> [Int] {
        try text.split(separator: ",").map { part in
            guard let size = Int(part.filter { $0 != "_" }), size > 0 else {
                throw ValidationError("sizes are positive integers separated by commas, not '\(part)'")
            }
            return size
        }
    }

    private static func row(_ columns: String...) -> String {
        zip(columns, [12, 10, 18, 14, 11, 10]).map { $0.padding(toLength: $1) }.joined(separator: " ")
    }

    private static func format(_ duration: Duration) -> String { format(duration.seconds) + " s" }
    private static func format(_ value: Double) -> String {
        let hundredths = (value * 100).rounded()
        let whole = Int(hundredths / 100)
        let fraction = Int(abs(hundredths).truncatingRemainder(dividingBy: 100))
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
    private static func millions(_ rate: Double) -> String { format(rate / 1e6) + " M" }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
