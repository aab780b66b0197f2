#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory, unmapped when the last reference goes.
///
/// A compiled list's index reads its mapping in place (`CompiledList`), so the mapping lives as
/// long as the snapshot holding the list; the pages are the page cache's, shared with every
/// other process mapping the same file. The file must be replaced by renaming a new one over
/// it (as `dialgate compile` does), never rewritten in place: a mapping sees writes to its
/// file, and a truncated mapped file faults its readers.
final class MappedFile: @unchecked Sendable {
    // @unchecked: `bytes` is a read-only mapping, never written, unmapped only in deinit.

    /// The file's bytes, page-aligned.
    let bytes: UnsafeRawBufferPointer

    /// Maps the file at `path`, and reads it through once (its SHA-256 is taken from the
    /// mapping anyway) so that its pages are resident before the first query.
    init(path: String) throws(ListDirectoryLoader.ReadFailure) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ListDirectoryLoader.ReadFailure(call: "open", code: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ListDirectoryLoader.ReadFailure(call: "fstat", code: errno) }
        let length = Int(status.st_size)
        guard length > 0 else {
            // mmap refuses an empty mapping; an empty file is no compiled list, and says so.
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0), address != MAP_FAILED else {
            throw ListDirectoryLoader.ReadFailure(call: "mmap", code: errno)
        }
        // Huge pages where the kernel can (a lookup reads a few random places: with 4 KiB pages
        // each also misses the TLB), and read ahead now, since the load reads it all once.
        madvise(address, length, MADV_HUGEPAGE)
        madvise(address, length, MADV_WILLNEED)
        bytes = UnsafeRawBufferPointer(start: address, count: length)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
