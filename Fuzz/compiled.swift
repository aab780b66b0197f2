@testable import DialGateCore
import Foundation

/// Fuzz target `compiled`: `CompiledList(name:bytes:owner:now:)`, the entry point the daemon
/// maps a `.dgidx` file through, then `contains` on what it accepted.
///
/// The checksums reject any random change to a file, so a fuzzer mutating whole files never
/// gets past them: here the input is the *index image* (and a few header fields), and the
/// target writes the file around it with checksums that match, so what is fuzzed is the
/// structural validation (`NumberIndex.validating`) and the lookups it lets through.
///
/// The input is 16 control bytes, then the image:
///
/// | bytes  | what                                                                           |
/// |--------|--------------------------------------------------------------------------------|
/// | 0      | which header fields to override with the value (bit 0 records, 1 bad lines, 2 image length, 3 header length, 4 text length, 5 version) |
/// | 1..<8  | the seed of the random probe keys                                              |
/// | 8..<16 | the value (a 32-bit field takes its low half, the text length its high half)   |
/// | 16...  | the image                                                                      |
///
/// With no override the header is the one `CompiledList.headerBytes` writes for the image
/// (records = the image's own count), so a valid image is accepted. After any override both
/// checksums are recomputed over the ranges the loader will read, so the override reaches the
/// checks after them.
///
/// Properties, each a trap when broken:
/// - loading never crashes, whatever the bytes (ASan catches a read outside the file);
/// - a refusal has a problem, a `.malformedFile` one;
/// - an accepted list has keys, at least as many records, and `contains` never crashes on the
///   keys its blocks decode to, their neighbours, every block's first and last values, 0,
///   `UInt64.max`, the first and last keys ± 1, and random keys seeded by the input;
/// - every key a block decodes to is found, the first and last keys are found, and a key
///   outside `firstKey...lastKey` is not; when every block decodes, they hold `count` keys
///   in all and `contains` agrees with them on every probe.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCompiled(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard input.count >= 16 else { return 0 }
    func control<T: FixedWidthInteger>(_ offset: Int, as type: T.Type) -> T {
        UnsafeRawBufferPointer(input).loadUnaligned(fromByteOffset: offset, as: T.self).littleEndian
    }
    let overrides = input[0]
    let probeSeed = control(0, as: UInt64.self) >> 8
    let value = control(8, as: UInt64.self)
    let image = UnsafeBufferPointer(rebasing: input[16...])

    var file = reference.header
    func put<T: FixedWidthInteger>(_ field: T, at offset: Int) {
        withUnsafeBytes(of: field.littleEndian) { file.replaceSubrange(offset..<offset + $0.count, with: $0) }
    }
    // The records a build would write: the image's own count, when it has one.
    let imageCount = image.count >= 16 ? UnsafeRawBufferPointer(image).loadUnaligned(fromByteOffset: 8, as: UInt64.self) : 1
    put(max(imageCount.littleEndian, 1), at: 24)
    put(UInt64(image.count), at: 40)
    if overrides & 1 != 0 { put(value, at: 24) }
    if overrides & 2 != 0 { put(value, at: 32) }
    if overrides & 4 != 0 { put(value, at: 40) }
    if overrides & 8 != 0 { put(UInt32(truncatingIfNeeded: value), at: 12) }
    if overrides & 16 != 0 { put(UInt32(truncatingIfNeeded: value >> 32), at: 16) }
    if overrides & 32 != 0 { put(UInt32(truncatingIfNeeded: value), at: 8) }
    file += image

    // The checksums the loader recomputes, over the ranges its header says.
    let headerLength = Int(UInt32(littleEndian: file.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 12, as: UInt32.self) }))
    if headerLength >= CompiledList.fixedHeaderBytes, headerLength <= file.count {
        put(file.withUnsafeBytes { WordChecksum.of(UnsafeRawBufferPointer(rebasing: $0[headerLength...])) }, at: 48)
        put(UInt64(0), at: 56)
        put(file.withUnsafeBytes { WordChecksum.of(UnsafeRawBufferPointer(rebasing: $0[0..<headerLength])) }, at: 56)
    }

    // The file on a buffer of its exact size, 8-byte aligned as a mapping is: ASan sees any read past it.
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: file.count, alignment: 8)
    defer { buffer.deallocate() }
    file.withUnsafeBytes { buffer.copyMemory(from: $0) }

    switch Result(catching: { () throws(ListLoadFailure) in
        try CompiledList(name: "fuzz.dgidx", bytes: UnsafeRawBufferPointer(buffer), owner: Owner(), now: reference.now)
    }) {
    case .failure(let failure):
        invariant(!failure.problems.isEmpty, "refused without a problem")
        invariant(failure.problems.allSatisfy { $0.cause == .malformedFile }, "refused with \(failure.problems)")
    case .success(let list):
        check(list, probeSeed: probeSeed)
    }
    return 0
}

/// What keeps the fuzz buffer "mapped": nothing, the buffer outlives every index of one run.
private final class Owner: Sendable {}

/// A header written by `CompiledList.headerBytes` for a one-key list, whose lengths, counts and
/// checksums each run overwrites; and a "now" after its as-of date.
private let reference: (header: [UInt8], now: Date) = {
    let list = CompiledList(
        kind: .internalOptOut, asOf: CalendarDay(year: 2026, month: 11, day: 20)!, attributes: ["source": "fuzz"],
        records: 1, index: NumberIndex(keys: [33_123_456_789]))
    return (list.headerBytes, Date(timeIntervalSince1970: 1_796_030_100))  // 2026-11-30T09:15:00Z
}()

/// The accepted list answers without crashing, and as its image's decoded keys say.
private func check(_ list: CompiledList, probeSeed: UInt64) {
    let index = list.index
    invariant(index.count > 0, "accepted with no keys")
    invariant(list.records >= index.count, "\(list.records) records for \(index.count) keys")
    invariant(index.firstKey <= index.lastKey, "first key \(index.firstKey) above last key \(index.lastKey)")

    var decoded: [UInt64] = []
    var everyBlockDecodes = true
    var probes: [UInt64] = [0, 1, .max, .max - 1, index.firstKey, index.lastKey]
    probes += [index.firstKey &- 1, index.firstKey &+ 1, index.lastKey &- 1, index.lastKey &+ 1]
    for s in 0..<index.slotCount {
        let start = index.block(ofSlot: s) &<< index.blockShift
        let end = start | index.blockMask
        probes += [start, start &- 1, start &+ 1, end, end &+ 1, start &+ index.blockMask / 2]
        // Only the first and last blocks' bits are decoded at load; the others are the
        // checksum's to vouch for, and a forged one may hold anything: lookups in it must
        // still stay inside.
        guard let keys = index.keys(inSlot: s) else {
            invariant(s > 0 && s < index.slotCount - 1, "the first or last block was accepted but does not decode")
            everyBlockDecodes = false
            continue
        }
        invariant(keys.allSatisfy { $0 >= start && $0 <= end }, "slot \(s) decodes to keys outside its block")
        decoded += keys
    }
    var generator = SplitMix(state: probeSeed)
    for _ in 0..<64 {
        let random = generator.next()
        probes.append(random)
        // And some within the keys' range, where the lookups go deep.
        let span = index.lastKey &- index.firstKey
        probes.append(index.firstKey &+ (span == .max ? random : random % (span &+ 1)))
    }

    for key in decoded {
        invariant(index.contains(key), "key \(key), decoded from its block, is not found")
        _ = index.contains(key &- 1)
        _ = index.contains(key &+ 1)
    }
    // The first and last blocks are decoded at load, so the first and last keys are found.
    invariant(index.contains(index.firstKey), "the first key \(index.firstKey) is not found")
    invariant(index.contains(index.lastKey), "the last key \(index.lastKey) is not found")
    for probe in probes {
        let found = index.contains(probe)
        if probe < index.firstKey || probe > index.lastKey {
            invariant(!found, "key \(probe) outside \(index.firstKey)...\(index.lastKey) is found")
        }
    }
    guard everyBlockDecodes else { return }
    invariant(decoded.count == index.count, "the blocks decode to \(decoded.count) keys, the header says \(index.count)")
    let set = Set(decoded)
    for probe in probes + decoded.flatMap({ [$0 &- 1, $0 &+ 1] }) {
        invariant(index.contains(probe) == set.contains(probe), "key \(probe): contains says \(index.contains(probe)), the decoded keys say \(set.contains(probe))")
    }
}

/// Random probe keys, reproducible from the input.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
