import DialGateCore

/// Random French numbers as lists hold them.
enum RandomNumbers {
    /// A uniformly random French number among mobiles (06, 07) and geographic numbers (01 to 05),
    /// normalised as the parser would: the few that fall in an overseas range (`0692…`) take
    /// their department's key (`+262692…`).
    static func frenchKey(using generator: inout SplitMix64) -> UInt64 {
        let key =
            33_000_000_000 + UInt64.random(in: 1...7, using: &generator) * 100_000_000
            + UInt64.random(in: 0..<100_000_000, using: &generator)
        if let number = PhoneNumber(key: key) { return number.key }
        return try! PhoneNumber(parsing: "+\(key)").key  // an overseas range dialled with +33
    }
}
