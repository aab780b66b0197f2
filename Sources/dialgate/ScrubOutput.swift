import Crypto
import DialGateCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file written whole or not at all: bytes go to `.<name>.tmp` beside it, which `commit`
/// syncs and renames over the name (and syncs the directory), and `discard` removes. Until
/// `commit`, the name shows what it showed before; a reader of the directory never sees half a
/// file (the list directory's loader skips dotfiles).
///
/// Keeps the SHA-256 of what it wrote, for the journal.
final class AtomicOutput {
    let path: String
    let temporaryPath: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var hash = SHA256()
    private(set) var bytesWritten = 0
    private var finished = false
    static let flushSize = 1 << 20

    /// Opens the temporary file beside `path`. `mode` before the umask.
    init(path: String, mode: mode_t = 0o666) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        temporaryPath = directory + "/." + url.lastPathComponent + ".tmp"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw fail("cannot write \(temporaryPath): \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(Self.flushSize + 4096)
    }

    deinit {
        if !finished { discard() }
    }

    func append(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// Writes out what is buffered once there is enough of it.
    func flushIfFull() throws {
        if buffer.count >= Self.flushSize { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        hash.update(data: buffer)
        var written = 0
        let failure: Int32? = buffer.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return nil
        }
        if let failure { throw fail("cannot write \(temporaryPath): \(String(cString: strerror(failure)))") }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes the rest and syncs it: after this, only the rename is left.
    func finishWriting() throws -> String {
        try flush()
        guard fsync(fd) == 0 else { throw fail("cannot sync \(temporaryPath): \(String(cString: strerror(errno)))") }
        return Hex.lowercase(hash.finalize())
    }

    /// Renames the file into place and syncs its directory.
    func commit() throws {
        close(fd)
        finished = true
        guard rename(temporaryPath, path) == 0 else {
            let error = errno
            unlink(temporaryPath)
            throw fail("cannot rename \(temporaryPath) to \(path): \(String(cString: strerror(error)))")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Removes the temporary file: nothing was written.
    func discard() {
        guard !finished else { return }
        finished = true
        close(fd)
        unlink(temporaryPath)
    }
}
