#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Allocates `byteCount` zeroed bytes for an index being built: `fill` writes the image,
    /// and the bytes are read-only afterwards. An image of megabytes is aligned on 2 MiB and
    /// asks for transparent huge pages: a lookup touches a few random places of the image,
    /// and with 4 KiB pages each would also miss the TLB.
    init(allocating byteCount: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        let hugePage = 2 << 20
        let alignment = byteCount >= 2 * hugePage ? hugePage : 64
        var address: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&address, alignment, max(byteCount, 8)) == 0, let address else {
            fatalError("cannot allocate \(byteCount) bytes for a number index")
        }
        if alignment == hugePage {
            _ = madvise(address, byteCount / hugePage * hugePage, MADV_HUGEPAGE)
        }
        let buffer = UnsafeMutableRawBufferPointer(start: address, count: max(byteCount, 8))
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
        if owner == nil { free(UnsafeMutableRawPointer(mutating: bytes.baseAddress)) }
    }
}
