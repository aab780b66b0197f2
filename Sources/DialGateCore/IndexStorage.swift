/// The bytes of one `NumberIndex` image: either memory it allocated and frees, or a region of a
/// memory-mapped `.dgidx` file, kept mapped for as long as an index points into it.
///
/// The index reads its arrays in place from these bytes, so a compiled list is used as the
/// kernel maps it: no copy, no parse, and the pages are shared by every process that maps the
/// same file. The bytes never change once the storage exists.
final class IndexStorage: @unchecked Sendable {
    /// The image: 8-byte aligned, immutable.
    let bytes: UnsafeRawBufferPointer
    /// What keeps mapped bytes valid (it unmaps them when released); `nil` when the storage
    /// allocated the bytes itself and frees them in `deinit`.
    private let owner: (any AnyObject & Sendable)?

    /// Allocates `byteCount` zeroed bytes, 64-byte aligned, for an index being built: `fill`
    /// writes the image, and the bytes are read-only afterwards.
    init(allocating byteCount: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(byteCount, 8), alignment: 64)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        fill(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<byteCount]))
        self.bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<byteCount])
        self.owner = nil
    }

    /// Bytes that belong to `owner` (a mapping), which must keep them valid and unchanged for
    /// its own lifetime. They must be 8-byte aligned.
    init(bytes: UnsafeRawBufferPointer, owner: any AnyObject & Sendable) {
        precondition(bytes.isEmpty || Int(bitPattern: bytes.baseAddress) % 8 == 0, "index bytes are 8-byte aligned")
        self.bytes = bytes
        self.owner = owner
    }

    deinit {
        if owner == nil { UnsafeMutableRawPointer(mutating: bytes.baseAddress)?.deallocate() }
    }
}
