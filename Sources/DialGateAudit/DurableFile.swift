#if canImport(Glibc)
import Glibc
#endif

/// Writes a whole file so that after a crash it is either the old content or the new one,
/// complete: write a temporary file, fsync it, rename it over, fsync the directory.
public enum DurableFile {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// `mkdir -p` with mode 0755 for each directory it creates.
    public static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw failure("cannot create \(current)")
            }
        }
    }

    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32) throws {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        try makeDirectories(directory.isEmpty ? "/" : directory)
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else {
                close(fd)
                throw failure("cannot write \(temporary)")
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            close(fd)
            throw failure("cannot fsync \(temporary)")
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) to \(path)") }
        let directoryFD = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    private static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
