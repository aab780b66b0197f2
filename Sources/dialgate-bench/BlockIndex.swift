import DialGateCore

/// The number index dialgate had before the Elias–Fano `NumberIndex` (commit 67e541e), kept
/// here, unchanged but for its name and its sort (the one `NumberIndex` uses), as the
/// benchmark's baseline: about 2 bytes a number.
///
/// An immutable set of phone-number keys, built once off to the side and then only read.
///
/// It answers "is this number on the list?" for every query, for lists of tens of millions of
/// numbers, so it is built to be small and to be read without locks or hashing. Each key is
/// split into a block number (the high bits) and the 8 to 16 bits below it, chosen at build so
/// that a block holds a hundred or so numbers. All the low parts are stored sorted, block after
/// block, in one array of `UInt16`: about 2 bytes a number, where a `Set<UInt64>` takes 13 to
/// 22. A directory maps a block number to its slice of low parts. Phone numbers crowd into a
/// few ranges (French mobiles, geographic numbers, each overseas department), so the directory
/// is a short sorted list of *runs* of consecutive blocks, each run a dense array of slice
/// starts; a number outside every run is absent at once. A lookup is a binary search over the
/// runs (usually a handful), one read of the slice bounds, and one comparison of a window of
/// the slice around where an even spread of numbers puts the key.
struct BlockIndex: Sendable {
    /// The low `lowBits` bits of every key, sorted by key: each block's keys are one slice.
    /// A window's worth of padding follows, so that a window read never leaves the array.
    private let lows: [UInt16]
    /// For each directory slot, where its block's slice starts in `lows`; the next slot's start
    /// ends it (a trailing entry ends the last). Empty blocks inside a run have empty slices.
    private let sliceStarts: [UInt32]
    /// The first block number of each run of directory slots, ascending.
    private let runFirstBlocks: [UInt64]
    /// The first slot of each run, and a trailing entry: run `r` has the slots
    /// `runFirstSlots[r] ..< runFirstSlots[r + 1]`, for consecutive block numbers.
    private let runFirstSlots: [UInt32]

    /// How many distinct numbers it holds.
    let count: Int

    /// How many low bits of a key its slice stores (8 to 16): the rest is the block number.
    let lowBits: UInt64

    /// A gap of up to this many block numbers between two blocks is bridged with empty slots
    /// (4 bytes each) rather than a new run (12 bytes).
    private static let longestBridgedGap: UInt64 = 4
    /// The block sizes tried, `2^8` to `2^16` numbers: a low part must fit a `UInt16`.
    private static let lowBitsRange: ClosedRange<UInt64> = 8...16
    /// The fewest keys a directory slot should cover on average: it keeps the directory small
    /// enough to stay in cache (1/16 byte a key), which matters more than smaller slices.
    private static let keysPerSlot = 64
    /// The values compared at once around a key's guessed place in its slice: about three
    /// standard deviations of the guess either side for slices of a hundred evenly spread numbers.
    private typealias Window = SIMD32<UInt16>

    /// Builds the index from keys in any order; duplicates are kept once.
    init(keys: some Sequence<UInt64>) {
        var sorted = Array(keys)
        NumberIndex.radixSort(&sorted)
        let distinct = Self.removeAdjacentDuplicates(&sorted)
        precondition(distinct < Int(UInt32.max), "a number index holds fewer than 2^32 numbers")
        let keys = sorted.prefix(distinct)

        // The smallest blocks that still hold `keysPerSlot` keys on average: slices short enough
        // for the window to cover a key's place, and a directory small enough to stay in cache.
        var lowBits: UInt64 = Self.lowBitsRange.upperBound
        var shape = Self.directoryShape(of: keys, lowBits: lowBits)
        for candidate in Self.lowBitsRange.dropLast() {
            let candidateShape = Self.directoryShape(of: keys, lowBits: candidate)
            if candidateShape.slots * Self.keysPerSlot <= distinct {
                lowBits = candidate
                shape = candidateShape
                break
            }
        }

        var lows: [UInt16] = []
        lows.reserveCapacity(distinct + Window.scalarCount)
        var sliceStarts: [UInt32] = []
        sliceStarts.reserveCapacity(shape.slots + 1)
        var runFirstBlocks: [UInt64] = []
        runFirstBlocks.reserveCapacity(shape.runs)
        var runFirstSlots: [UInt32] = []
        runFirstSlots.reserveCapacity(shape.runs + 1)
        var previousBlock: UInt64? = nil
        for key in keys {
            let block = key >> lowBits
            if block != previousBlock {
                if let previousBlock, block - previousBlock <= Self.longestBridgedGap {
                    // Empty slots for the blocks in between, then this block's slot.
                    for _ in previousBlock + 1...block { sliceStarts.append(UInt32(lows.count)) }
                } else {
                    runFirstBlocks.append(block)
                    runFirstSlots.append(UInt32(sliceStarts.count))
                    sliceStarts.append(UInt32(lows.count))
                }
                previousBlock = block
            }
            lows.append(UInt16(truncatingIfNeeded: key & ((1 << lowBits) - 1)))
        }
        sliceStarts.append(UInt32(lows.count))
        runFirstSlots.append(UInt32(sliceStarts.count - 1))
        // Padding, so that reading a whole window near the end stays inside the array.
        lows.append(contentsOf: repeatElement(0, count: Window.scalarCount))

        self.lowBits = lowBits
        self.lows = lows
        self.sliceStarts = sliceStarts
        self.runFirstBlocks = runFirstBlocks
        self.runFirstSlots = runFirstSlots
        self.count = distinct
    }

    /// How many directory slots and runs the keys need with blocks of `2^lowBits` numbers.
    private static func directoryShape(of keys: ArraySlice<UInt64>, lowBits: UInt64) -> (slots: Int, runs: Int) {
        var slots = 0
        var runs = 0
        var previousBlock: UInt64? = nil
        for key in keys {
            let block = key >> lowBits
            guard block != previousBlock else { continue }
            if let previousBlock, block - previousBlock <= Self.longestBridgedGap {
                slots += Int(block - previousBlock)
            } else {
                runs += 1
                slots += 1
            }
            previousBlock = block
        }
        return (slots, runs)
    }

    /// Moves the distinct keys of a sorted array to its front and returns how many there are.
    private static func removeAdjacentDuplicates(_ keys: inout [UInt64]) -> Int {
        guard !keys.isEmpty else { return 0 }
        var kept = 1
        for index in 1..<keys.count where keys[index] != keys[kept - 1] {
            keys[kept] = keys[index]
            kept += 1
        }
        return kept
    }

    /// Whether `key` is in the index.
    func contains(_ key: UInt64) -> Bool {
        let block = key >> lowBits
        let low = UInt16(truncatingIfNeeded: key & ((1 << lowBits) - 1))
        guard let slot = slot(ofBlock: block) else { return false }
        return sliceStarts.withUnsafeBufferPointer { starts in
            lows.withUnsafeBufferPointer { lows in
                Self.search(low, in: lows, from: Int(starts[slot]), to: Int(starts[slot + 1]), lowBits: lowBits)
            }
        }
    }

    /// Bytes of memory its storage takes: the arrays' allocated capacity and their headers.
    var memoryBytes: Int {
        let arrayHeader = 32  // object header, count and capacity of each array buffer
        return lows.capacity * MemoryLayout<UInt16>.stride + sliceStarts.capacity * MemoryLayout<UInt32>.stride
            + runFirstBlocks.capacity * MemoryLayout<UInt64>.stride
            + runFirstSlots.capacity * MemoryLayout<UInt32>.stride + 4 * arrayHeader
    }

    /// The directory slot of a block number, or `nil` when no run covers it.
    private func slot(ofBlock block: UInt64) -> Int? {
        runFirstBlocks.withUnsafeBufferPointer { firstBlocks -> Int? in
            // The last run that starts at or before the block.
            var low = 0
            var high = firstBlocks.count
            while low < high {
                let middle = (low + high) >> 1
                if firstBlocks[middle] <= block { low = middle + 1 } else { high = middle }
            }
            guard low > 0 else { return nil }
            let run = low - 1
            let offset = block - firstBlocks[run]
            return runFirstSlots.withUnsafeBufferPointer { firstSlots -> Int? in
                let first = UInt64(firstSlots[run])
                guard offset < UInt64(firstSlots[run + 1]) - first else { return nil }
                return Int(first + offset)
            }
        }
    }

    /// Whether `low` is in the sorted slice `lows[start..<end]`, whose values are below
    /// `2^lowBits`.
    ///
    /// Numbers on a list are spread evenly enough that a key's place in its slice can be guessed
    /// from its value. The search compares a window of 32 values around the guess with the key
    /// at once (one or two cache lines, no data-dependent branch, so the processor overlaps the
    /// memory reads of consecutive lookups) and falls back to a binary search of the rest of
    /// the slice only when the window's ends show the key lies outside.
    @inline(__always)
    private static func search(
        _ low: UInt16, in lows: UnsafeBufferPointer<UInt16>, from start: Int, to end: Int, lowBits: UInt64
    ) -> Bool {
        let size = end &- start
        guard size > 0 else { return false }
        let guess = start &+ (Int(low) &* size) &>> Int(lowBits)
        let first = max(start, min(guess &- Window.scalarCount / 2, end &- Window.scalarCount))
        let last = min(end, first &+ Window.scalarCount)
        if lows[first] > low { return binarySearch(low, in: lows, from: start, to: first) }
        if lows[last &- 1] < low { return binarySearch(low, in: lows, from: last, to: end) }
        // `lows` has a window's worth of padding at its end, so this read stays inside it.
        let window = UnsafeRawPointer(lows.baseAddress! + first).loadUnaligned(as: Window.self)
        let inSlice = Window.blockIndexLanes .< Window(repeating: UInt16(truncatingIfNeeded: last &- first))
        return any((window .== Window(repeating: low)) .& inSlice)
    }

    /// Whether `low` is in the sorted slice `lows[start..<end]`, by plain binary search.
    private static func binarySearch(_ low: UInt16, in lows: UnsafeBufferPointer<UInt16>, from start: Int, to end: Int)
        -> Bool
    {
        var first = start
        var last = end
        while first < last {
            let middle = (first &+ last) >> 1
            if lows[middle] < low { first = middle &+ 1 } else { last = middle }
        }
        return first < end && lows[first] == low
    }
}

extension SIMD32<UInt16> {
    /// 0, 1, 2, ... 31: compared with a count to mask the lanes past a slice's end.
    fileprivate static let blockIndexLanes: Self = {
        var indices = Self()
        for lane in indices.indices { indices[lane] = UInt16(lane) }
        return indices
    }()
}
