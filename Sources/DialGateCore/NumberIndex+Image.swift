/// The byte image of a `NumberIndex`: how a build lays it out, how the index reads it, and the
/// structural checks a mapped image passes before an index reads it.
///
/// All integers are little-endian. The image starts with 16 words (`Header`), then the arrays,
/// each starting on 8 bytes:
///
/// | array            | entries                 | type        |
/// |------------------|-------------------------|-------------|
/// | run first blocks | runs                    | `UInt64`    |
/// | run first slots  | runs + 1                | `UInt32`    |
/// | slot partitions  | slots + 1               | `UInt32`    |
/// | partitions       | partitions × 2          | `UInt64` (first key, `PartitionWord`) |
/// | bits             | words + 1 (padding)     | `UInt64`    |
///
/// Everything but the bits is implied by the keys at partition starts, the count, the last key
/// and the bits' zeros, so `validating` recomputes it and refuses an image where any of it
/// differs: an index that passes reads only inside its image, whatever its bits say. The bits
/// themselves are covered by the compiled list's checksum, and the last partition is decoded
/// whole and each of its keys looked up. (A run of the directory for a block where no
/// partition starts, but an earlier partition has keys, is implied by bits that are not
/// decoded at load: like them it is the checksum's to vouch for.)
extension NumberIndex {
    /// What a mapped image is refused for.
    struct ImageProblem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The header's words, by position.
    enum Header: Int, CaseIterable {
        case tag, count, firstKey, lastKey, partitionShift, blockShift, runCount, slotCount, partitionCount, wordCount
        /// Words the header takes, the unused ones zero.
        static let words = 16
        /// "DGEF" and the layout's version, 1.
        static let tagValue: UInt64 = 0x0000_0001_4645_4744
    }

    /// Where each array of an image starts, in bytes, from the counts of the header.
    struct Layout {
        let runFirstBlocks: Int
        let runFirstSlots: Int
        let slotPartitions: Int
        let partitions: Int
        let words: Int
        let byteCount: Int

        init(runs: Int, slots: Int, partitions: Int, words: Int) {
            func padded(_ bytes: Int) -> Int { (bytes + 7) & ~7 }
            runFirstBlocks = Header.words * 8
            runFirstSlots = runFirstBlocks + runs * 8
            slotPartitions = runFirstSlots + padded((runs + 1) * 4)
            self.partitions = slotPartitions + padded((slots + 1) * 4)
            self.words = self.partitions + partitions * 16
            byteCount = self.words + (words + 1) * 8
        }
    }

    /// An index over a checked image.
    init(checkedStorage storage: IndexStorage) {
        let base = storage.bytes.baseAddress!
        func header(_ field: Header) -> UInt64 { base.load(fromByteOffset: field.rawValue * 8, as: UInt64.self).littleEndian }
        let runCount = Int(header(.runCount))
        let slotCount = Int(header(.slotCount))
        let partitionCount = Int(header(.partitionCount))
        let wordCount = Int(header(.wordCount))
        let layout = Layout(runs: runCount, slots: slotCount, partitions: partitionCount, words: wordCount)
        self.storage = storage
        self.runFirstBlocks = (base + layout.runFirstBlocks).assumingMemoryBound(to: UInt64.self)
        self.runFirstSlots = (base + layout.runFirstSlots).assumingMemoryBound(to: UInt32.self)
        self.slotPartitions = (base + layout.slotPartitions).assumingMemoryBound(to: UInt32.self)
        self.partitions = (base + layout.partitions).assumingMemoryBound(to: UInt64.self)
        self.words = (base + layout.words).assumingMemoryBound(to: UInt64.self)
        self.runCount = runCount
        self.partitionCount = partitionCount
        self.wordCount = wordCount
        self.count = Int(header(.count))
        self.firstKey = header(.firstKey)
        self.lastKey = header(.lastKey)
        self.partitionShift = Int(header(.partitionShift))
        self.blockShift = header(.blockShift)
    }

    /// The index an image holds, after checking that its structure is whole and consistent
    /// (sizes, ascending directory, each partition's place and width as a build would give).
    ///
    /// - Parameter storage: the image, 8-byte aligned (a mapping is page-aligned).
    /// - Throws: `ImageProblem` saying the first inconsistency found.
    static func validating(_ storage: IndexStorage) throws(ImageProblem) -> NumberIndex {
        let bytes = storage.bytes
        guard let base = bytes.baseAddress, bytes.count >= Header.words * 8 else {
            throw ImageProblem("the index is \(bytes.count) bytes, shorter than its \(Header.words * 8)-byte header")
        }
        func header(_ field: Header) -> UInt64 { base.load(fromByteOffset: field.rawValue * 8, as: UInt64.self).littleEndian }
        guard header(.tag) == Header.tagValue else { throw ImageProblem("the index layout tag is not DGEF version 1") }
        let limit: UInt64 = 1 << 40
        for field in [Header.count, .runCount, .slotCount, .partitionCount, .wordCount] where header(field) >= limit {
            throw ImageProblem("the index header's \(field) is \(header(field)), beyond any list")
        }
        let count = Int(header(.count))
        // Checked as the word it is before it becomes an `Int`: a word above `Int.max` would trap.
        guard (4...16).contains(header(.partitionShift)) else {
            throw ImageProblem("partitions of 2^\(header(.partitionShift)) keys")
        }
        let partitionShift = Int(header(.partitionShift))
        let blockShift = header(.blockShift)
        guard blockShift <= widestLowPart else { throw ImageProblem("blocks of 2^\(blockShift) keys") }
        let runs = Int(header(.runCount))
        let slots = Int(header(.slotCount))
        let partitionCount = Int(header(.partitionCount))
        let wordCount = Int(header(.wordCount))
        guard partitionCount == (count + (1 << partitionShift) - 1) >> partitionShift else {
            throw ImageProblem("\(partitionCount) partitions for \(count) keys")
        }
        let layout = Layout(runs: runs, slots: slots, partitions: partitionCount, words: wordCount)
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
        // Runs: ascending, disjoint, each at least one slot, covering the slots exactly.
        guard load(layout.runFirstSlots, 0, as: UInt32.self) == 0,
            load(layout.runFirstSlots, runs, as: UInt32.self) == UInt32(slots)
        else { throw ImageProblem("the runs do not cover the directory's slots") }
        for run in 0..<runs {
            let first = load(layout.runFirstBlocks, run, as: UInt64.self)
            let length = UInt64(load(layout.runFirstSlots, run + 1, as: UInt32.self))
                &- UInt64(load(layout.runFirstSlots, run, as: UInt32.self))
            guard length >= 1, length <= UInt64(slots) else { throw ImageProblem("run \(run) has no slots") }
            let (last, overflow) = first.addingReportingOverflow(length - 1)
            guard !overflow, run + 1 == runs || last < load(layout.runFirstBlocks, run + 1, as: UInt64.self) else {
                throw ImageProblem("run \(run) overlaps the next one")
            }
            guard run > 0 || first == firstKey >> blockShift else { throw ImageProblem("the first run misses the first key") }
            guard run + 1 < runs || last == lastKey >> blockShift else { throw ImageProblem("the last run misses the last key") }
        }
        // Slots: each one's partitions are those starting in its block, all partitions once.
        guard load(layout.slotPartitions, 0, as: UInt32.self) == 0,
            load(layout.slotPartitions, slots, as: UInt32.self) == UInt32(partitionCount)
        else { throw ImageProblem("the slots do not cover the partitions") }
        var run = 0
        for slot in 0..<slots {
            while load(layout.runFirstSlots, run + 1, as: UInt32.self) <= UInt32(slot) { run += 1 }
            let block = load(layout.runFirstBlocks, run, as: UInt64.self)
                + UInt64(slot - Int(load(layout.runFirstSlots, run, as: UInt32.self)))
            let start = Int(load(layout.slotPartitions, slot, as: UInt32.self))
            let end = Int(load(layout.slotPartitions, slot + 1, as: UInt32.self))
            guard start <= end, end <= partitionCount else { throw ImageProblem("slot \(slot)'s partitions go backwards") }
            for partition in start..<end where load(layout.partitions, partition * 2, as: UInt64.self) >> blockShift != block {
                throw ImageProblem("partition \(partition) is filed under the wrong block")
            }
        }
        // Partitions: ascending first keys, each one's bits where and as wide as a build puts them.
        var words = 0
        for partition in 0..<partitionCount {
            let first = load(layout.partitions, partition * 2, as: UInt64.self)
            let bound: UInt64
            if partition + 1 < partitionCount {
                let next = load(layout.partitions, partition * 2 + 2, as: UInt64.self)
                guard next > first else { throw ImageProblem("partition \(partition + 1) starts before partition \(partition)") }
                bound = next - 1
            } else {
                guard lastKey >= first else { throw ImageProblem("the last key is below the last partition") }
                bound = lastKey
            }
            guard partition > 0 || first == firstKey else { throw ImageProblem("the first partition misses the first key") }
            let keys = partition + 1 < partitionCount ? 1 << partitionShift : count - partition << partitionShift
            let shape = PartitionShape(keys: keys, spread: bound - first)
            let word = PartitionWord(load(layout.partitions, partition * 2 + 1, as: UInt64.self))
            guard word.firstWord == words, word.lowBits == shape.lowBits, words + shape.words <= wordCount else {
                throw ImageProblem("partition \(partition)'s bits are not where its keys put them")
            }
            // The skip counts, which a lookup trusts to start its scan, against the unary part.
            let upper = (base + layout.words).assumingMemoryBound(to: UInt64.self) + words + shape.lowerWords
            let skips = PartitionWord.skipWords(upperWords: shape.words - shape.lowerWords)
            guard word.zerosBeforeFirstSkip == zeros(in: upper, count: skips.first),
                word.zerosBeforeSecondSkip == zeros(in: upper, count: skips.second)
            else { throw ImageProblem("partition \(partition)'s skip counts do not match its bits") }
            words += shape.words
        }
        guard words == wordCount else { throw ImageProblem("the partitions take \(words) words where the header says \(wordCount)") }
        let index = NumberIndex(checkedStorage: storage)
        // The last partition's bits, decoded, hold its count of keys and end at the last key.
        guard let last = index.keys(inPartition: partitionCount - 1), last.last == lastKey else {
            throw ImageProblem("the last partition's bits do not hold its keys up to the last key")
        }
        // The directory has a slot for the block of each of them: the checks above see only the
        // blocks partitions start in, and a run dropped between them would hide its keys.
        for key in last where !index.contains(key) {
            throw ImageProblem("the directory has no slot for key \(key) of the last partition")
        }
        return index
    }

    /// The keys of partition `p`, decoded, or `nil` when its bits do not hold exactly its count
    /// of ascending keys, one closing zero per bucket and zero padding.
    func keys(inPartition p: Int) -> [UInt64]? {
        let meta = PartitionWord(partitions[p * 2 + 1])
        let lowBits = meta.lowBits
        let lowerStart = meta.firstWord
        let keyCount = p == partitionCount - 1 ? count - p << partitionShift : 1 << partitionShift
        let upperStart = lowerStart + Self.words(forBits: keyCount * lowBits)
        let upperEnd = p + 1 < partitionCount ? PartitionWord(partitions[p * 2 + 3]).firstWord : wordCount
        let skips = PartitionWord.skipWords(upperWords: upperEnd - upperStart)
        guard meta.zerosBeforeFirstSkip == Self.zeros(in: words + upperStart, count: skips.first),
            meta.zerosBeforeSecondSkip == Self.zeros(in: words + upperStart, count: skips.second)
        else { return nil }
        let first = partitions[p * 2]
        let lowBytes = UnsafeRawPointer(words + lowerStart)
        var keys: [UInt64] = []
        keys.reserveCapacity(keyCount)
        let bound = p + 1 < partitionCount ? partitions[p * 2 + 2] - 1 : lastKey
        let buckets = PartitionShape(keys: keyCount, spread: bound - first).buckets
        // A 1 is a key of the bucket the zeros before it have closed; padding is zeros.
        var zeros = 0
        for bit in 0..<(upperEnd - upperStart) * 64 {
            guard words[upperStart + bit >> 6] >> UInt64(bit & 63) & 1 == 1 else {
                zeros += 1
                continue
            }
            guard keys.count < keyCount, zeros < buckets else { return nil }
            let position = keys.count * lowBits
            let low = (lowBytes + position >> 3).loadUnaligned(as: UInt64.self) >> UInt64(position & 7)
                & ((1 << UInt64(lowBits)) - 1)
            let (key, overflow) = first.addingReportingOverflow(UInt64(zeros) << UInt64(lowBits) | low)
            guard !overflow, key <= bound, keys.last.map({ $0 < key }) ?? (key == first) else { return nil }
            keys.append(key)
        }
        return keys.count == keyCount && zeros >= buckets ? keys : nil
    }

    /// How one partition is coded: the low bits each key keeps and the words its two parts take.
    struct PartitionShape {
        let lowBits: Int
        /// Buckets of the unary part: offsets `0...spread` in buckets of `2^lowBits`.
        let buckets: Int
        let lowerWords: Int
        let words: Int

        /// The shape of `keys` keys whose offsets from the first lie in `0...spread`: the low-part
        /// width near `log2(spread / keys)` that takes the fewest bits.
        init(keys: Int, spread: UInt64) {
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
        let partitionShift = defaultPartitionShift
        let partitionKeys = 1 << partitionShift
        let partitionCount = (count + partitionKeys - 1) >> partitionShift
        let blockShift = UInt64(chooseBlockShift(keys, keysPerBlock: partitionKeys))

        // The directory: one slot per block from a run's first to its last, partitions counted.
        var runFirstBlocks: [UInt64] = []
        var runFirstSlots: [UInt32] = []
        var slotPartitions: [UInt32] = []
        if count > 0 {
            var previousBlock = keys[0] >> blockShift
            runFirstBlocks.append(previousBlock)
            runFirstSlots.append(0)
            slotPartitions.append(0)
            for index in 1..<count {
                let block = keys[index] >> blockShift
                guard block != previousBlock else { continue }
                // The partitions that start before this key, at indexes 0, 512, 1024...
                let before = UInt32((index + partitionKeys - 1) >> partitionShift)
                if block - previousBlock <= longestBridgedGap {
                    for _ in previousBlock..<block { slotPartitions.append(before) }
                } else {
                    runFirstBlocks.append(block)
                    runFirstSlots.append(UInt32(slotPartitions.count))
                    slotPartitions.append(before)
                }
                previousBlock = block
            }
            runFirstSlots.append(UInt32(slotPartitions.count))
            slotPartitions.append(UInt32(partitionCount))
        } else {
            runFirstSlots.append(0)
            slotPartitions.append(0)
        }

        // Each partition's shape, and where its bits go.
        var shapes: [PartitionShape] = []
        shapes.reserveCapacity(partitionCount)
        var partitionWords: [UInt64] = []
        partitionWords.reserveCapacity(partitionCount * 2)
        var wordCount = 0
        for partition in 0..<partitionCount {
            let start = partition << partitionShift
            let end = min(count, start + partitionKeys)
            let bound = end < count ? keys[end] - 1 : keys[count - 1]
            let shape = PartitionShape(keys: end - start, spread: bound - keys[start])
            partitionWords.append(keys[start])
            partitionWords.append(PartitionWord(firstWord: wordCount, lowBits: shape.lowBits).value)
            shapes.append(shape)
            wordCount += shape.words
        }

        let runs = runFirstBlocks.count
        let layout = Layout(runs: runs, slots: slotPartitions.count - 1, partitions: partitionCount, words: wordCount)
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
            header[Header.partitionShift.rawValue] = UInt64(partitionShift)
            header[Header.blockShift.rawValue] = blockShift
            header[Header.runCount.rawValue] = UInt64(runs)
            header[Header.slotCount.rawValue] = UInt64(slotPartitions.count - 1)
            header[Header.partitionCount.rawValue] = UInt64(partitionCount)
            header[Header.wordCount.rawValue] = UInt64(wordCount)
            store(header, at: 0)
            store(runFirstBlocks, at: layout.runFirstBlocks)
            store(runFirstSlots, at: layout.runFirstSlots)
            store(slotPartitions, at: layout.slotPartitions)
            store(partitionWords, at: layout.partitions)
            let words = (base + layout.words).assumingMemoryBound(to: UInt64.self)
            for partition in 0..<partitionCount {
                let start = partition << partitionShift
                let end = min(count, start + partitionKeys)
                let firstWord = PartitionWord(partitionWords[partition * 2 + 1]).firstWord
                encode(keys[start..<end], shape: shapes[partition], into: words + firstWord)
                // The skips count the zeros of the unary part just written.
                let upper = words + firstWord + shapes[partition].lowerWords
                let skips = PartitionWord.skipWords(upperWords: shapes[partition].words - shapes[partition].lowerWords)
                let word = PartitionWord(
                    firstWord: firstWord, lowBits: shapes[partition].lowBits,
                    zerosBeforeFirstSkip: zeros(in: upper, count: skips.first),
                    zerosBeforeSecondSkip: zeros(in: upper, count: skips.second))
                base.storeBytes(
                    of: word.value.littleEndian, toByteOffset: layout.partitions + (partition * 2 + 1) * 8, as: UInt64.self)
            }
            // The layout is little-endian; so are the machines Swift runs dialgate on.
            assert(UInt64(1).littleEndian == 1)
        }
        return storage
    }

    /// The zero bits of `count` words.
    static func zeros(in words: UnsafePointer<UInt64>, count: Int) -> Int {
        (0..<count).reduce(0) { $0 + (64 - words[$1].nonzeroBitCount) }
    }

    /// A partition's second word: where its bits start, its low-part width, and how many zeros
    /// of its unary part come before the words a third and two thirds of the way in, so that
    /// finding a bucket's start scans a third of the unary part on average rather than half:
    ///
    /// | bits   | what                                              |
    /// |--------|---------------------------------------------------|
    /// | 0..<6  | low bits a key keeps (0...56)                     |
    /// | 6..<17 | zeros before the first skip word                  |
    /// | 17..<28| zeros before the second skip word                 |
    /// | 28..<64| the partition's first word in the bits           |
    ///
    /// A unary part of 512 keys has at most about 1 024 buckets (so zeros), within 11 bits.
    struct PartitionWord {
        let value: UInt64

        init(_ value: UInt64) { self.value = value }

        init(firstWord: Int, lowBits: Int, zerosBeforeFirstSkip: Int = 0, zerosBeforeSecondSkip: Int = 0) {
            precondition(zerosBeforeFirstSkip < 1 << 11 && zerosBeforeSecondSkip < 1 << 11 && firstWord < 1 << 36)
            value = UInt64(firstWord) << 28 | UInt64(zerosBeforeSecondSkip) << 17 | UInt64(zerosBeforeFirstSkip) << 6
                | UInt64(lowBits)
        }

        @inline(__always) var lowBits: Int { Int(truncatingIfNeeded: value & 0x3F) }
        @inline(__always) var zerosBeforeFirstSkip: Int { Int(truncatingIfNeeded: value >> 6 & 0x7FF) }
        @inline(__always) var zerosBeforeSecondSkip: Int { Int(truncatingIfNeeded: value >> 17 & 0x7FF) }
        @inline(__always) var firstWord: Int { Int(truncatingIfNeeded: value >> 28) }

        /// The skip words of a unary part of `upperWords` words, from its first word.
        @inline(__always)
        static func skipWords(upperWords: Int) -> (first: Int, second: Int) {
            (upperWords / 3, upperWords &* 2 / 3)
        }
    }

    /// Writes one partition's bits, zeroed before: the low parts packed, then one 1 per key at
    /// `key's bucket + its index`, which leaves a 0 after each bucket's keys.
    private static func encode(_ keys: Slice<UnsafeBufferPointer<UInt64>>, shape: PartitionShape, into words: UnsafeMutablePointer<UInt64>) {
        let first = keys.first!
        let lowBits = UInt64(shape.lowBits)
        let mask: UInt64 = (1 << lowBits) - 1
        let upper = words + shape.lowerWords
        for (index, key) in keys.enumerated() {
            let offset = key - first
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
    /// that a block holds one partition's start or so. The count of slots is taken from every
    /// k-th key (at most 4 million of them), which sees every block holding k keys or more: the
    /// choice only sets the speed and size of the directory, never what the index answers.
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
