import Foundation

/// One compaction's rule: what of the ledger is still worth keeping at `now`.
///
/// Opt-outs, consents and revocations are kept forever (the right to object is not undone;
/// consent proof lives as long as it may have to be shown). Attempts and refusals only matter
/// within their windows (4 calls per 30 days, 60 days after a refusal); they are kept for
/// their window plus ``marginDays``, because the policy counts calendar days in the consumer's
/// time zone, which can reach a little further back than whole 24-hour days from `now`.
///
/// How the file is rewritten by this rule, without holding appends back for longer than the
/// last few lines take, is ``LedgerWriter/compact(_:)``'s; the new file is a
/// ``LedgerCompactionCopy``.
struct LedgerCompaction: Sendable {
    static let marginDays = 2

    var now: Date
    var keepAttemptsDays: Int
    var keepRefusalsDays: Int

    func keeps(_ record: LedgerRecord) -> Bool {
        switch record {
        case .optOut, .consent, .consentRevoked: true
        case .attempt(_, _, let at, _, _), .reservation(_, _, let at, _), .release(_, _, let at):
            at >= cutoff(days: keepAttemptsDays)
        case .refusal(_, _, let at): at >= cutoff(days: keepRefusalsDays)
        }
    }

    private func cutoff(days: Int) -> Date {
        now.addingTimeInterval(-Double(max(0, days) + Self.marginDays) * 86_400)
    }
}
