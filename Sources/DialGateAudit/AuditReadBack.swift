/// What the daemon has read back of its own audit trail: which sequence numbers journald
/// really wrote, and which ones it should have written by now and did not.
///
/// `sd_journal_sendv` returning only means the datagram was queued on journald's socket: a
/// journald killed before reading it loses entries the daemon already answered. So the
/// daemon reads its entries back (`AuditConfirmation`) and feeds the numbers here, together
/// with how far it had answered and when. A number is *due* once it was answered at least a
/// grace period ago (journald writes asynchronously and may lag under load); a due number
/// never read is missing, and each newly missing range is reported once, for one alert.
///
/// Memory stays bounded whatever the run's length: it keeps the unread numbers as ranges
/// (holes), like `AuditContinuity`, and beyond `holeLimit` holes already reported it keeps
/// only the size of the oldest ones. A number read back after its hole was forgotten is taken
/// for a re-read, so the count of missing numbers never undercounts.
///
/// Pure: no clock, no journal. The service feeds it; the tests feed it directly.
public struct AuditReadBack: Sendable {
    /// What reading one number told.
    public enum Reading: Equatable, Sendable {
        /// Read for the first time, before it was reported missing.
        case new
        /// Read after it had been reported missing: journald was late, not lossy.
        case late
        /// Already read (the reader went over an entry twice), or in a forgotten hole.
        case reread
    }

    /// How many holes already reported are kept in detail; older ones are only counted.
    public let holeLimit: Int
    /// The highest number read.
    public private(set) var highestRead: UInt64 = 0
    /// The numbers answered at least the grace period ago: all of 1...due should have been read.
    public private(set) var due: UInt64 = 0
    /// Numbers of holes dropped from memory to keep it bounded; they stay missing.
    public private(set) var forgottenMissing: UInt64 = 0
    /// Entries read more than once; harmless, counted for the curious.
    public private(set) var rereads: UInt64 = 0
    /// Unread numbers below `highestRead`, ascending and disjoint.
    private var holes: [ClosedRange<UInt64>] = []
    /// Every number up to this one has been judged: read, or reported missing.
    private var reportedThrough: UInt64 = 0
    /// How far the daemon had answered, and when, oldest first; only those still inside the
    /// grace period and the newest one past it are kept.
    private var answered: [(at: ContinuousClock.Instant, through: UInt64)] = []

    public init(holeLimit: Int = 1000) {
        precondition(holeLimit > 0, "holeLimit must be positive")
        self.holeLimit = holeLimit
    }

    /// An entry with sequence number `seq`, read back from the journal in any order.
    @discardableResult
    public mutating func read(_ seq: UInt64) -> Reading {
        guard seq > 0 else { return .reread }
        if seq > highestRead {
            if seq > highestRead + 1 { holes.append((highestRead + 1)...(seq - 1)) }
            highestRead = seq
            return seq <= reportedThrough ? .late : .new
        }
        guard let index = holeIndex(containing: seq) else {
            rereads += 1
            return .reread
        }
        let hole = holes[index]
        var pieces: [ClosedRange<UInt64>] = []
        if hole.lowerBound < seq { pieces.append(hole.lowerBound...(seq - 1)) }
        if seq < hole.upperBound { pieces.append((seq + 1)...hole.upperBound) }
        holes.replaceSubrange(index...index, with: pieces)
        return seq <= reportedThrough ? .late : .new
    }

    /// The daemon had answered every number up to `through` at instant `at` (calls in time
    /// order; `through` never decreases).
    public mutating func answered(through: UInt64, at instant: ContinuousClock.Instant) {
        if let last = answered.last, last.through >= through { return }
        answered.append((instant, through))
    }

    /// Moves `due` up to what was answered at least `grace` before `now`, and returns the
    /// numbers that became missing by it: each missing number is returned by one call only.
    public mutating func settle(at now: ContinuousClock.Instant, grace: Duration) -> [ClosedRange<UInt64>] {
        let horizon = now - grace
        if let newest = answered.lastIndex(where: { $0.at <= horizon }) {
            due = max(due, answered[newest].through)
            answered.removeFirst(newest)
        }
        guard due > reportedThrough else { return [] }
        let newlyMissing = missing(in: (reportedThrough + 1)...due)
        reportedThrough = due
        forgetOldHoles()
        return newlyMissing
    }

    /// Every number known missing: due and never read, ascending; the holes forgotten for
    /// memory's sake are not listed (see `missingCount`).
    public var missing: [ClosedRange<UInt64>] {
        due == 0 ? [] : missing(in: 1...due)
    }

    /// How many numbers are missing, the forgotten holes included.
    public var missingCount: UInt64 {
        missing.reduce(forgottenMissing) { $0 + UInt64($1.count) }
    }

    /// The highest number up to which every number has been judged, read or missing: the
    /// due numbers, and beyond them those read without a gap. After a loss it keeps moving
    /// on, so "confirmed through N, M missing" reads as a whole.
    public var confirmedThrough: UInt64 {
        let firstUnreadPastDue = holes.first(where: { $0.upperBound > due }).map { max($0.lowerBound, due + 1) } ?? (highestRead + 1)
        return max(due, firstUnreadPastDue - 1)
    }

    /// The unread numbers within `range`.
    private func missing(in range: ClosedRange<UInt64>) -> [ClosedRange<UInt64>] {
        var result: [ClosedRange<UInt64>] = []
        for hole in holes where hole.overlaps(range) {
            result.append(max(hole.lowerBound, range.lowerBound)...min(hole.upperBound, range.upperBound))
        }
        if range.upperBound > highestRead {
            result.append(max(highestRead + 1, range.lowerBound)...range.upperBound)
        }
        return result
    }

    /// Keeps at most `holeLimit` holes among those already reported, dropping the oldest.
    private mutating func forgetOldHoles() {
        let reported = holes.prefix(while: { $0.upperBound <= reportedThrough }).count
        let excess = reported - holeLimit
        guard excess > 0 else { return }
        forgottenMissing += holes.prefix(excess).reduce(0) { $0 + UInt64($1.count) }
        holes.removeFirst(excess)
    }

    /// The hole holding `seq`, by binary search (holes are ascending and disjoint).
    private func holeIndex(containing seq: UInt64) -> Int? {
        var low = 0
        var high = holes.count
        while low < high {
            let middle = (low + high) / 2
            if holes[middle].upperBound < seq { low = middle + 1 } else { high = middle }
        }
        return low < holes.count && holes[low].contains(seq) ? low : nil
    }
}

extension Array where Element == ClosedRange<UInt64> {
    /// Sequence numbers as the audit tools print them: `3,40..42`, or `none`.
    public var sequenceText: String {
        isEmpty ? "none" : map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)..\($0.upperBound)" }.joined(separator: ",")
    }
}
