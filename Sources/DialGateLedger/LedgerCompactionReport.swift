import Foundation

/// What one compaction kept and dropped.
public struct LedgerCompactionReport: Hashable, Sendable {
    /// Records kept (every opt-out and consent, and the attempts and refusals still in their
    /// windows).
    public var kept: Int
    /// Attempts and refusals dropped because they were older than their window plus margin.
    public var dropped: Int
    /// File size before compaction.
    public var bytesBefore: UInt64
    /// File size after compaction.
    public var bytesAfter: UInt64
    /// How long the whole compaction took.
    public var duration: Duration
    /// How long of it appends were held back: the last step only (the lines appended during
    /// the copy, the marker, the syncs and the rename).
    public var appendsHeld: Duration

    /// A report with every figure given.
    public init(
        kept: Int, dropped: Int, bytesBefore: UInt64, bytesAfter: UInt64, duration: Duration, appendsHeld: Duration
    ) {
        self.kept = kept
        self.dropped = dropped
        self.bytesBefore = bytesBefore
        self.bytesAfter = bytesAfter
        self.duration = duration
        self.appendsHeld = appendsHeld
    }
}
