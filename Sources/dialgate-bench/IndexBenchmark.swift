import ArgumentParser
import DialGateConfig
import DialGateCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Measures `NumberIndex` (partitioned Elias–Fano) at registry scale against baselines built
/// from the same random numbers in the same run: the index it replaced (`BlockIndex`, ~2 bytes
/// a number), a sorted array searched by halves (8 bytes a number, any size), and a
/// `Set<UInt64>` where memory allows. For each size: build time, bytes per number, lookups per
/// second on the same queries (half hits, half misses, the structures alternated chunk by
/// chunk), the time to write a compiled list (`.dgidx`), and the time the daemon's own loader
/// takes to load the directory holding it (map, SHA-256, checks) against the same numbers as a
/// text list.
struct IndexBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "NumberIndex against the old index, a sorted array and Set<UInt64>; compiled and text list loads."
    )

    enum Distribution: String, ExpressibleByArgument, CaseIterable {
        /// French mobiles and geographic numbers (01 to 07): 7·10^8 possible numbers.
        case french
        /// Uniform over 10^10 numbers (`+1` and 10 digits), as the US National DNC Registry.
        case nanp
    }

    @Option(help: "Comma-separated list sizes (1000000,10000000,100000000,250000000 for the registry scale).", transform: Self.parseSizes)
    var sizes: [Int] = [1_000_000, 10_000_000]

    @Option(help: "french (7·10^8 possible) or nanp (10^10 possible).")
    var distribution: Distribution = .french

    @Option(help: "Lookups per timed pass, half hits and half misses.")
    var lookups: Int = 10_000_000

    @Option(help: "Timed passes per structure; the fastest counts.")
    var passes: Int = 3

    @Option(help: "Seed of the random numbers, to repeat a run exactly.")
    var seed: UInt64 = 2026

    @Option(help: "Largest size with a Set<UInt64> baseline (about 17 bytes a number).")
    var setLimit = 20_000_000

    @Option(help: "Largest size whose text list is written and loaded (about 13 bytes a number on disk and 40 in memory while loading).")
    var textLimit = 100_000_000

    @Option(help: "Where the list files are written (a fresh directory is made in it).")
    var directory = NSTemporaryDirectory()

    @Option(help: "Keep the list files in this directory (<size>/compiled, <size>/text), to run a daemon on them.")
    var keep: String?

    /// Lookups timed in one go before switching structure: long enough to warm the caches.
    private static let chunkSize = 200_000

    func run() throws {
        print("NumberIndex (partitioned Elias–Fano) vs the old block index, a sorted array and Set<UInt64>;")
        print("random \(distribution == .french ? "French numbers (01-07, uniform over 7·10^8)" : "numbers uniform over 10^10"), seed \(seed)")
        print("Set memory is an estimate from its capacity: buckets (capacity / 0.75, a power of 2) × 8 bytes + 1 bit each.")
        for size in sizes { try measure(size: size) }
    }

    private func key(using generator: inout SplitMix64) -> UInt64 {
        switch distribution {
        case .french: RandomNumbers.frenchKey(using: &generator)
        case .nanp: 10_000_000_000 + UInt64.random(in: 0..<10_000_000_000, using: &generator)
        }
    }

    private func measure(size: Int) throws {
        var generator = SplitMix64(seed: seed ^ UInt64(size))
        var keys = [UInt64]()
        keys.reserveCapacity(size)
        for _ in 0..<size { keys.append(key(using: &generator)) }

        let clock = ContinuousClock()
        var index = NumberIndex(keys: [])
        let indexBuild = clock.measure { index = NumberIndex(keys: keys) }
        var old = BlockIndex(keys: [])
        let oldBuild = clock.measure { old = BlockIndex(keys: keys) }
        var set = Set<UInt64>()
        var setBuild = Duration.zero
        if size <= setLimit { setBuild = clock.measure { set = Set(keys) } }
        // The sorted array is the keys themselves, sorted and without duplicates.
        let sortBuild = clock.measure {
            NumberIndex.radixSort(&keys)
            var kept = keys.isEmpty ? 0 : 1
            for position in keys.indices.dropFirst() where keys[position] != keys[kept - 1] {
                keys[kept] = keys[position]
                kept += 1
            }
            keys.removeLast(keys.count - kept)
        }
        let sorted = keys
        keys = []

        let files = try ListFiles(directory: keep.map { "\($0)/\(sorted.count)" }, scratch: directory)
        let mapped = try files.compile(index: index)

        let queries = queries(count: lookups, sorted: sorted, using: &generator)
        var structures: [(name: String, contains: (UInt64) -> Bool)] = [
            ("NumberIndex", { index.contains($0) }), ("old index", { old.contains($0) }),
            ("sorted array", { Self.binarySearch(sorted, $0) }),
        ]
        if size <= setLimit { structures.append(("Set<UInt64>", { set.contains($0) })) }
        structures.append(("mapped .dgidx", { mapped.contains($0) }))
        // The machine may be shared: alternating the structures chunk by chunk gives them all
        // the same conditions; the fastest pass of each counts.
        var best = [Duration](repeating: .seconds(1_000_000), count: structures.count)
        var hits = [Int](repeating: 0, count: structures.count)
        for _ in 0..<max(1, passes) {
            var times = [Duration](repeating: .zero, count: structures.count)
            hits = [Int](repeating: 0, count: structures.count)
            for chunkStart in stride(from: 0, to: queries.count, by: Self.chunkSize) {
                let chunk = queries[chunkStart..<min(chunkStart + Self.chunkSize, queries.count)]
                for (position, structure) in structures.enumerated() {
                    times[position] += clock.measure { hits[position] += Self.countHits(chunk, in: structure.contains) }
                }
            }
            for position in structures.indices { best[position] = min(best[position], times[position]) }
        }
        let rates = best.map { Double(queries.count) / $0.seconds }
        var bytes = [Double(index.memoryBytes), Double(old.memoryBytes), Double(sorted.count * 8)]
        var builds = [indexBuild, oldBuild, sortBuild]
        var notes = ["", "", ""]
        if size <= setLimit {
            bytes.append(Double(Self.estimatedBytes(of: set)))
            builds.append(setBuild)
            notes.append(" (est.)")
        }
        bytes.append(Double(mapped.memoryBytes))
        builds.append(files.compileTime)
        notes.append(" (file)")
        bytes = bytes.map { $0 / Double(max(index.count, 1)) }
        let mappedPosition = structures.count - 1

        print("")
        print("\(size) numbers (\(index.count) distinct), \(queries.count) lookups × \(passes) passes")
        print(Self.row("", "build", "bytes/number", "lookups/s", "ns/lookup", "hits"))
        for (position, structure) in structures.enumerated() {
            print(Self.row(structure.name, Self.format(builds[position]),
                           Self.format(bytes[position]) + notes[position],
                           Self.millions(rates[position]), Self.format(1e9 / rates[position]), "\(hits[position])"))
        }
        print("NumberIndex ÷ old index: memory \(Self.format(bytes[0] / bytes[1]))×, lookup speed \(Self.format(rates[0] / rates[1]))×, build \(Self.format(indexBuild.seconds / oldBuild.seconds))×")
        print("NumberIndex ÷ sorted array: memory \(Self.format(bytes[0] / bytes[2]))×, lookup speed \(Self.format(rates[0] / rates[2]))×")
        if size <= setLimit { print("NumberIndex ÷ Set: memory \(Self.format(bytes[0] / bytes[3]))×, lookup speed \(Self.format(rates[0] / rates[3]))×") }
        print("mapped ÷ built NumberIndex: lookup speed \(Self.format(rates[mappedPosition] / rates[0]))× (the mapped one's build column is the compile: write .dgidx, fsync, rename)")
        if Set(hits).count != 1 { print("MISMATCH: the structures disagree: \(hits)") }
        old = BlockIndex(keys: [])
        set = []

        try files.measureLoads(index: index, sorted: sorted, textLimit: textLimit)
    }

    /// The list directories of one size: a compiled list, and the same numbers as a text list.
    final class ListFiles {
        let base: String
        let keep: Bool
        var compileTime = Duration.zero
        let clock = ContinuousClock()
        var compiledDirectory: String { base + "/compiled" }
        var textDirectory: String { base + "/text" }
        static let asOf = CalendarDay(iso: "2026-11-30")!

        init(directory: String?, scratch: String) throws {
            keep = directory != nil
            base = directory ?? (scratch.hasSuffix("/") ? scratch : scratch + "/") + "dialgate-index-bench-\(getpid())"
            try FileManager.default.createDirectory(atPath: base + "/compiled", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: base + "/text", withIntermediateDirectories: true)
        }

        deinit { if !keep { try? FileManager.default.removeItem(atPath: base) } }

        /// Writes the compiled list and returns its index as the daemon's loader maps it.
        func compile(index: NumberIndex) throws -> NumberIndex {
            let compiled = CompiledList(kind: .bloctelRegistered, asOf: Self.asOf, attributes: ["source": "bench"], records: index.count, index: index)
            let path = compiledDirectory + "/registry.dgidx"
            compileTime = try clock.measure {
                try IndexBenchmark.writeAtomically(path, header: compiled.headerBytes, body: compiled.withImage { $0 })
            }
            return try load(compiledDirectory).1.numberLists(of: .bloctelRegistered)[0].index
        }

        /// One load of a directory by the daemon's loader, as at a start or a reload.
        func load(_ directory: String) throws -> (Duration, Snapshot) {
            let loader = ListDirectoryLoader(directory: directory)
            var snapshot: Snapshot? = nil
            var failure: String? = nil
            let time = clock.measure {
                switch loader.load(previous: nil, now: Date()) {
                case .success(let load): snapshot = load.snapshot
                case .failure(let problems): failure = problems.description
                }
            }
            guard let snapshot else { throw ValidationError("the loader refused the list: \(failure ?? "")") }
            return (time, snapshot)
        }

        /// Times loads of the compiled list and, up to `textLimit` numbers, of the same numbers as
        /// a text list, each alone in its directory. The file is in the page cache (just written),
        /// as on a host that keeps its lists.
        func measureLoads(index: NumberIndex, sorted: [UInt64], textLimit: Int) throws {
            var compiledLoads: [Duration] = []
            for _ in 0..<3 { compiledLoads.append(try load(compiledDirectory).0) }
            let fileBytes = (try FileManager.default.attributesOfItem(atPath: compiledDirectory + "/registry.dgidx")[.size] as? Int) ?? 0
            print("compile (write .dgidx, fsync, rename): \(IndexBenchmark.format(compileTime)), \(fileBytes) bytes (\(IndexBenchmark.format(Double(fileBytes) / Double(index.count))) a number)")
            print("load of the .dgidx directory (map, SHA-256, checks), 3 loads: \(compiledLoads.map(IndexBenchmark.format).joined(separator: ", "))")
            guard sorted.count <= textLimit else {
                print("text list: not written (size over --text-limit \(textLimit))")
                return
            }
            let textPath = textDirectory + "/registry.txt"
            let writeText = try clock.measure { try IndexBenchmark.writeText(textPath, sorted: sorted, asOf: Self.asOf) }
            var textLoads: [Duration] = []
            for _ in 0..<2 { textLoads.append(try load(textDirectory).0) }
            print("load of the same numbers as a text list (read, SHA-256, parse, sort, index), 2 loads: \(textLoads.map(IndexBenchmark.format).joined(separator: ", ")) (writing it: \(IndexBenchmark.format(writeText)))")
            print("text load ÷ compiled load: \(IndexBenchmark.format(textLoads.min()!.seconds / compiledLoads.min()!.seconds))×")
        }
    }

    /// Writes `header` then `body` to `.<name>.tmp` beside `path`, syncs it and renames it.
    static func writeAtomically(_ path: String, header: [UInt8], body: UnsafeRawBufferPointer) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ValidationError("cannot create \(temporary)") }
        func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
            var written = 0
            while written < bytes.count {
                let count = write(descriptor, bytes.baseAddress! + written, min(bytes.count - written, 1 << 24))
                guard count > 0 else { throw ValidationError("cannot write \(temporary)") }
                written += count
            }
        }
        try header.withUnsafeBytes { try writeAll($0) }
        try writeAll(body)
        guard fsync(descriptor) == 0, close(descriptor) == 0, rename(temporary, path) == 0 else {
            throw ValidationError("cannot finish \(path)")
        }
    }

    /// A text list of the numbers, `+` and the digits, one a line, in a random order.
    static func writeText(_ path: String, sorted: [UInt64], asOf: CalendarDay) throws {
        guard let file = fopen(path, "w") else { throw ValidationError("cannot create \(path)") }
        defer { fclose(file) }
        var buffer = Array("# dialgate-list kind=bloctel-registered as-of=\(asOf) source=bench\n".utf8)
        buffer.reserveCapacity(1 << 21)
        var generator = SplitMix64(seed: 7)
        var order = sorted
        order.shuffle(using: &generator)
        for key in order {
            buffer.append(UInt8(ascii: "+"))
            var digits: [UInt8] = []
            var rest = key
            repeat {
                digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
                rest /= 10
            } while rest > 0
            buffer.append(contentsOf: digits.reversed())
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 20 {
                fwrite(buffer, 1, buffer.count, file)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        fwrite(buffer, 1, buffer.count, file)
    }

    /// Half the queries are listed numbers, half random numbers of the same kind that are not,
    /// shuffled.
    private func queries(count: Int, sorted: [UInt64], using generator: inout SplitMix64) -> [UInt64] {
        var queries: [UInt64] = []
        queries.reserveCapacity(count)
        for _ in 0..<count / 2 { queries.append(sorted.randomElement(using: &generator)!) }
        while queries.count < count {
            let key = key(using: &generator)
            if !Self.binarySearch(sorted, key) { queries.append(key) }
        }
        queries.shuffle(using: &generator)
        return queries
    }

    private static func binarySearch(_ sorted: [UInt64], _ key: UInt64) -> Bool {
        sorted.withUnsafeBufferPointer { sorted in
            var low = 0
            var high = sorted.count
            while low < high {
                let middle = (low + high) >> 1
                if sorted[middle] < key { low = middle + 1 } else { high = middle }
            }
            return low < sorted.count && sorted[low] == key
        }
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
        guard set.capacity > 0 else { return 0 }
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
        zip(columns, [13, 10, 18, 14, 11, 10]).map { $0.padding(toLength: $1) }.joined(separator: " ")
    }

    static func format(_ duration: Duration) -> String { format(duration.seconds) + " s" }
    static func format(_ value: Double) -> String {
        let thousandths = (value * 1000).rounded()
        let whole = Int(thousandths / 1000)
        let fraction = Int(abs(thousandths).truncatingRemainder(dividingBy: 1000))
        return "\(whole)." + String(String(fraction + 1000).dropFirst())
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
