/// An immutable set of phone-number keys, built once off to the side and then only read.
///
/// It answers "is this number on the list?" for every query, for lists of up to hundreds of
/// millions of numbers (the US National DNC Registry holds 250 million), so it is built to be
/// small, to be read without locks or hashing, and to be usable in place from a memory-mapped
/// compiled list (`CompiledList`, `.dgidx`).
///
/// It is an Elias–Fano code *partitioned by value*. The key space is cut into blocks of
/// `2^blockShift` consecutive values, the shift chosen so that a block holds about 512 keys.
/// Each block codes its keys' offsets from the block's start split in two: the low `l` bits
/// packed in a bit array, and the high bits in unary in a bitvector (one 1 per key, one 0
/// closing each bucket of `2^l` offsets), `l` chosen per block from its count so that a key
/// costs about `2 + log2(block size / keys)` bits: 7.3 bits for 250 million numbers among
/// 10^10, 3.4 for 250 million French numbers among 7·10^8, against 16 for the `UInt16` blocks
/// this replaced and 64 to 176 for a `Set`.
///
/// A lookup goes from the key's block number to its block's *slot* in the directory, which,
/// like phone numbers themselves, is a short sorted list of *runs* of consecutive blocks, so a
/// number outside every run is absent at once. The slot's two words are all there is to know
/// about the block (where its bits start, its low-part width, its count of keys and two skip
/// points), so from the slot a lookup goes straight to the bits: three dependent memory reads
/// at most (slot, unary word, low part), where the partitions of 512 keys this replaced needed
/// a fourth, the partition's own record. Inside the block, a scan of the unary bitvector from
/// the nearest of its two skip points (a third of its 18 words or so on average, adjacent
/// cache lines) finds the key's bucket, and the few low parts of that bucket are compared with
/// the key's.
///
/// The whole index is one byte image (see `NumberIndex+Image.swift`) that the index reads
/// through pointers, whether the bytes were allocated by a build or mapped from a file;
/// `validating(_:)` checks a mapped image's structure so that a corrupt file is refused rather
/// than read.
public struct NumberIndex: @unchecked Sendable {
    // @unchecked: the pointers are into `storage`'s immutable bytes, kept alive by it.

    /// The image the pointers below read.
    let storage: IndexStorage
    /// The first block number of each run of directory slots, ascending.
    let runFirstBlocks: UnsafePointer<UInt64>
    /// The first slot of each run, and a trailing entry: run `r` has the slots
    /// `runFirstSlots[r] ..< runFirstSlots[r + 1]`, for consecutive block numbers.
    let runFirstSlots: UnsafePointer<UInt32>
    /// Two words a slot, its block's `BlockRecord`.
    let slots: UnsafePointer<UInt64>
    /// The blocks' bits, each block's low parts then its unary high parts, each part starting
    /// on a word; a padding word follows, so a 64-bit read of a low part never leaves.
    let words: UnsafePointer<UInt64>
    let runCount: Int
    let slotCount: Int
    let wordCount: Int
    /// The smallest and largest keys (1 and 0 when empty, so that every key falls outside).
    let firstKey: UInt64
    let lastKey: UInt64

    /// How many distinct numbers it holds.
    public let count: Int

    /// How many low bits of a key are its offset inside its block: the rest is the block number.
    let blockShift: UInt64
    /// `2^blockShift - 1`: a key's offset inside its block, and the largest one.
    let blockMask: UInt64

    /// The keys a block holds on average: 512 keep a block's unary part within three cache
    /// lines while its slot's two words cost a quarter of a bit a key.
    static let keysPerBlock = 512
    /// A gap of up to this many block numbers between two blocks is bridged with empty slots
    /// (16 bytes each) rather than a new run (12 bytes and a longer search).
    static let longestBridgedGap: UInt64 = 4
    /// The largest block shift and low-part width: a low part is read with one unaligned 64-bit
    /// load and a shift of up to 7 bits.
    static let widestLowPart = 56

    /// Builds the index from keys in any order; duplicates are kept once.
    public init(keys: some Sequence<UInt64>) {
        self.init(keys: Array(keys))
    }

    /// Builds the index from keys in any order; duplicates are kept once. (Not generic, so that
    /// a caller in another module does not copy hundreds of millions of keys one by one
    /// through an unspecialised sequence.)
    public init(keys: [UInt64]) {
        var sorted = keys
        Self.radixSort(&sorted)
        let distinct = Self.removeAdjacentDuplicates(&sorted)
        precondition(distinct < Int(UInt32.max), "a number index holds fewer than 2^32 numbers")
        let storage = sorted.withUnsafeBufferPointer { keys in
            Self.build(sortedDistinct: UnsafeBufferPointer(rebasing: keys[0..<distinct]))
        }
        self.init(checkedStorage: storage)
    }

    /// Whether `key` is in the index.
    @inline(__always)
    public func contains(_ key: UInt64) -> Bool {
        guard key >= firstKey, key <= lastKey else { return false }
        let block = key >> blockShift
        // The last run that starts at or before the block.
        var low = 0
        var high = runCount
        while low < high {
            let middle = (low &+ high) >> 1
            if runFirstBlocks[middle] <= block { low = middle &+ 1 } else { high = middle }
        }
        guard low > 0 else { return false }
        let run = low &- 1
        let offset = block &- runFirstBlocks[run]
        let firstSlot = UInt64(runFirstSlots[run])
        guard offset < UInt64(runFirstSlots[run &+ 1]) &- firstSlot else { return false }
        return slot(Int(firstSlot &+ offset), holdsOffset: key & blockMask)
    }

    /// Bytes of memory its storage takes: its image, allocated or mapped.
    public var memoryBytes: Int { storage.bytes.count }

    /// The image, as a compiled list stores it.
    var image: UnsafeRawBufferPointer { storage.bytes }

    /// Slot `s`'s description of its block.
    @inline(__always)
    func record(ofSlot s: Int) -> BlockRecord {
        BlockRecord(place: slots[s &* 2], counts: slots[s &* 2 &+ 1])
    }

    /// Whether the block of slot `s` holds the key `offset` above the block's start.
    @inline(__always)
    private func slot(_ s: Int, holdsOffset offset: UInt64) -> Bool {
        let record = record(ofSlot: s)
        let keys = record.keys
        guard keys > 0 else { return false }
        let l = UInt64(record.lowBits)
        let lowerStart = record.firstWord
        let upperStart = lowerStart &+ Self.words(forBits: keys &* Int(l))
        let upperEnd = upperStart &+ Self.words(forBits: keys &+ Int(truncatingIfNeeded: blockMask >> l) &+ 1)
        let bucket = Int(truncatingIfNeeded: offset >> l)
        let lowPart = offset & ((1 << l) &- 1)

        // The first bit of the bucket: just after the zero that closes the bucket before it.
        var bit = 0
        if bucket > 0 {
            var remaining = bucket &- 1
            // Start at the skip word the zero lies after (a third or two thirds in), if any.
            let skips = BlockRecord.skipWords(upperWords: upperEnd &- upperStart)
            let second = record.zerosBeforeSecondSkip
            let first = record.zerosBeforeFirstSkip
            var word = upperStart
            if remaining >= second, second != BlockRecord.noSkip {
                word &+= skips.second
                remaining &-= second
            } else if remaining >= first, first != BlockRecord.noSkip {
                word &+= skips.first
                remaining &-= first
            }
            while true {
                guard word < upperEnd else { return false }
                let zeros = ~words[word]
                let zeroCount = zeros.nonzeroBitCount
                if remaining < zeroCount {
                    bit = (word &- upperStart) &* 64 &+ Self.position(ofSetBit: remaining, in: zeros) &+ 1
                    break
                }
                remaining &-= zeroCount
                word &+= 1
            }
        }
        // The bucket's keys are the ones from there to the next zero, in order; the key before
        // the bucket's first one is the number of ones before it.
        var index = bit &- bucket
        let lowBytes = UnsafeRawPointer(words + lowerStart)
        while true {
            let word = upperStart &+ bit >> 6
            guard word < upperEnd else { return false }
            let shift = bit & 63
            let ones = (~(words[word] >> shift)).trailingZeroBitCount
            for _ in 0..<ones {
                guard index < keys else { return false }
                let position = index &* Int(l)
                let stored = (lowBytes + position >> 3).loadUnaligned(as: UInt64.self) >> (position & 7) & ((1 << l) &- 1)
                if stored == lowPart { return true }
                if stored > lowPart { return false }
                index &+= 1
            }
            // The bucket ends inside this word, or the next word goes on with it.
            if ones < 64 &- shift { return false }
            bit &+= ones
        }
    }

    /// The position of the `rank`-th (from 0) set bit of `word`, which has more than `rank`.
    @inline(__always)
    private static func position(ofSetBit rank: Int, in word: UInt64) -> Int {
        var word = word
        var rank = rank
        var position = 0
        // Halve the word three times towards the bit, then step over the set bits below it.
        var count = (word & 0xFFFF_FFFF).nonzeroBitCount
        if rank >= count {
            rank &-= count
            word >>= 32
            position = 32
        }
        count = (word & 0xFFFF).nonzeroBitCount
        if rank >= count {
            rank &-= count
            word >>= 16
            position &+= 16
        }
        count = (word & 0xFF).nonzeroBitCount
        if rank >= count {
            rank &-= count
            word >>= 8
            position &+= 8
        }
        while rank > 0 {
            word &= word &- 1
            rank &-= 1
        }
        return position &+ word.trailingZeroBitCount
    }

    /// Words that hold `bits` bits.
    @inline(__always)
    static func words(forBits bits: Int) -> Int { (bits &+ 63) >> 6 }

    /// Moves the distinct keys of a sorted array to its front and returns how many there are.
    private static func removeAdjacentDuplicates(_ keys: inout [UInt64]) -> Int {
        guard !keys.isEmpty else { return 0 }
        var kept = 1
        keys.withUnsafeMutableBufferPointer { keys in
            for index in 1..<keys.count where keys[index] != keys[kept - 1] {
                keys[kept] = keys[index]
                kept += 1
            }
        }
        return kept
    }

    /// Sorts keys by least-significant-digit radix sort on their offset from the smallest key,
    /// with 11-bit digits, skipping digits all keys share: a few linear passes where a
    /// comparison sort of ten million keys takes a second.
    /// Public for the benchmark, whose baseline indexes sort with it too.
    public static func radixSort(_ keys: inout [UInt64]) {
        guard keys.count > 256 else {
            keys.sort()
            return
        }
        var smallest = UInt64.max
        var largest = UInt64.min
        for key in keys {
            smallest = min(smallest, key)
            largest = max(largest, key)
        }
        let digitBits = 11
        let radix = 1 << digitBits
        let mask = UInt64(radix - 1)
        let passes = (64 - (largest - smallest).leadingZeroBitCount + digitBits - 1) / digitBits
        guard passes > 0 else { return }

        var counts = [Int](repeating: 0, count: passes * radix)
        for key in keys {
            let offset = key - smallest
            for pass in 0..<passes {
                counts[pass * radix + Int(offset >> UInt64(pass * digitBits) & mask)] += 1
            }
        }
        var scratch = [UInt64](repeating: 0, count: keys.count)
        var sortedInScratch = false
        keys.withUnsafeMutableBufferPointer { keysBuffer in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                counts.withUnsafeMutableBufferPointer { counts in
                    var source = keysBuffer
                    var target = scratchBuffer
                    for pass in 0..<passes {
                        let histogram = UnsafeMutableBufferPointer(rebasing: counts[pass * radix..<(pass + 1) * radix])
                        // A digit every key shares leaves the order as it is.
                        if histogram.contains(source.count) { continue }
                        var next = 0
                        for digit in 0..<radix {
                            let count = histogram[digit]
                            histogram[digit] = next
                            next += count
                        }
                        let shift = UInt64(pass * digitBits)
                        for key in source {
                            let digit = Int((key - smallest) >> shift & mask)
                            target[histogram[digit]] = key
                            histogram[digit] += 1
                        }
                        swap(&source, &target)
                        sortedInScratch.toggle()
                    }
                }
            }
        }
        if sortedInScratch { keys = scratch }
    }
}
