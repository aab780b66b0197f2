import DialGateCore
import Foundation

/// The ledger replayed into memory: per number, what the policy needs to know.
///
/// Built by applying records in file order, both at open and after each durable append, so
/// that memory always equals what a replay of the file would rebuild.
struct LedgerState: Sendable {
    struct Entry: Sendable {
        var optOut: (at: Date, source: String)?
        var consents: [ConsentRecord] = []
        var revocations: [ConsentRevocation] = []
        var attempts: [Date] = []
        var refusals: [Date] = []
    }

    private var entries: [UInt64: Entry] = [:]
    private(set) var counts = LedgerStats()

    mutating func apply(_ record: LedgerRecord) {
        counts.records += 1
        let key = record.number.key
        var entry = entries.removeValue(forKey: key) ?? Entry()
        switch record {
        case .optOut(_, let at, let source):
            if let existing = entry.optOut {
                if at < existing.at { entry.optOut = (at, source) }
            } else {
                entry.optOut = (at, source)
                counts.optOuts += 1
            }
        case .consent(_, let consent):
            // Kept as given: which calls a later withdrawal ends depends on the campaign called,
            // so the policy weighs withdrawals against consents per call (CallFacts.consent).
            entry.consents.append(consent)
            counts.consents += 1
        case .consentRevoked(_, let scope, let kind, let at):
            entry.revocations.append(ConsentRevocation(kind: kind, scope: scope, at: at))
            counts.consentRevocations += 1
        case .attempt(_, _, let at):
            Self.insertInOrder(at, into: &entry.attempts)
            counts.attempts += 1
        case .refusal(_, _, let at):
            Self.insertInOrder(at, into: &entry.refusals)
            counts.refusals += 1
        }
        entries[key] = entry
        counts.numbers = entries.count
    }

    func facts(for key: UInt64) -> LedgerFacts {
        guard let entry = entries[key] else { return .none }
        return LedgerFacts(
            internalOptOut: entry.optOut?.at,
            internalOptOutSource: entry.optOut?.source,
            consents: entry.consents,
            revocations: entry.revocations,
            attempts: entry.attempts,
            refusals: entry.refusals
        )
    }

    /// Dates arrive almost always in order; an out-of-order one (a dialer reporting late) is
    /// put in its place so lookups can rely on the order.
    private static func insertInOrder(_ date: Date, into dates: inout [Date]) {
        guard let last = dates.last, date < last else {
            dates.append(date)
            return
        }
        var low = dates.startIndex
        var high = dates.endIndex
        while low < high {  // the first date later than `date`
            let middle = (low + high) / 2
            if dates[middle] > date { high = middle } else { low = middle + 1 }
        }
        dates.insert(date, at: low)
    }
}
