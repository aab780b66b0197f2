import DialGateCore
import Synchronization

/// The places under the frequency cap that live CHECKs have taken and the ledger has not yet
/// made durable, and the lock that makes "count, decide, reserve" one step per number.
///
/// Without it, two CHECKs for a number with 3 of 4 attempts would both read 3 and both be
/// allowed. Here a CHECK reads the ledger's facts, adds the places still on their way to
/// disk, decides and, if it allows a capped call, takes a place, all under the lock of the
/// number's stripe; the next CHECK for that number sees the place at once. A place stays here
/// until the ledger holds its reservation (the ledger's facts then count it, and a token
/// counted by both is counted once) or its write failed.
///
/// Striped by number, so CHECKs for different numbers rarely meet on a lock; the lock is held
/// for one decision (microseconds), never across I/O.
final class Reservations: Sendable {
    private static let stripeCount = 64
    /// One lock and the places pending for its numbers.
    private final class Stripe: Sendable {
        let places = Mutex<[UInt64: [CallReservation]]>([:])
    }
    private let stripes: [Stripe]

    init() {
        stripes = (0..<Self.stripeCount).map { _ in Stripe() }
    }

    /// Runs `body` under the number's lock with the places pending for it; `body` appends the
    /// place it takes, if any.
    func serialised<T>(_ number: PhoneNumber, _ body: (inout [CallReservation]) -> T) -> T {
        stripes[stripe(number)].places.withLock { pending in
            var places = pending.removeValue(forKey: number.key) ?? []
            defer { if !places.isEmpty { pending[number.key] = places } }
            return body(&places)
        }
    }

    /// Forgets the place `token` once the ledger holds it, or its write failed.
    func settle(_ token: String, for number: PhoneNumber) {
        stripes[stripe(number)].places.withLock { pending in
            guard var places = pending.removeValue(forKey: number.key) else { return }
            places.removeAll { $0.token == token }
            if !places.isEmpty { pending[number.key] = places }
        }
    }

    private func stripe(_ number: PhoneNumber) -> Int {
        Int(truncatingIfNeeded: (number.key &* 0x9E37_79B9_7F4A_7C15) >> 58)
    }
}

extension LedgerFacts {
    /// These facts with the pending places the ledger does not hold yet counted as attempts,
    /// and without the place `token` (a repeated CHECK under the same key decides as if its
    /// own earlier place were not taken, then keeps it).
    func including(_ pending: [CallReservation], excluding token: String?) -> LedgerFacts {
        var facts = self
        for place in pending where place.token != token && reservation(place.token) == nil {
            facts.attempts.append(place.at)
        }
        if let token, let own = reservation(token), own.status == .open,
            let index = facts.attempts.lastIndex(of: own.at)
        {
            facts.attempts.remove(at: index)
        }
        return facts
    }
}
