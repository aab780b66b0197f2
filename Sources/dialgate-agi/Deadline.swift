/// The one bound a call waits for the gate: connecting, sending and receiving all count
/// against it, on a monotonic clock (a wall-clock step cannot stretch or cut it).
struct Deadline {
    let end: ContinuousClock.Instant

    init(milliseconds: Int) {
        end = .now + .milliseconds(milliseconds)
    }

    /// Milliseconds left, rounded up (so a wait of 0 means the deadline has passed).
    var remainingMilliseconds: Int {
        let left = ContinuousClock.now.duration(to: end)
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        return Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    var hasPassed: Bool { remainingMilliseconds == 0 }

    /// The `deadline-ms=` to ask the gate for: a little under what is left, so that a decision
    /// the gate finishes late reaches us as its `DENY deadline-exceeded` (its place freed), not as
    /// an ALLOW arriving after we stopped listening (Protocol.md, CHECK).
    static func gateShare(ofRemaining remaining: Int) -> Int {
        min(60_000, max(1, remaining - max(5, remaining / 10)))
    }
}
