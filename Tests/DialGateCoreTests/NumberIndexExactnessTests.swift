import Testing

@testable import DialGateCore

/// The index is exact: a listed number it did not find would be a wrong ALLOW. Every test here
/// compares it with a `Set<UInt64>` of the same keys, member by member, around the places where
/// an Elias–Fano code goes wrong first: block boundaries, bucket edges, empty and one-key
/// blocks, the smallest and largest keys, dense runs (no low bits), wide gaps (the widest low
/// parts) and blocks too dense for their skip counts.
@Suite("Number index exactness")
struct NumberIndexExactnessTests {
    /// Checks every member and its neighbours, every block's first and last values and theirs,
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
        // Each block's first and last values, and around them.
        for slot in 0..<index.slotCount {
            let start = index.block(ofSlot: slot) &<< index.blockShift
            for edge in [start, start | index.blockMask] {
                for delta: UInt64 in [0, 1, 2, 1 << 8, 1 << 16] {
                    check(edge &+ delta)
                    check(edge &- delta)
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

    /// Sizes around one, two and many blocks of 512 keys.
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
        // The US registry's density (1 in 40), and one where a block's keys are 1 in 3.
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

    @Test("consecutive keys, whose blocks keep no low bits, are exact")
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
        // One dense cluster in a sea of lone keys: a block holding many times the average.
        let cluster = (0..<3_000).map { _ in 33_600_000_000 + UInt64.random(in: 0..<10_000, using: &generator) }
        Self.expectExact(cluster + spread.prefix(600))
    }

    @Test("a block too dense for its skip counts, in a sparse list, is exact: its lookups scan from its start")
    func blockTooDenseForItsSkipCountsIsExact() throws {
        var generator = SplitMix64(state: 19)
        // Lone keys over 10^10 make blocks of millions of values; a run of consecutive keys
        // then fills one of them with hundreds of thousands, and over 65 535 buckets.
        let lone = (0..<10_000).map { _ in 10_000_000_000 + UInt64.random(in: 0..<10_000_000_000, using: &generator) }
        for run: UInt64 in [100_000, 250_000] {
            let keys = lone + (0..<run).map { 15_000_000_000 + $0 }
            let index = NumberIndex(keys: keys)
            let saturated = (0..<index.slotCount).filter {
                index.record(ofSlot: $0).zerosBeforeSecondSkip == NumberIndex.BlockRecord.noSkip
            }
            try #require(!saturated.isEmpty, "a run of \(run) keys should leave a block without its second skip")
            Self.expectExact(index, keys: keys, misses: (0..<20_000).map { 15_000_000_000 + run / 2 + $0 * 7 + 1 })
        }
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
                // A change the structure does not show (a run's first block moved by one) is
                // the checksum's to catch; the lookups must still stay inside the image.
                var found = 0
                for key in keys.prefix(2_000) where index.contains(key) { found += 1 }
                _ = found
            }
        }
        #expect(acceptedHeaderWords.isEmpty, "header words changed and accepted: \(acceptedHeaderWords)")
    }

    @Test("an image whose block shift word is above any shift is refused, not trapped on (found by Fuzz/compiled)")
    func blockShiftIsCheckedBeforeItBecomesAShift() {
        let built = NumberIndex(keys: [33_612_345_678, 33_612_345_679, 33_799_999_999])
        let image = built.image
        for shift: UInt64 in [15_236_716_912_890_085_376, UInt64(Int.max) + 1, .max, 64, 57] {
            let changed = IndexStorage(allocating: image.count) { bytes in
                bytes.copyMemory(from: image)
                bytes.storeBytes(of: shift.littleEndian, toByteOffset: NumberIndex.Header.blockShift.rawValue * 8, as: UInt64.self)
            }
            #expect(throws: NumberIndex.ImageProblem.self) { try NumberIndex.validating(changed) }
        }
    }

    @Test("an image whose directory drops the run of a block holding keys is refused")
    func directoryDroppingABlockIsRefused() throws {
        let built = NumberIndex(keys: Self.threeRuns)
        let image = built.image
        func header(_ field: NumberIndex.Header) -> Int { Int(image.load(fromByteOffset: field.rawValue * 8, as: UInt64.self)) }
        let runs = header(.runCount)
        let slots = header(.slotCount)
        let words = header(.wordCount)
        let layout = NumberIndex.Layout(runs: runs, slots: slots, words: words)
        func array<T: FixedWidthInteger>(_ offset: Int, _ count: Int, as: T.Type) -> [T] {
            (0..<count).map { image.load(fromByteOffset: offset + $0 * MemoryLayout<T>.stride, as: T.self) }
        }
        var firstBlocks = array(layout.runFirstBlocks, runs, as: UInt64.self)
        var firstSlots = array(layout.runFirstSlots, runs + 1, as: UInt32.self)
        var records = array(layout.slots, slots * 2, as: UInt64.self)
        try #require(runs == 3, "the keys should make three runs")
        // Drop the middle run (B) and its slots, leaving its bits where they were.
        let dropped = Int(firstSlots[1])..<Int(firstSlots[2])
        firstBlocks.remove(at: 1)
        firstSlots = [0, firstSlots[1], firstSlots[3] - UInt32(dropped.count)]
        records.removeSubrange(dropped.lowerBound * 2..<dropped.upperBound * 2)
        let shrunk = NumberIndex.Layout(runs: 2, slots: slots - dropped.count, words: words)
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
            store(records, at: shrunk.slots)
            UnsafeMutableRawBufferPointer(rebasing: bytes[shrunk.words...])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: image[layout.words...]))
        }
        #expect(throws: NumberIndex.ImageProblem.self) { try NumberIndex.validating(changed) }
    }

    @Test("an image whose middle run reaches past the last slot is refused before its slots are read")
    func runPastTheLastSlotIsRefused() throws {
        let built = NumberIndex(keys: Self.threeRuns)
        try #require(built.runCount == 3, "the keys should make three runs")
        let layout = NumberIndex.Layout(runs: built.runCount, slots: built.slotCount, words: built.wordCount)
        for past: UInt32 in [1, 5, 1 << 20] {
            let changed = IndexStorage(allocating: built.image.count) { bytes in
                bytes.copyMemory(from: built.image)
                bytes.storeBytes(
                    of: (UInt32(built.slotCount) + past).littleEndian, toByteOffset: layout.runFirstSlots + 2 * 4, as: UInt32.self)
            }
            #expect(throws: NumberIndex.ImageProblem.self) { try NumberIndex.validating(changed) }
        }
    }

    @Test("an image of the older layout, partitioned by count, is refused with its version named")
    func olderLayoutIsRefusedByVersion() {
        let built = NumberIndex(keys: [33_612_345_678, 33_612_345_679])
        let changed = IndexStorage(allocating: built.image.count) { bytes in
            bytes.copyMemory(from: built.image)
            bytes.storeBytes(of: UInt64(0x0000_0001_4645_4744).littleEndian, toByteOffset: 0, as: UInt64.self)
        }
        #expect {
            try NumberIndex.validating(changed)
        } throws: { error in
            "\(error)".contains("DGEF version 1, where this dialgate reads version 2")
        }
    }

    /// Keys at A, B and D, far apart: a directory of three runs, [A], [B], [D].
    static let threeRuns: [UInt64] = [(33_100_000_000, 1_600), (33_400_000_000, 200), (33_700_000_000, 200)].flatMap {
        (start: UInt64, count: UInt64) in (0..<count).map { start + $0 }
    }

    /// Bytes of an image before its bits.
    static func directoryBytes(of index: NumberIndex) -> Int {
        let image = index.image
        func header(_ field: NumberIndex.Header) -> Int { Int(image.load(fromByteOffset: field.rawValue * 8, as: UInt64.self)) }
        let layout = NumberIndex.Layout(runs: header(.runCount), slots: header(.slotCount), words: header(.wordCount))
        return layout.words
    }
}
