/// A dialable telephone number, normalised to E.164 and held as one integer key.
///
/// Every written form of one line (`06 12 34 56 78`, `+33 (0)6 12 34 56 78`, `0033612345678`,
/// `33612345678`) maps to the same key, so that a list, the ledger and a query agree on who a
/// number is. French overseas departments are mapped to their own country codes (`0692…` is
/// `+262692…`), because that is how the consumer is reached and which time zone they live in.
public struct PhoneNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The E.164 digits as an integer (`+33612345678` is `33612345678`). E.164 numbers never
    /// start with 0 and have at most 15 digits, so the integer is exact and unique.
    public let key: UInt64

    /// Rebuilds a number from its key, checking that it is a valid normalised E.164 number
    /// (so `33692123456` is refused: that line's key is `262692123456`).
    public init?(key: UInt64) {
        let digits = NumberingPlan.digitCount(of: key)
        guard case .key(let normalised) = Self.normalise(key, digits: digits, international: true, trunkZeroMark: nil),
            normalised == key
        else { return nil }
        self.key = key
    }

    init(uncheckedKey key: UInt64) {
        self.key = key
    }

    /// `+` followed by the digits.
    public var description: String { "+\(key)" }

    /// The French territory the number belongs to, which fixes its time zone and holidays.
    public var territory: Territory { Territory(key: key) }

    /// What kind of line the number reaches (mobile, geographic, ...).
    public var lineType: LineType { LineType(key: key) }

    public static func < (lhs: PhoneNumber, rhs: PhoneNumber) -> Bool { lhs.key < rhs.key }
}
