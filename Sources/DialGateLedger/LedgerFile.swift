// Linux only, like the rest of the daemon (systemd): fdatasync, flock and O_CLOEXEC as glibc has them.
import Glibc

/// A file descriptor with the few system calls the ledger needs, each retried on `EINTR` and
/// turned into a ``LedgerError`` naming the path.
///
/// Plain POSIX rather than `FileHandle`: the ledger's guarantees rest on exactly which calls
/// are made (`O_APPEND`, `fdatasync`, `rename`, an fsync of the directory), so they are spelled
/// out here.
struct LedgerFile: Sendable {
    let fd: Int32
    let path: String

    /// Opens `path` for appending (and reading with `pread`), creating it when asked.
    ///
    /// Returns whether the file was created, in which case the caller must fsync the directory
    /// so that the new name itself survives a crash.
    static func openForAppend(_ path: String, create: Bool) throws(LedgerError) -> (file: LedgerFile, created: Bool) {
        let flags = O_RDWR | O_APPEND | O_CLOEXEC
        let fd = retryingEINTR { Glibc.open(path, flags) }
        if fd >= 0 { return (LedgerFile(fd: fd, path: path), false) }
        guard errno == ENOENT, create else { throw .io(operation: "open", path: path, errno: errno) }
        let created = retryingEINTR { Glibc.open(path, flags | O_CREAT | O_EXCL, 0o640) }
        guard created >= 0 else { throw .io(operation: "create", path: path, errno: errno) }
        return (LedgerFile(fd: created, path: path), true)
    }

    /// Creates (or truncates) a file to be written from scratch: compaction's and repair's
    /// new copy, and the forensic copies of damaged bytes.
    static func create(_ path: String) throws(LedgerError) -> LedgerFile {
        let fd = retryingEINTR { Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640) }
        guard fd >= 0 else { throw .io(operation: "create", path: path, errno: errno) }
        return LedgerFile(fd: fd, path: path)
    }

    /// Writes every byte, looping over short writes.
    func write(_ bytes: [UInt8]) throws(LedgerError) {
        var written = 0
        let failure: Int32? = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return nil
        }
        if let failure { throw .io(operation: "write", path: path, errno: failure) }
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(count: Int, at offset: UInt64) throws(LedgerError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        let failure: Int32? = bytes.withUnsafeMutableBytes { buffer in
            while filled < count {
                let n = pread(fd, buffer.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if n == 0 { break }
                filled += n
            }
            return nil
        }
        if let failure { throw .io(operation: "read", path: path, errno: failure) }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// Flushes the data (and the size) to the disk: what makes an append durable.
    func dataSync() throws(LedgerError) {
        guard retryingEINTR({ fdatasync(fd) }) == 0 else { throw .io(operation: "fdatasync", path: path, errno: errno) }
    }

    /// Flushes data and metadata, for files and directories whose names just changed.
    func fullSync() throws(LedgerError) {
        guard retryingEINTR({ fsync(fd) }) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
    }

    func truncate(to size: UInt64) throws(LedgerError) {
        guard retryingEINTR({ ftruncate(fd, off_t(size)) }) == 0 else {
            throw .io(operation: "ftruncate", path: path, errno: errno)
        }
    }

    func size() throws(LedgerError) -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(operation: "fstat", path: path, errno: errno) }
        return UInt64(info.st_size)
    }

    /// A second descriptor on the same open file, closed independently: what a compaction
    /// reads the ledger through while the writer goes on appending (and may close its own).
    func duplicate() throws(LedgerError) -> LedgerFile {
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { throw .io(operation: "dup", path: path, errno: errno) }
        return LedgerFile(fd: copy, path: path)
    }

    func close() {
        // close(2) must not be retried on EINTR on Linux: the descriptor is gone either way.
        _ = Glibc.close(fd)
    }

    /// Calls `body` with each line of the bytes from `start` (the start of a line) up to
    /// `limit`, in order: its byte offset, its bytes without the newline, and whether a newline
    /// ended it (only the last can lack one).
    func forEachLine(
        from start: UInt64 = 0,
        upTo limit: UInt64,
        _ body: (_ offset: UInt64, _ line: ArraySlice<UInt8>, _ terminated: Bool) throws(LedgerError) -> Void
    ) throws(LedgerError) {
        let chunkSize = 1 << 20
        var pending: [UInt8] = []  // the start of a line that continues in the next chunk
        var pendingOffset = start
        var offset = start
        while offset < limit {
            let chunk = try read(count: Int(min(UInt64(chunkSize), limit - offset)), at: offset)
            if chunk.isEmpty { break }
            offset += UInt64(chunk.count)
            pending.append(contentsOf: chunk)
            var lineStart = pending.startIndex
            while let newline = pending[lineStart...].firstIndex(of: LedgerCodec.newline) {
                try body(pendingOffset + UInt64(lineStart), pending[lineStart..<newline], true)
                lineStart = newline + 1
            }
            pendingOffset += UInt64(lineStart)
            pending.removeSubrange(..<lineStart)
        }
        if !pending.isEmpty { try body(pendingOffset, pending[...], false) }
    }
}

/// The directory that holds the ledger: created on first use, locked against a second daemon,
/// and fsync'd whenever a name in it changes.
struct LedgerDirectory: Sendable {
    let path: String
    let fd: Int32

    /// Opens (creating it and its parents when missing) and locks the directory.
    static func open(_ path: String) throws(LedgerError) -> LedgerDirectory {
        try createIfMissing(path)
        let fd = retryingEINTR { Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw .io(operation: "open directory", path: path, errno: errno) }
        // Two writers appending to one ledger would interleave sequence numbers: refuse.
        do {
            try lock(fd, path: path)
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        return LedgerDirectory(path: path, fd: fd)
    }

    /// How long a held lock is waited for before the ledger is declared in use.
    ///
    /// A lock can outlive its holder's `close` by a moment: a child that another thread of the
    /// holder is spawning shares its open files until its `exec` closes them (O_CLOEXEC). A second
    /// daemon holds the lock for good and is still refused, only a second later.
    static let lockPatience: Duration = .seconds(1)

    private static func lock(_ fd: Int32, path: String) throws(LedgerError) {
        let deadline = ContinuousClock.now + lockPatience
        while retryingEINTR({ flock(fd, LOCK_EX | LOCK_NB) }) != 0 {
            let error = errno
            guard error == EWOULDBLOCK else { throw .io(operation: "flock", path: path, errno: error) }
            guard ContinuousClock.now < deadline else { throw .inUse(path: path) }
            usleep(10_000)
        }
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Makes the directory's entries (a created or renamed file) durable.
    func sync() throws(LedgerError) {
        guard retryingEINTR({ fsync(fd) }) == 0 else { throw .io(operation: "fsync directory", path: path, errno: errno) }
    }

    func rename(_ from: String, to: String) throws(LedgerError) {
        guard Glibc.rename(file(from), file(to)) == 0 else {
            throw .io(operation: "rename \(from) to", path: file(to), errno: errno)
        }
    }

    func remove(_ name: String) {
        _ = unlink(file(name))
    }

    func exists(_ name: String) -> Bool {
        access(file(name), F_OK) == 0
    }

    /// Releases the lock.
    func close() {
        _ = Glibc.close(fd)
    }

    /// `mkdir -p`, fsyncing each parent whose entries changed so the new directory survives.
    private static func createIfMissing(_ path: String) throws(LedgerError) {
        if access(path, F_OK) == 0 { return }
        let parent = parentPath(path)
        if parent != path { try createIfMissing(parent) }
        guard mkdir(path, 0o750) == 0 || errno == EEXIST else { throw .io(operation: "mkdir", path: path, errno: errno) }
        let parentFD = retryingEINTR { Glibc.open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard parentFD >= 0 else { throw .io(operation: "open directory", path: parent, errno: errno) }
        defer { _ = Glibc.close(parentFD) }
        guard fsync(parentFD) == 0 else { throw .io(operation: "fsync directory", path: parent, errno: errno) }
    }

    private static func parentPath(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }
}

/// Repeats a system call interrupted by a signal.
func retryingEINTR(_ call: () -> Int32) -> Int32 {
    while true {
        let result = call()
        if result == -1 && errno == EINTR { continue }
        return result
    }
}
