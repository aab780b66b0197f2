/// An immutable set of phone-number keys, built once off to the side and then only read.
///
/// STUB: a sorted array; the compact two-level layout replaces it. The API is fixed:
/// `init(keys:)`, `contains(_:)`, `count`, `memoryBytes`.
public struct NumberIndex: Sendable {
    private let keys: [UInt64]

    /// Builds the index from keys in any order; duplicates are kept once.
    public init(keys: some Sequence<UInt64>) {
        self.keys = Array(Set(keys)).sorted()
    }

    /// Whether `key` is in the index.
    public func contains(_ key: UInt64) -> Bool {
        var low = 0
        var high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low < keys.count && keys[low] == key
    }

    /// How many distinct numbers it holds.
    public var count: Int { keys.count }

    /// Bytes of memory its storage takes.
    public var memoryBytes: Int { keys.capacity * 8 }
}
