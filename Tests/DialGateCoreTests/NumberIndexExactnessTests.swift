import Testing

@testable import DialGateCore

/// The index is exact: a listed number it did not find would be a wrong ALLOW. Every test here
/// compares it with a `Set<UInt64>` of the same keys, member by member, around the places where
/// an Elias–Fano code goes wrong first: partition and block boundaries, bucket edges, empty and
/// one-key partitions, the smallest and largest keys, dense runs (no low bits) and wide gaps
/// (the widest low parts).
@Suite("Number index exactness")
struct NumberIndexExactnessTests {
    /// Checks every member and its neighbours, every partition's first and last keys and theirs,
    /// and `misses` random keys of the same kind, against a `Set` of the keys.
    static func expectExact(
        _ keys: [UInt64], misses: [UInt64] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let index = NumberIndex(keys: keys)
        expectExact(index, keys: keys, misses: misses, sourceLocation: sourceLocation)
    }

    static func expectExact(
        _ index: NumberIndex, keys: [UInt64], misses: [UInt64] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let set = Set(keys)
        #expect(index.count == set.count, sourceLocation: sourceLocation)
        let sorted = set.sorted()
        var wrong = 0
        func check(_ probe: UInt64) {
            guard index.contains(probe) != set.contains(probe) else { return }
            wrong += 1
            if wrong <= 10 {
                Issue.record(
                    "\(probe): index says \(index.contains(probe)), set says \(set.contains(probe))",
                    sourceLocation: sourceLocation)
            }
        }
        for key in sorted {
            check(key)
            check(key &+ 1)
            check(key &- 1)
        }
        let partitionKeys = 1 << NumberIndex.defaultPartitionShift
        for start in stride(from: 0, to: sorted.count, by: partitionKeys) {
            for position in [start - 1, start, start + 1, start + partitionKeys - 1] where sorted.indices.contains(position) {
                for delta: UInt64 in [0, 1, 2, 1 << 8, 1 << 16] {
                    check(sorted[position] &+ delta)
                    check(sorted[position] &- delta)
                }
            }
        }
        for probe in misses { check(probe) }
        for probe: UInt64 in [0, 1, .max, .max - 1] { check(probe) }
        #expect(wrong == 0, "\(wrong) wrong answers", sourceLocation: sourceLocation)
    }

    static func frenchKey(using generator: inout SplitMix64) -> UInt64 {
        33_000_000_000 + UInt64.random(in: 1...7, using: &generator) * 100_000_000
            + UInt64.random(in: 0..<100_000_000, using: &generator)
    }

    /// Sizes around one, two and many partitions.
    static let sizes = [0, 1, 2, 3, 511, 512, 513, 1023, 1024, 1025, 4096, 20_000, 100_000]

    @Test("every listed number is found and no other is: random French lists of every size")
    func everyListedNumberIsFoundAndNoOtherIs() {
        for size in Self.sizes {
            var generator = SplitMix64(state: UInt64(size))
            let keys = (0..<size).map { _ in Self.frenchKey(using: &generator) }
            let misses = (0..<20_000).map { _ in Self.frenchKey(using: &generator) }
            Self.expectExact(keys, misses: misses)
        }
    }

    @Test("every listed number is found and no other is: a quarter of a 10^10 range and a quarter of a small one")
    func denseRegistriesAreExact() {
        var generator = SplitMix64(state: 99)
        // The US registry's density (1 in 40), and one where a partition's keys are 1 in 3.
        for (count, range) in [(200_000, 8_000_000_000), (200_000, 600_000)] as [(Int, UInt64)] {
            let base: UInt64 = 12_000_000_000
            let keys = (0..<count).map { _ in base + UInt64.random(in: 0..<range, using: &generator) }
            let misses = (0..<50_000).map { _ in base + UInt64.random(in: 0..<range, using: &generator) }
            Self.expectExact(keys, misses: misses)
        }
    }

    @Test("duplicates are counted once and found")
    func duplicatesAreKeptOnce() {
        var generator = SplitMix64(state: 5)
        let distinct = (0..<3_000).map { _ in Self.frenchKey(using: &generator) }
        let keys = (distinct + distinct + distinct.prefix(700)).shuffled(using: &generator)
        Self.expectExact(keys)
        #expect(NumberIndex(keys: [7, 7, 7, 7]).count == 1)
    }

    @Test("consecutive keys, whose partitions keep no low bits, are exact")
    func consecutiveKeysAreExact() {
        let base: UInt64 = 33_612_000_000
        Self.expectExact(Array(base..<base + 5_000))
        // Runs of consecutive keys with gaps of every small width between them.
        var keys: [UInt64] = []
        var next = base
        for gap: UInt64 in [1, 2, 3, 5, 8, 13, 64, 65, 511, 512, 513, 4096] {
            keys += (next..<next + 300)
            next += 300 + gap
        }
        Self.expectExact(keys)
    }

    @Test("the smallest and largest keys, and gaps as wide as the key range, are exact")
    func extremeKeysAreExact() {
        Self.expectExact([0])
        Self.expectExact([.max])
        Self.expectExact([0, .max])
        Self.expectExact([0, 1, .max - 1, .max])
        var generator = SplitMix64(state: 17)
        let spread = (0..<2_000).map { _ in UInt64.random(in: 0 ... .max, using: &generator) }
        Self.expectExact(spread + [0, .max], misses: (0..<5_000).map { _ in UInt64.random(in: 0 ... .max, using: &generator) })
        // One dense cluster in a sea of lone keys: a block holding many partitions.
        let cluster = (0..<3_000).map { _ in 33_600_000_000 + UInt64.random(in: 0..<10_000, using: &generator) }
        Self.expectExact(cluster + spread.prefix(600))
    }

    @Test("keys clustered in bunches of every size at powers of two are exact")
    func clusteredKeysAreExact() {
        var generator = SplitMix64(state: 23)
        var keys: [UInt64] = []
        for exponent: UInt64 in [16, 20, 24, 32, 33, 40, 48, 56, 63] {
            let centre: UInt64 = 1 << exponent
            let bunch = Int.random(in: 1...1_500, using: &generator)
            keys += (0..<bunch).map { _ in centre &+ UInt64.random(in: 0..<4_096, using: &generator) &- 2_048 }
        }
        Self.expectExact(keys, misses: (0..<5_000).map { _ in UInt64.random(in: 0 ... .max, using: &generator) })
    }

    @Test("an index read back from its image answers as the built one")
    func indexFromItsImageIsExact() throws {
        var generator = SplitMix64(state: 31)
        for size in [0, 1, 600, 50_000] {
            let keys = (0..<size).map { _ in Self.frenchKey(using: &generator) }
            let built = NumberIndex(keys: keys)
            let copy = IndexStorage(allocating: built.image.count) { $0.copyMemory(from: built.image) }
            let index = try NumberIndex.validating(copy)
            Self.expectExact(index, keys: keys, misses: (0..<5_000).map { _ in Self.frenchKey(using: &generator) })
        }
    }

    @Test("an image with a changed header word or a wrong length is refused; a changed directory word never reads outside")
    func inconsistentImageIsRefused() {
        var generator = SplitMix64(state: 37)
        let keys = (0..<5_000).map { _ in Self.frenchKey(using: &generator) }
        let built = NumberIndex(keys: keys)
        let image = built.image
        for length in [0, 64, 128, image.count - 8, image.count - 1] {
            #expect(throws: NumberIndex.ImageProblem.self) {
                try NumberIndex.validating(
                    IndexStorage(allocating: length) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: image[0..<length])) })
            }
        }
        let bitsStart = Self.directoryBytes(of: built)
        var acceptedHeaderWords: [Int] = []
        for offset in stride(from: 0, to: bitsStart, by: 8) {
            for flip: UInt64 in [1, 1 << 7, 1 << 33] {
                let changed = IndexStorage(allocating: image.count) { bytes in
                    bytes.copyMemory(from: image)
                    let word = bytes.load(fromByteOffset: offset, as: UInt64.self)
                    bytes.storeBytes(of: word ^ flip, toByteOffset: offset, as: UInt64.self)
                }
                guard let index = try? NumberIndex.validating(changed) else { continue }
                if offset < NumberIndex.Header.allCases.count * 8 { acceptedHeaderWords.append(offset) }
                // A change the structure does not show (a partition's first key moved by one) is
                // the checksum's to catch; the lookups must still stay inside the image.
                var found = 0
                for key in keys.prefix(2_000) where index.contains(key) { found += 1 }
                _ = found
            }
        }
        #expect(acceptedHeaderWords.isEmpty, "header words changed and accepted: \(acceptedHeaderWords)")
    }

    @Test("an image whose partition shift word is above Int.max is refused, not trapped on (found by Fuzz/compiled)")
    func partitionShiftIsCheckedBeforeItBecomesAnInt() {
        let built = NumberIndex(keys: [33_612_345_678, 33_612_345_679, 33_799_999_999])
        let image = built.image
        for shift: UInt64 in [15_236_716_912_890_085_376, UInt64(Int.max) + 1, .max, 3, 17] {
            let changed = IndexStorage(allocating: image.count) { bytes in
                bytes.copyMemory(from: image)
                bytes.storeBytes(of: shift.littleEndian, toByteOffset: NumberIndex.Header.partitionShift.rawValue * 8, as: UInt64.self)
            }
            #expect(throws: NumberIndex.ImageProblem.self) { try NumberIndex.validating(changed) }
        }
    }

    @Test("an image whose directory drops the run of a block holding keys of the last partition is refused")
    func directoryCoversTheLastPartitionsKeys() throws {
        // Three partitions at A, then a last one with keys at A, B and D, far apart: runs [A], [B], [D].
        var keys: [UInt64] = []
        for (start, count): (UInt64, UInt64) in [(33_100_000_000, 1_600), (33_400_000_000, 200), (33_700_000_000, 200)] {
            keys += (0..<count).map { start + $0 }
        }
        let built = NumberIndex(keys: keys)
        let image = built.image
        func header(_ field: NumberIndex.Header) -> Int { Int(image.load(fromByteOffset: field.rawValue * 8, as: UInt64.self)) }
        let runs = header(.runCount)
        let slots = header(.slotCount)
        let partitions = header(.partitionCount)
        let words = header(.wordCount)
        let layout = NumberIndex.Layout(runs: runs, slots: slots, partitions: partitions, words: words)
        func array<T: FixedWidthInteger>(_ offset: Int, _ count: Int, as: T.Type) -> [T] {
            (0..<count).map { image.load(fromByteOffset: offset + $0 * MemoryLayout<T>.stride, as: T.self) }
        }
        var firstBlocks = array(layout.runFirstBlocks, runs, as: UInt64.self)
        var firstSlots = array(layout.runFirstSlots, runs + 1, as: UInt32.self)
        var slotPartitions = array(layout.slotPartitions, slots + 1, as: UInt32.self)
        try #require(runs == 3, "the keys should make three runs")
        // Drop the middle run (B), which no partition starts in, and its slots.
        let dropped = Int(firstSlots[1])..<Int(firstSlots[2])
        try #require(dropped.allSatisfy { slotPartitions[$0] == slotPartitions[$0 + 1] })
        firstBlocks.remove(at: 1)
        firstSlots = [0, firstSlots[1], firstSlots[3] - UInt32(dropped.count)]
        slotPartitions.removeSubrange(dropped)
        let shrunk = NumberIndex.Layout(runs: 2, slots: slots - dropped.count, partitions: partitions, words: words)
        let changed = IndexStorage(allocating: shrunk.byteCount) { bytes in
            bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: image[0..<NumberIndex.Header.words * 8]))
            bytes.storeBytes(of: UInt64(2), toByteOffset: NumberIndex.Header.runCount.rawValue * 8, as: UInt64.self)
            bytes.storeBytes(
                of: UInt64(slots - dropped.count), toByteOffset: NumberIndex.Header.slotCount.rawValue * 8, as: UInt64.self)
            func store<T: FixedWidthInteger>(_ values: [T], at offset: Int) {
                for (i, value) in values.enumerated() { bytes.storeBytes(of: value, toByteOffset: offset + i * MemoryLayout<T>.stride, as: T.self) }
            }
            store(firstBlocks, at: shrunk.runFirstBlocks)
            store(firstSlots, at: shrunk.runFirstSlots)
            store(slotPartitions, at: shrunk.slotPartitions)
            UnsafeMutableRawBufferPointer(rebasing: bytes[shrunk.partitions...])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: image[layout.partitions...]))
        }
        #expect(throws: NumberIndex.ImageProblem.self) { try NumberIndex.validating(changed) }
    }

    /// Bytes of an image before its bits.
    static func directoryBytes(of index: NumberIndex) -> Int {
        let image = index.image
        func header(_ field: NumberIndex.Header) -> Int { Int(image.load(fromByteOffset: field.rawValue * 8, as: UInt64.self)) }
        let layout = NumberIndex.Layout(
            runs: header(.runCount), slots: header(.slotCount), partitions: header(.partitionCount), words: header(.wordCount))
        return layout.words
    }
}
