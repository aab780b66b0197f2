/// An immutable set of phone-number keys, built once off to the side and then only read.
///
/// It answers "is this number on the list?" for every query, for lists of tens of millions of
/// numbers, so it is built to be small and to be read without locks or hashing. Each key is
/// split into a block number (`key >> 16`) and the 16 bits below it. All the low halves are
/// stored sorted, block after block, in one array of `UInt16`: about 2 bytes a number, where a
/// `Set<UInt64>` takes 13 to 22. A directory maps a block number to its slice of low halves.
/// Phone numbers crowd into a few ranges (French mobiles, geographic numbers, each overseas
/// department), so the directory is a short sorted list of *runs* of consecutive blocks, each
/// run a dense array of slice starts; a number outside every run is absent at once. A lookup is
/// a binary search over the runs (usually a handful), one read of the slice bounds, and a search
/// of the slice that starts where a uniform spread of numbers would put the key.
public struct NumberIndex: Sendable {
    /// The 16 low bits of every key, sorted by key: each block's keys are one slice.
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
    public let count: Int

    /// A gap of up to this many block numbers between two blocks is bridged with empty slots
    /// (4 bytes each) rather than a new run (12 bytes).
    private static let longestBridgedGap: UInt64 = 4
    private static let lowBits: UInt64 = 16

    /// Builds the index from keys in any order; duplicates are kept once.
    public init(keys: some Sequence<UInt64>) {
        var sorted = Array(keys)
        Self.radixSort(&sorted)

        // First pass: sizes, so that each array is allocated once at its exact size.
        var distinct = 0
        var slots = 0
        var runs = 0
        var previous: UInt64? = nil
        for key in sorted where key != previous {
            let block = key >> Self.lowBits
            if let previous {
                let gap = block - (previous >> Self.lowBits)
                if gap > Self.longestBridgedGap {
                    runs += 1
                    slots += 1
                } else {
                    slots += Int(gap)
                }
            } else {
                runs = 1
                slots = 1
            }
            distinct += 1
            previous = key
        }
        precondition(distinct < Int(UInt32.max), "a number index holds fewer than 2^32 numbers")

        // Second pass: fill.
        var lows: [UInt16] = []
        lows.reserveCapacity(distinct)
        var sliceStarts: [UInt32] = []
        sliceStarts.reserveCapacity(slots + 1)
        var runFirstBlocks: [UInt64] = []
        runFirstBlocks.reserveCapacity(runs)
        var runFirstSlots: [UInt32] = []
        runFirstSlots.reserveCapacity(runs + 1)
        previous = nil
        for key in sorted where key != previous {
            let block = key >> Self.lowBits
            let previousBlock = previous.map { $0 >> Self.lowBits }
            if block != previousBlock {
                if let previousBlock, block - previousBlock <= Self.longestBridgedGap {
                    // Empty slots for the blocks in between, then this block's slot.
                    for _ in previousBlock + 1...block { sliceStarts.append(UInt32(lows.count)) }
                } else {
                    runFirstBlocks.append(block)
                    runFirstSlots.append(UInt32(sliceStarts.count))
                    sliceStarts.append(UInt32(lows.count))
                }
            }
            lows.append(UInt16(truncatingIfNeeded: key))
            previous = key
        }
        sliceStarts.append(UInt32(lows.count))
        runFirstSlots.append(UInt32(sliceStarts.count - 1))

        self.lows = lows
        self.sliceStarts = sliceStarts
        self.runFirstBlocks = runFirstBlocks
        self.runFirstSlots = runFirstSlots
        self.count = distinct
    }

    /// Whether `key` is in the index.
    public func contains(_ key: UInt64) -> Bool {
        let block = key >> Self.lowBits
        let low = UInt16(truncatingIfNeeded: key)
        guard let slot = slot(ofBlock: block) else { return false }
        return sliceStarts.withUnsafeBufferPointer { starts in
            lows.withUnsafeBufferPointer { lows in
                Self.search(low, in: lows, from: Int(starts[slot]), to: Int(starts[slot + 1]))
            }
        }
    }

    /// Bytes of memory its storage takes: the arrays' allocated capacity and their headers.
    public var memoryBytes: Int {
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

    /// Whether `low` is in the sorted slice `lows[start..<end]`.
    ///
    /// Starts where a uniform spread would put it, then gallops towards it and finishes with a
    /// binary search: a couple of reads for evenly spread numbers, `O(log n)` for any others.
    @inline(__always)
    private static func search(_ low: UInt16, in lows: UnsafeBufferPointer<UInt16>, from start: Int, to end: Int)
        -> Bool
    {
        let size = end - start
        guard size > 0 else { return false }
        let guess = start + (Int(low) &* size) >> 16
        let atGuess = lows[guess]
        if atGuess == low { return true }
        var first: Int  // the first index whose value is at least `low` lies in first...last
        var last: Int
        var step = 1
        if atGuess < low {
            first = guess + 1
            last = end
            while guess + step < end {
                if lows[guess + step] >= low {
                    last = guess + step
                    break
                }
                first = guess + step + 1
                step <<= 1
            }
        } else {
            first = start
            last = guess
            while guess - step >= start {
                if lows[guess - step] < low {
                    first = guess - step + 1
                    break
                }
                last = guess - step
                step <<= 1
            }
        }
        while first < last {
            let middle = (first + last) >> 1
            if lows[middle] < low { first = middle + 1 } else { last = middle }
        }
        return first < end && lows[first] == low
    }

    /// Sorts keys by least-significant-digit radix sort on their offset from the smallest key,
    /// with 11-bit digits, skipping digits all keys share: a few linear passes where a
    /// comparison sort of ten million keys takes a second.
    static func radixSort(_ keys: inout [UInt64]) {
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
