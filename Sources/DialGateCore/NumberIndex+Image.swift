/// The byte image of a `NumberIndex`: how a build lays it out, how the index reads it, and the
/// structural checks a mapped image passes before an index reads it.
///
/// All integers are little-endian. The image starts with 16 words (`Header`), then the arrays,
/// each starting on 8 bytes (the slots on 16, so that no slot straddles a cache line):
///
/// | array            | entries                 | type        |
/// |------------------|-------------------------|-------------|
/// | run first blocks | runs                    | `UInt64`    |
/// | run first slots  | runs + 1                | `UInt32`    |
/// | slots            | slots × 2               | `UInt64` (`BlockRecord`) |
/// | bits             | words + 1 (padding)     | `UInt64`    |
///
/// Everything but the bits is implied by the keys' blocks and the bits' zeros, and where each
/// block's bits lie follows from the counts alone, so `validating` recomputes it and refuses an
/// image where any of it differs: an index that passes reads only inside its image, whatever
/// its bits say. The bits themselves are covered by the compiled list's checksum; the first and
/// last blocks are decoded whole, and must start at the first key and end at the last.
extension NumberIndex {
    /// What a mapped image is refused for.
    struct ImageProblem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The header's words, by position.
    enum Header: Int, CaseIterable {
        case tag, count, firstKey, lastKey, blockShift, runCount, slotCount, wordCount
        /// Words the header takes, the unused ones zero.
        static let words = 16
        /// "DGEF" and the layout's version, 2 (version 1 was partitioned by count).
        static let tagValue: UInt64 = 0x0000_0002_4645_4744
    }

    /// Where each array of an image starts, in bytes, from the counts of the header.
    struct Layout {
        let runFirstBlocks: Int
        let runFirstSlots: Int
        let slots: Int
        let words: Int
        let byteCount: Int

        init(runs: Int, slots: Int, words: Int) {
            func padded(_ bytes: Int, to alignment: Int) -> Int { (bytes + alignment - 1) & ~(alignment - 1) }
            runFirstBlocks = Header.words * 8
            runFirstSlots = runFirstBlocks + runs * 8
            self.slots = padded(runFirstSlots + (runs + 1) * 4, to: 16)
            self.words = self.slots + slots * 16
            byteCount = self.words + (words + 1) * 8
        }
    }

    /// An index over a checked image.
    init(checkedStorage storage: IndexStorage) {
        let base = storage.bytes.baseAddress!
        func header(_ field: Header) -> UInt64 { base.load(fromByteOffset: field.rawValue * 8, as: UInt64.self).littleEndian }
        let runCount = Int(header(.runCount))
        let slotCount = Int(header(.slotCount))
        let wordCount = Int(header(.wordCount))
        let layout = Layout(runs: runCount, slots: slotCount, words: wordCount)
        self.storage = storage
        self.runFirstBlocks = (base + layout.runFirstBlocks).assumingMemoryBound(to: UInt64.self)
        self.runFirstSlots = (base + layout.runFirstSlots).assumingMemoryBound(to: UInt32.self)
        self.slots = (base + layout.slots).assumingMemoryBound(to: UInt64.self)
        self.words = (base + layout.words).assumingMemoryBound(to: UInt64.self)
        self.runCount = runCount
        self.slotCount = slotCount
        self.wordCount = wordCount
        self.count = Int(header(.count))
        self.firstKey = header(.firstKey)
        self.lastKey = header(.lastKey)
        self.blockShift = header(.blockShift)
        self.blockMask = (1 << blockShift) &- 1
    }

    /// The index an image holds, after checking that its structure is whole and consistent
    /// (sizes, ascending directory, each block's place, count and width as a build would give).
    ///
    /// - Parameter storage: the image, 8-byte aligned (a mapping is page-aligned).
    /// - Throws: `ImageProblem` saying the first inconsistency found.
    static func validating(_ storage: IndexStorage) throws(ImageProblem) -> NumberIndex {
        let bytes = storage.bytes
        guard let base = bytes.baseAddress, bytes.count >= Header.words * 8 else {
            throw ImageProblem("the index is \(bytes.count) bytes, shorter than its \(Header.words * 8)-byte header")
        }
        func header(_ field: Header) -> UInt64 { base.load(fromByteOffset: field.rawValue * 8, as: UInt64.self).littleEndian }
        guard header(.tag) == Header.tagValue else {
            guard header(.tag) & 0xFFFF_FFFF == Header.tagValue & 0xFFFF_FFFF else { throw ImageProblem("the index layout tag is not DGEF") }
            throw ImageProblem("the index layout is DGEF version \(header(.tag) >> 32), where this dialgate reads version \(Header.tagValue >> 32)")
        }
        let limit: UInt64 = 1 << 40
        for field in [Header.count, .runCount, .slotCount, .wordCount] where header(field) >= limit {
            throw ImageProblem("the index header's \(field) is \(header(field)), beyond any list")
        }
        let count = Int(header(.count))
        // Checked as the word it is before it becomes a shift: a word above 63 would trap.
        let blockShift = header(.blockShift)
        guard blockShift <= widestLowPart else { throw ImageProblem("blocks of 2^\(blockShift) keys") }
        let blockMask: UInt64 = (1 << blockShift) - 1
        let runs = Int(header(.runCount))
        let slots = Int(header(.slotCount))
        let wordCount = Int(header(.wordCount))
        let layout = Layout(runs: runs, slots: slots, words: wordCount)
        guard layout.byteCount == bytes.count else {
            throw ImageProblem("the index takes \(bytes.count) bytes where its header says \(layout.byteCount)")
        }
        let firstKey = header(.firstKey)
        let lastKey = header(.lastKey)
        guard count > 0 else {
            guard runs == 0, slots == 0, wordCount == 0, firstKey > lastKey else { throw ImageProblem("an empty index with contents") }
            return NumberIndex(checkedStorage: storage)
        }
        guard runs > 0, slots >= runs, firstKey <= lastKey else { throw ImageProblem("a non-empty index without a directory") }

        func load<T: FixedWidthInteger>(_ offset: Int, _ index: Int, as type: T.Type) -> T {
            T(littleEndian: base.load(fromByteOffset: offset + index * MemoryLayout<T>.stride, as: T.self))
        }
        func record(_ slot: Int) -> BlockRecord {
            BlockRecord(place: load(layout.slots, slot * 2, as: UInt64.self), counts: load(layout.slots, slot * 2 + 1, as: UInt64.self))
        }
        // Runs: ascending, disjoint, each at least one slot, covering the slots exactly, and
        // each starting and ending on a block with keys, as a build leaves them.
        guard load(layout.runFirstSlots, 0, as: UInt32.self) == 0,
            load(layout.runFirstSlots, runs, as: UInt32.self) == UInt32(slots)
        else { throw ImageProblem("the runs do not cover the directory's slots") }
        for run in 0..<runs {
            let first = load(layout.runFirstBlocks, run, as: UInt64.self)
            let firstSlot = Int(load(layout.runFirstSlots, run, as: UInt32.self))
            let length = UInt64(load(layout.runFirstSlots, run + 1, as: UInt32.self)) &- UInt64(firstSlot)
            // (Checked before the run's slots are read: a run may not reach past the last slot.)
            guard length >= 1, firstSlot < slots, length <= UInt64(slots - firstSlot) else {
                throw ImageProblem("run \(run) has no slots, or slots past the directory's")
            }
            let (last, overflow) = first.addingReportingOverflow(length - 1)
            guard !overflow, run + 1 == runs || last < load(layout.runFirstBlocks, run + 1, as: UInt64.self) else {
                throw ImageProblem("run \(run) overlaps the next one")
            }
            guard run > 0 || first == firstKey >> blockShift else { throw ImageProblem("the first run misses the first key") }
            guard run + 1 < runs || last == lastKey >> blockShift else { throw ImageProblem("the last run misses the last key") }
            guard record(firstSlot).keys > 0, record(firstSlot + Int(length) - 1).keys > 0 else {
                throw ImageProblem("run \(run) starts or ends on a block without keys")
            }
        }
        // Slots: each block's bits where and as wide as a build puts them, the counts adding up.
        var words = 0
        var keys = 0
        for slot in 0..<slots {
            let record = record(slot)
            guard UInt64(record.keys) <= blockMask &+ 1 else { throw ImageProblem("slot \(slot) has more keys than its block has values") }
            let shape = BlockShape(keys: record.keys, spread: blockMask)
            guard record.firstWord == words, record.lowBits == shape.lowBits, words + shape.words <= wordCount else {
                throw ImageProblem("slot \(slot)'s bits are not where its keys put them")
            }
            // The skip counts, which a lookup trusts to start its scan, against the unary part.
            let upper = (base + layout.words).assumingMemoryBound(to: UInt64.self) + words + shape.lowerWords
            guard record.skipsMatch(unary: upper, words: shape.words - shape.lowerWords) else {
                throw ImageProblem("slot \(slot)'s skip counts do not match its bits")
            }
            words += shape.words
            keys += record.keys
        }
        guard keys == count else { throw ImageProblem("the slots hold \(keys) keys where the header says \(count)") }
        guard words == wordCount else { throw ImageProblem("the slots take \(words) words where the header says \(wordCount)") }
        let index = NumberIndex(checkedStorage: storage)
        // The first and last blocks' bits, decoded, hold their counts of keys, from the first key
        // and up to the last.
        guard let first = index.keys(inSlot: 0), first.first == firstKey else {
            throw ImageProblem("the first block's bits do not hold its keys from the first key")
        }
        guard let last = index.keys(inSlot: slots - 1), last.last == lastKey else {
            throw ImageProblem("the last block's bits do not hold its keys up to the last key")
        }
        return index
    }

    /// The block number of slot `s`.
    func block(ofSlot s: Int) -> UInt64 {
        // The last run whose first slot is at or before `s`.
        var low = 0
        var high = runCount
        while low < high {
            let middle = (low + high) / 2
            if Int(runFirstSlots[middle]) <= s { low = middle + 1 } else { high = middle }
        }
        return runFirstBlocks[low - 1] &+ UInt64(s - Int(runFirstSlots[low - 1]))
    }

    /// The keys of slot `s`'s block, decoded, or `nil` when its bits do not hold exactly its
    /// count of ascending keys, one closing zero per bucket and zero padding.
    func keys(inSlot s: Int) -> [UInt64]? {
        let record = record(ofSlot: s)
        let keyCount = record.keys
        guard keyCount > 0 else { return [] }
        let shape = BlockShape(keys: keyCount, spread: blockMask)
        let lowBits = record.lowBits
        let lowerStart = record.firstWord
        let upperStart = lowerStart + shape.lowerWords
        let upperEnd = lowerStart + shape.words
        guard record.skipsMatch(unary: words + upperStart, words: upperEnd - upperStart) else { return nil }
        let (start, overflow) = block(ofSlot: s).multipliedReportingOverflow(by: blockMask &+ 1)
        guard !overflow, start <= UInt64.max - blockMask else { return nil }
        let lowBytes = UnsafeRawPointer(words + lowerStart)
        var keys: [UInt64] = []
        keys.reserveCapacity(keyCount)
        // A 1 is a key of the bucket the zeros before it have closed; padding is zeros.
        var zeros = 0
        for bit in 0..<(upperEnd - upperStart) * 64 {
            guard words[upperStart + bit >> 6] >> UInt64(bit & 63) & 1 == 1 else {
                zeros += 1
                continue
            }
            guard keys.count < keyCount, zeros < shape.buckets else { return nil }
            let position = keys.count * lowBits
            let low = (lowBytes + position >> 3).loadUnaligned(as: UInt64.self) >> UInt64(position & 7)
                & ((1 << UInt64(lowBits)) - 1)
            let offset = UInt64(zeros) << UInt64(lowBits) | low
            guard offset <= blockMask, keys.last.map({ $0 < start + offset }) ?? true else { return nil }
            keys.append(start + offset)
        }
        return keys.count == keyCount && zeros >= shape.buckets ? keys : nil
    }

    /// How one block is coded: the low bits each key keeps and the words its two parts take.
    struct BlockShape {
        let lowBits: Int
        /// Buckets of the unary part: offsets `0...spread` in buckets of `2^lowBits`.
        let buckets: Int
        let lowerWords: Int
        let words: Int

        /// The shape of `keys` keys whose offsets lie in `0...spread`: the low-part width near
        /// `log2(spread / keys)` that takes the fewest bits. A block without keys takes none.
        init(keys: Int, spread: UInt64) {
            guard keys > 0 else {
                (lowBits, buckets, lowerWords, words) = (0, 0, 0, 0)
                return
            }
            let quotient = spread / UInt64(keys)
            let guess = quotient == 0 ? 0 : min(63 - quotient.leadingZeroBitCount, NumberIndex.widestLowPart)
            func bits(_ lowBits: Int) -> Int { keys * lowBits + keys + Int(spread >> UInt64(lowBits)) + 1 }
            let lowBits = guess < NumberIndex.widestLowPart && bits(guess + 1) < bits(guess) ? guess + 1 : guess
            self.lowBits = lowBits
            self.buckets = Int(spread >> UInt64(lowBits)) + 1
            self.lowerWords = NumberIndex.words(forBits: keys * lowBits)
            self.words = lowerWords + NumberIndex.words(forBits: keys + buckets)
        }
    }

    /// Codes sorted distinct keys into a new image.
    static func build(sortedDistinct keys: UnsafeBufferPointer<UInt64>) -> IndexStorage {
        let count = keys.count
        let blockShift = UInt64(chooseBlockShift(keys, keysPerBlock: keysPerBlock))
        let blockMask: UInt64 = (1 << blockShift) - 1

        // The directory: one slot per block from a run's first to its last, with the index of
        // its first key (and a trailing one, the count).
        var runFirstBlocks: [UInt64] = []
        var runFirstSlots: [UInt32] = []
        var slotFirstKeys: [Int] = []
        if count > 0 {
            var previousBlock = keys[0] >> blockShift
            runFirstBlocks.append(previousBlock)
            runFirstSlots.append(0)
            slotFirstKeys.append(0)
            for index in 1..<count {
                let block = keys[index] >> blockShift
                guard block != previousBlock else { continue }
                if block - previousBlock <= longestBridgedGap {
                    // The empty slots between, then this block's.
                    for _ in previousBlock..<block { slotFirstKeys.append(index) }
                } else {
                    runFirstBlocks.append(block)
                    runFirstSlots.append(UInt32(slotFirstKeys.count))
                    slotFirstKeys.append(index)
                }
                previousBlock = block
            }
        }
        let slotCount = slotFirstKeys.count
        precondition(slotCount < Int(UInt32.max), "a number index has fewer than 2^32 directory slots")
        runFirstSlots.append(UInt32(slotCount))
        slotFirstKeys.append(count)

        // Each block's shape, and where its bits go.
        var shapes: [BlockShape] = []
        shapes.reserveCapacity(slotCount)
        var firstWords: [Int] = []
        firstWords.reserveCapacity(slotCount)
        var wordCount = 0
        for slot in 0..<slotCount {
            let shape = BlockShape(keys: slotFirstKeys[slot + 1] - slotFirstKeys[slot], spread: blockMask)
            shapes.append(shape)
            firstWords.append(wordCount)
            wordCount += shape.words
        }

        let runs = runFirstBlocks.count
        let layout = Layout(runs: runs, slots: slotCount, words: wordCount)
        let storage = IndexStorage(allocating: layout.byteCount) { image in
            let base = image.baseAddress!
            func store<T: FixedWidthInteger>(_ values: [T], at offset: Int) {
                for (index, value) in values.enumerated() {
                    base.storeBytes(of: value.littleEndian, toByteOffset: offset + index * MemoryLayout<T>.stride, as: T.self)
                }
            }
            var header = [UInt64](repeating: 0, count: Header.words)
            header[Header.tag.rawValue] = Header.tagValue
            header[Header.count.rawValue] = UInt64(count)
            header[Header.firstKey.rawValue] = count > 0 ? keys[0] : 1
            header[Header.lastKey.rawValue] = count > 0 ? keys[count - 1] : 0
            header[Header.blockShift.rawValue] = blockShift
            header[Header.runCount.rawValue] = UInt64(runs)
            header[Header.slotCount.rawValue] = UInt64(slotCount)
            header[Header.wordCount.rawValue] = UInt64(wordCount)
            store(header, at: 0)
            store(runFirstBlocks, at: layout.runFirstBlocks)
            store(runFirstSlots, at: layout.runFirstSlots)
            let words = (base + layout.words).assumingMemoryBound(to: UInt64.self)
            for slot in 0..<slotCount {
                let shape = shapes[slot]
                let firstWord = firstWords[slot]
                let blockKeys = UnsafeBufferPointer(rebasing: keys[slotFirstKeys[slot]..<slotFirstKeys[slot + 1]])
                encode(blockKeys, mask: blockMask, shape: shape, into: words + firstWord)
                // The skips count the zeros of the unary part just written.
                let zeros = BlockRecord.zerosBeforeSkips(unary: words + firstWord + shape.lowerWords, words: shape.words - shape.lowerWords)
                let record = BlockRecord(
                    firstWord: firstWord, lowBits: shape.lowBits, keys: blockKeys.count,
                    zerosBeforeFirstSkip: zeros.first, zerosBeforeSecondSkip: zeros.second)
                base.storeBytes(of: record.place.littleEndian, toByteOffset: layout.slots + slot * 16, as: UInt64.self)
                base.storeBytes(of: record.counts.littleEndian, toByteOffset: layout.slots + slot * 16 + 8, as: UInt64.self)
            }
            // The layout is little-endian; so are the machines Swift runs dialgate on.
            assert(UInt64(1).littleEndian == 1)
        }
        return storage
    }

    /// A slot's two words: where its block's bits start and how wide its low parts are, in the
    /// first; in the second its count of keys, and how many zeros of its unary part come before
    /// the words a third and two thirds of the way in, so that finding a bucket's start scans a
    /// third of the unary part on average rather than half:
    ///
    /// | word | bits    | what                                                      |
    /// |------|---------|-----------------------------------------------------------|
    /// | 0    | 0..<6   | low bits a key keeps (0...56)                             |
    /// | 0    | 6..<64  | the block's first word in the bits                        |
    /// | 1    | 0..<32  | keys in the block                                         |
    /// | 1    | 32..<48 | zeros before the first skip word, or `noSkip`             |
    /// | 1    | 48..<64 | zeros before the second skip word, or `noSkip`            |
    ///
    /// A block of about 512 keys has about 1 000 buckets (so zeros); only a block far denser
    /// than the rest, in a sparse list, has 65 535 or more before a skip word, and its lookups
    /// then scan from the start of the unary part, slower but as exact.
    struct BlockRecord {
        let place: UInt64
        let counts: UInt64

        /// A skip count that means "do not skip": the zeros before the skip word do not fit.
        static let noSkip = 0xFFFF

        init(place: UInt64, counts: UInt64) {
            self.place = place
            self.counts = counts
        }

        init(firstWord: Int, lowBits: Int, keys: Int, zerosBeforeFirstSkip: Int, zerosBeforeSecondSkip: Int) {
            precondition(firstWord < 1 << 58 && keys < 1 << 32)
            place = UInt64(firstWord) << 6 | UInt64(lowBits)
            counts = UInt64(Self.skipCount(zerosBeforeSecondSkip)) << 48 | UInt64(Self.skipCount(zerosBeforeFirstSkip)) << 32
                | UInt64(keys)
        }

        /// What a slot stores for `zeros` zeros before a skip word.
        static func skipCount(_ zeros: Int) -> Int { min(zeros, noSkip) }

        @inline(__always) var lowBits: Int { Int(truncatingIfNeeded: place & 0x3F) }
        @inline(__always) var firstWord: Int { Int(truncatingIfNeeded: place >> 6) }
        @inline(__always) var keys: Int { Int(truncatingIfNeeded: counts & 0xFFFF_FFFF) }
        @inline(__always) var zerosBeforeFirstSkip: Int { Int(truncatingIfNeeded: counts >> 32 & 0xFFFF) }
        @inline(__always) var zerosBeforeSecondSkip: Int { Int(truncatingIfNeeded: counts >> 48) }

        /// The skip words of a unary part of `upperWords` words, from its first word.
        @inline(__always)
        static func skipWords(upperWords: Int) -> (first: Int, second: Int) {
            (upperWords / 3, upperWords &* 2 / 3)
        }

        /// The zeros of a unary part of `upperWords` words that come before its two skip words,
        /// counted in one pass.
        static func zerosBeforeSkips(unary: UnsafePointer<UInt64>, words upperWords: Int) -> (first: Int, second: Int) {
            let skips = skipWords(upperWords: upperWords)
            var zeros = 0
            var first = 0
            for word in 0..<skips.second {
                if word == skips.first { first = zeros }
                zeros += 64 - unary[word].nonzeroBitCount
            }
            return (skips.first == skips.second ? zeros : first, zeros)
        }

        /// Whether its skip counts are those of the unary part it points to, as a build writes them.
        func skipsMatch(unary: UnsafePointer<UInt64>, words upperWords: Int) -> Bool {
            let zeros = Self.zerosBeforeSkips(unary: unary, words: upperWords)
            return zerosBeforeFirstSkip == Self.skipCount(zeros.first) && zerosBeforeSecondSkip == Self.skipCount(zeros.second)
        }
    }

    /// Writes one block's bits, zeroed before: the low parts of the keys' offsets in the block
    /// packed, then one 1 per key at `offset's bucket + its index`, which leaves a 0 after each
    /// bucket's keys.
    private static func encode(
        _ keys: UnsafeBufferPointer<UInt64>, mask blockMask: UInt64, shape: BlockShape, into words: UnsafeMutablePointer<UInt64>
    ) {
        let lowBits = UInt64(shape.lowBits)
        let mask: UInt64 = (1 << lowBits) - 1
        let upper = words + shape.lowerWords
        for (index, key) in keys.enumerated() {
            let offset = key & blockMask
            if lowBits > 0 {
                let position = index * shape.lowBits
                let shift = UInt64(position & 63)
                words[position >> 6] |= (offset & mask) << shift
                if shift + lowBits > 64 { words[position >> 6 + 1] |= (offset & mask) >> (64 - shift) }
            }
            let bit = Int(offset >> lowBits) + index
            upper[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    /// The smallest block shift whose directory has about one slot per `keysPerBlock` keys, so
    /// that a block holds about that many keys. The count of slots is taken from every k-th key
    /// (at most 4 million of them), which sees every block holding k keys or more: the choice
    /// only sets the speed and size of the index, never what it answers.
    private static func chooseBlockShift(_ keys: UnsafeBufferPointer<UInt64>, keysPerBlock: Int) -> Int {
        guard keys.count > 1 else { return 0 }
        let stride = max(1, keys.count >> 22)
        func slots(_ shift: Int) -> Int {
            var slots = 1
            var previousBlock = keys[0] >> UInt64(shift)
            var index = stride
            while true {
                let block = keys[min(index, keys.count - 1)] >> UInt64(shift)
                if block != previousBlock {
                    slots += block - previousBlock <= longestBridgedGap ? Int(block - previousBlock) : 1
                    previousBlock = block
                }
                if index >= keys.count - 1 { break }
                index += stride
            }
            return slots
        }
        let allowed = max(keys.count, keysPerBlock)
        var low = 0
        var high = widestLowPart
        while low < high {
            let middle = (low + high) / 2
            if slots(middle) * keysPerBlock <= allowed { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
