extension Array where Element == UInt8 {
    /// Appends `count` bytes that `write` writes in place, given exactly their room: text built
    /// straight into a buffer (a journal entry's), as `String(unsafeUninitializedCapacity:)`
    /// builds a string, so one writer serves both.
    mutating func append(count: Int, writing write: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        let start = self.count
        append(contentsOf: repeatElement(0, count: count))
        withUnsafeMutableBufferPointer { _ = write(UnsafeMutableBufferPointer(rebasing: $0[start...])) }
    }
}
