import Foundation
import PropertyBased
import Testing

@testable import DialGateCore

/// Checks that the index answers as a `Set` of the same keys for every probe.
private func expectSameMembership(
    _ keys: [UInt64], probes: [UInt64], sourceLocation: SourceLocation = #_sourceLocation
) {
    let index = NumberIndex(keys: keys)
    let set = Set(keys)
    #expect(index.count == set.count, sourceLocation: sourceLocation)
    for probe in probes where index.contains(probe) != set.contains(probe) {
        Issue.record("\(probe): index says \(index.contains(probe)), set says \(set.contains(probe))", sourceLocation: sourceLocation)
    }
}

/// Each key and its neighbours, where an off-by-one in a slice or a run would show.
private func neighbourhood(of keys: [UInt64]) -> [UInt64] {
    keys.flatMap { key in [key, key &- 1, key &+ 1, key &+ 0x1_0000, key &- 0x1_0000] }
}

/// A random French number's key: metropolitan 01-07 with 9 random digits.
extension Double {
    fileprivate var log2: Double { Foundation.log2(self) }
}

private func randomFrenchKey(using generator: inout some RandomNumberGenerator) -> UInt64 {
    33_000_000_000 + UInt64.random(in: 1...7, using: &generator) * 100_000_000
        + UInt64.random(in: 0..<100_000_000, using: &generator)
}

/// A fixed-seed generator so a failing case can be rerun.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Number index")
struct NumberIndexTests {
    @Test("an empty index contains nothing")
    func empty() {
        let index = NumberIndex(keys: [])
        #expect(index.count == 0)
        for probe: UInt64 in [0, 1, 33_612_345_678, UInt64.max] { #expect(!index.contains(probe)) }
    }

    @Test("a one-number index contains that number only")
    func single() {
        expectSameMembership([33_612_345_678], probes: neighbourhood(of: [33_612_345_678]) + [0, .max])
        expectSameMembership([0], probes: [0, 1, 0xFFFF, 0x1_0000, .max])
        expectSameMembership([.max], probes: [0, .max - 1, .max, .max - 0xFFFF, .max - 0x1_0000])
    }

    @Test("duplicates are kept once")
    func duplicates() {
        let keys: [UInt64] = [5, 5, 5, 33_612_345_678, 33_612_345_678, 7]
        let index = NumberIndex(keys: keys)
        #expect(index.count == 3)
        #expect(index.contains(5) && index.contains(7) && index.contains(33_612_345_678))
        #expect(!index.contains(6))
    }

    @Test("edge values and block boundaries are found exactly")
    func edges() {
        let keys: [UInt64] = [
            0, 1, 0xFFFF, 0x1_0000, 0x1_FFFF, 0x2_0000, 0x5_0000, 0xA_0000, 0xF_FFFF,
            1 << 32, (1 << 32) - 1, 1 << 48, (1 << 48) - 1, .max, .max - 1, .max - 0xFFFF, .max - 0x1_0000,
        ]
        expectSameMembership(keys, probes: neighbourhood(of: keys) + [2, 3, 0x3_0000, 0x4_FFFF])
    }

    @Test("blocks a few apart share a run, farther ones start a new run")
    func runs() {
        // Gaps of 1 to 8 blocks on both sides of the bridging threshold.
        var keys: [UInt64] = []
        var block: UInt64 = 1000
        for gap: UInt64 in [1, 2, 3, 4, 5, 6, 8, 1, 4, 5] {
            block += gap
            keys.append(block << 16 | 0x1234)
        }
        expectSameMembership(keys, probes: neighbourhood(of: keys) + (990...1060).map { $0 << 16 | 0x1234 })
    }

    @Test("a random French list answers as a Set would")
    func frenchNumbers() {
        var generator = SplitMix64(state: 42)
        let keys = (0..<200_000).map { _ in randomFrenchKey(using: &generator) }
        let misses = (0..<200_000).map { _ in randomFrenchKey(using: &generator) }
        expectSameMembership(keys, probes: keys.prefix(20_000) + neighbourhood(of: Array(keys.suffix(2_000))) + misses)
    }

    @Test("numbers from mixed countries and the whole key range answer as a Set would")
    func mixedKeys() {
        var generator = SplitMix64(state: 7)
        let french = (0..<20_000).map { _ in randomFrenchKey(using: &generator) }
        let overseas = (0..<5_000).map { _ in 262_692_000_000 + UInt64.random(in: 0..<2_000_000, using: &generator) }
        let anywhere = (0..<5_000).map { _ in UInt64.random(in: 0 ... .max, using: &generator) }
        let keys = french + overseas + anywhere
        let misses = (0..<20_000).map { _ in UInt64.random(in: 0 ... .max, using: &generator) }
        expectSameMembership(keys, probes: neighbourhood(of: keys) + misses)
    }

    @Test("a dense list, stored with smaller blocks, answers as a Set would")
    func denseRange() {
        var generator = SplitMix64(state: 11)
        let base: UInt64 = 33_612_000_000
        let keys = (0..<60_000).map { _ in base + UInt64.random(in: 0..<240_000, using: &generator) }
        expectSameMembership(keys, probes: Array(base - 70_000...base + 310_000))
    }

    @Test("numbers bunched unevenly inside a block are found where their place cannot be guessed")
    func unevenSpread() {
        let base: UInt64 = 33_612_345_678 & ~0xFFFF
        let bunches = [0..<40, 20_000..<20_003, 30_000..<30_001, 65_400..<65_536].flatMap { $0 }
        let keys = bunches.map { base + UInt64($0) } + [base + 0x1_0000 + 5, base - 1]
        expectSameMembership(keys, probes: Array(base - 10...base + 0x1_0010))
        let full = (0..<UInt64(0x1_0000)).map { base + $0 }
        expectSameMembership(full + [base + 0x3_0000], probes: Array(base - 10...base + 0x3_0010))
    }

    @Test("a French list takes within 0.6 bit a number of Elias–Fano's 2 + log2(spread / numbers) bits")
    func compact() {
        var generator = SplitMix64(state: 1)
        let keys = (0..<500_000).map { _ in randomFrenchKey(using: &generator) }
        let index = NumberIndex(keys: keys)
        let spread = Double(keys.max()! - keys.min()!)
        let eliasFanoBits = 2 + (spread / Double(index.count)).log2
        #expect(Double(index.memoryBytes * 8) / Double(index.count) < eliasFanoBits + 0.6)
    }

    @Test("radix sort orders keys as a comparison sort does")
    func radixSort() {
        var generator = SplitMix64(state: 3)
        for (count, range) in [(1_000, UInt64.max), (5_000, 1 << 20), (3_000, 0), (10_000, 700_000_000)] as [(Int, UInt64)] {
            var keys = (0..<count).map { _ in 33_000_000_000 &+ UInt64.random(in: 0...range, using: &generator) }
            let expected = keys.sorted()
            NumberIndex.radixSort(&keys)
            #expect(keys == expected)
        }
    }

    @Test("membership equals Set membership for random key sets")
    func propertyAgainstSet() async {
        let keys = Gen.uint64(in: 0 ... .max).array(of: 0...300)
        await propertyCheck(count: 200, input: keys, Gen.uint64(in: 0...3)) { keys, shift in
            // Clustered keys exercise runs and slices, spread ones the run search.
            let clustered = keys.map { $0 >> (shift * 16) }
            let index = NumberIndex(keys: clustered)
            let set = Set(clustered)
            #expect(index.count == set.count)
            for probe in neighbourhood(of: clustered) + keys {
                #expect(index.contains(probe) == set.contains(probe), "probe \(probe)")
            }
        }
    }
}
