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
        var reservations: [CallReservation] = []
    }

    /// A write recorded under a client key: what a repeat of the key is answered with.
    struct KeyedWrite: Sendable, Equatable {
        var seq: UInt64
        var number: PhoneNumber
    }

    private var entries: [UInt64: Entry] = [:]
    /// Client keys, by record type and key (a key names one write of its type), for as long
    /// as the ledger holds their record.
    private var keys: [String: KeyedWrite] = [:]
    private(set) var counts = LedgerStats()

    /// The write recorded under `key` for records of `type`, if any.
    func keyedWrite(type: String, key: String) -> KeyedWrite? {
        keys[Self.keyName(type: type, key: key)]
    }

    static func keyName(type: String, key: String) -> String { type + "\t" + key }

    /// Applies `record`, written at `seq` under the client's `key` (a reservation's key is its
    /// token).
    mutating func apply(_ record: LedgerRecord, key: String? = nil, seq: UInt64 = 0) {
        if let key = record.clientKey(key) {
            keys[Self.keyName(type: record.typeName, key: key)] = KeyedWrite(seq: seq, number: record.number)
        }
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
        case .attempt(_, _, let at, _, let token):
            // An attempt that settles an open reservation takes its place: one call, counted once.
            if let token, let index = entry.reservations.lastIndex(where: { $0.token == token }),
                entry.reservations[index].status == .open
            {
                entry.reservations[index].status = .completed
                Self.remove(entry.reservations[index].at, from: &entry.attempts)
                counts.reservationsOpen -= 1
            }
            Self.insertInOrder(at, into: &entry.attempts)
            counts.attempts += 1
        case .refusal(_, _, let at):
            Self.insertInOrder(at, into: &entry.refusals)
            counts.refusals += 1
        case .reservation(_, let campaign, let at, let token):
            guard !entry.reservations.contains(where: { $0.token == token }) else { break }
            entry.reservations.append(CallReservation(token: token, campaign: campaign, at: at))
            Self.insertInOrder(at, into: &entry.attempts)
            counts.reservations += 1
            counts.reservationsOpen += 1
        case .release(_, let token, _):
            if let index = entry.reservations.lastIndex(where: { $0.token == token }),
                entry.reservations[index].status == .open
            {
                entry.reservations[index].status = .released
                Self.remove(entry.reservations[index].at, from: &entry.attempts)
                counts.reservationsOpen -= 1
            }
        }
        entries[key] = entry
        counts.numbers = entries.count
    }

    /// Every number the ledger knows, in key order, with its facts (for exports).
    func allFacts() -> [(key: UInt64, facts: LedgerFacts)] {
        entries.keys.sorted().map { ($0, facts(for: $0)) }
    }

    func facts(for key: UInt64) -> LedgerFacts {
        guard let entry = entries[key] else { return .none }
        return LedgerFacts(
            internalOptOut: entry.optOut?.at,
            internalOptOutSource: entry.optOut?.source,
            consents: entry.consents,
            revocations: entry.revocations,
            attempts: entry.attempts,
            refusals: entry.refusals,
            reservations: entry.reservations
        )
    }

    /// Removes one occurrence of `date` (a reservation's, which an attempt settled or a
    /// release freed).
    private static func remove(_ date: Date, from dates: inout [Date]) {
        if let index = dates.lastIndex(of: date) { dates.remove(at: index) }
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
