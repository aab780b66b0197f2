import Foundation

/// Proves from the journal that no audit entry of a daemon run is missing.
///
/// Each run of `dialgated` numbers its audit entries (decisions and ledger events, in one
/// sequence) 1, 2, 3… (`DIALGATE_SEQ`, under one
/// `DIALGATE_RUN` id), journals its start, and journals the last number it used when it stops
/// (`DIALGATE_LAST_SEQ`). Fed those entries in journal order, this finds every number that
/// should be there and is not: a hole between two entries, the first ones of a run whose start
/// was read, the last ones of a run whose stop was read. It keeps only the holes, not the
/// numbers, so a run of a billion decisions is checked in constant memory.
///
/// Every entry of a run comes from one process, and journald records which (`_PID`, a field
/// a client cannot forge). An entry of the run from another process is counted as foreign and
/// never fills a hole: anyone on the machine may write to the journal, with any field.
///
/// Pure: `dialgate audit verify` reads the journal and feeds it; the tests feed it directly.
public struct AuditContinuity: Sendable {
    /// What the journal shows of one run.
    public struct Run: Sendable, Equatable {
        public let id: String
        /// When its start entry was written; nil when that entry was not read (before the
        /// period read, or vacuumed away), and then its first entries cannot be checked.
        public internal(set) var startedAt: Date?
        /// When its stop entry was written; nil while it runs, or when it did not stop cleanly
        /// (killed, crashed), and then its last entries cannot be checked.
        public internal(set) var stoppedAt: Date?
        /// The last sequence number the run says it wrote, from its stop entry.
        public internal(set) var lastAnnounced: UInt64?
        /// The lowest and highest sequence numbers read.
        public internal(set) var lowest: UInt64?
        public internal(set) var highest: UInt64?
        /// Decision entries read, each number counted once.
        public internal(set) var entries: UInt64 = 0
        /// Numbers read more than once (a forged or replayed entry); at most the first 100.
        public internal(set) var repeated: [UInt64] = []
        /// The process that wrote the run's entries: that of the first entry read.
        public internal(set) var writer: String?
        /// Entries with the run's id written by another process.
        public internal(set) var foreign: UInt64 = 0
        /// Holes between the lowest and highest numbers read.
        fileprivate var holes: [ClosedRange<UInt64>] = []

        init(id: String) { self.id = id }

        /// Every number that should be in the journal and is not, in order.
        public var missing: [ClosedRange<UInt64>] {
            var missing: [ClosedRange<UInt64>] = []
            if startedAt != nil {
                let firstExpected: UInt64 = 1
                let firstRead = lowest ?? ((lastAnnounced ?? 0) + 1)
                if firstRead > firstExpected { missing.append(firstExpected...(firstRead - 1)) }
            }
            missing += holes
            if let last = lastAnnounced, let highest, last > highest {
                missing.append((highest + 1)...last)
            }
            return missing
        }

        /// Nothing is missing, nothing is repeated, nothing came from another process.
        public var isComplete: Bool { missing.isEmpty && repeated.isEmpty && foreign == 0 }

        /// How many entries are missing.
        public var missingCount: UInt64 {
            missing.reduce(0) { $0 + ($1.upperBound - $1.lowerBound + 1) }
        }

        mutating func read(_ seq: UInt64) {
            guard let low = lowest, let high = highest else {
                lowest = seq
                highest = seq
                entries = 1
                return
            }
            if seq == high + 1 {
                highest = seq
            } else if seq > high + 1 {
                holes.append((high + 1)...(seq - 1))
                highest = seq
            } else if seq < low {
                // An earlier entry read late: the numbers between it and the lowest are a hole.
                if seq + 1 < low { holes.insert((seq + 1)...(low - 1), at: 0) }
                lowest = seq
            } else if let index = holes.firstIndex(where: { $0.contains(seq) }) {
                // A late entry fills part of a hole.
                let hole = holes[index]
                var pieces: [ClosedRange<UInt64>] = []
                if hole.lowerBound < seq { pieces.append(hole.lowerBound...(seq - 1)) }
                if seq < hole.upperBound { pieces.append((seq + 1)...hole.upperBound) }
                holes.replaceSubrange(index...index, with: pieces)
            } else {
                if repeated.count < 100 { repeated.append(seq) }
                return
            }
            entries += 1
        }
    }

    private var runs: [String: Run] = [:]
    private var order: [String] = []

    public init() {}

    /// The runs read, in the order they first appeared.
    public var report: [Run] { order.compactMap { runs[$0] } }

    /// A run's start entry, written by process `writer` (its `_PID`). Each of these calls
    /// returns whether the entry was taken as the run's own: false for a foreign one.
    @discardableResult
    public mutating func started(run: String, at time: Date, writer: String) -> Bool {
        update(run, writer: writer) { $0.startedAt = time }
    }

    /// A sequenced entry (a decision or a ledger event) with its number, written by process `writer`.
    @discardableResult
    public mutating func decision(run: String, seq: UInt64, writer: String) -> Bool {
        update(run, writer: writer) { $0.read(seq) }
    }

    /// A run's stop entry, with the last sequence number it wrote, written by process `writer`.
    @discardableResult
    public mutating func stopped(run: String, lastSeq: UInt64, at time: Date, writer: String) -> Bool {
        update(run, writer: writer) {
            $0.stoppedAt = time
            $0.lastAnnounced = lastSeq
        }
    }

    private mutating func update(_ id: String, writer: String, _ change: (inout Run) -> Void) -> Bool {
        if runs[id] == nil {
            runs[id] = Run(id: id)
            order.append(id)
        }
        // A run id is random and first appears in the start entry, so the first entry read
        // of a run is its own unless the period read begins after a forgery.
        if runs[id]!.writer == nil { runs[id]!.writer = writer }
        guard runs[id]!.writer == writer else {
            runs[id]!.foreign += 1
            return false
        }
        change(&runs[id]!)
        return true
    }
}
