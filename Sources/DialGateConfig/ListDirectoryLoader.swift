import Crypto
import DialGateCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the list directory into a new `Snapshot`, or refuses it as a whole.
///
/// The only file I/O in DialGateCore. Every regular file whose name ends in `.txt`, `.csv`,
/// `.list` or `.dgidx` (a compiled list, mapped rather than read) and does not start with `.`
/// is a list (writers write `.name.tmp` and rename it into place, so a half-written file is
/// never read). If any file is refused (malformed, unreadable,
/// or shrunk too much against its previous copy) the whole load fails, listing every problem,
/// and the caller keeps serving the previous snapshot: a partial set of lists could allow calls
/// that the full set denies. A missing directory is a failure; an empty one gives an empty
/// snapshot, which clears nobody. The layout is documented in `docs/lists.md`.
public struct ListDirectoryLoader: Sendable {
    /// File name endings that make a file a list.
    public static let listExtensions = [".txt", ".csv", ".list", CompiledList.fileExtension]

    public let directory: String
    /// A file whose record count fell by more than this share (0...1) against the same file
    /// name in the previous snapshot is refused as a probable truncated copy.
    public let maxShrink: Double
    /// A file with a larger share (0...1) of bad lines is refused.
    public let maxBadLineShare: Double

    public init(directory: String, maxShrink: Double = 0.5, maxBadLineShare: Double = 0.01) {
        self.directory = directory
        self.maxShrink = maxShrink
        self.maxBadLineShare = maxBadLineShare
    }

    /// Whether a directory entry is a list file by its name.
    public static func isListFileName(_ name: String) -> Bool {
        !name.hasPrefix(".") && listExtensions.contains { name.hasSuffix($0) && name.count > $0.count }
    }

    /// Loads every list file.
    ///
    /// - Parameters:
    ///   - previous: the snapshot being served, against which shrinking files are checked.
    ///   - now: the current instant: files dated after today are refused, and it becomes the
    ///     snapshot's `loadedAt`.
    /// - Returns: the snapshot with the warnings that did not stop it, or every problem found.
    public func load(previous: Snapshot?, now: Date) -> Result<ListLoad, ListLoadFailure> {
        let names: [String]
        switch listFileNames() {
        case .success(let found): names = found
        case .failure(let failure): return .failure(failure)
        }

        var refusals: [ListProblem] = []
        var warnings: [ListProblem] = []
        var files: [ListFile] = []
        var digests: [String: String] = [:]
        let previousFiles = Dictionary((previous?.files ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in names {
            let file: ListFile
            do {
                file = try readListFile(name, now: now) { digests[name] = $0 }
            } catch {
                refusals += error.problems
                continue
            }
            warnings += file.problems
            if let before = previousFiles[name], Double(file.records) < Double(before.records) * (1 - maxShrink) {
                refusals.append(
                    ListProblem(
                        .truncatedFile, file: name,
                        message: "\(file.records) records where the previous copy had \(before.records): shrank by more "
                            + "than \(Int((maxShrink * 100).rounded()))%, refused as a probable truncated copy "
                            + "(to shrink it on purpose, write it under a new name and remove the old one)"))
            }
            files.append(file)
        }
        let loaded = Set(names)
        for gone in previousFiles.keys.sorted() where !loaded.contains(gone) {
            let before = previousFiles[gone]!
            warnings.append(
                ListProblem(
                    .removedFile, file: gone,
                    message: "removed since the previous snapshot (\(before.kind), \(before.records) records, as of \(before.asOf))"))
        }

        guard refusals.isEmpty else {
            return .failure(ListLoadFailure(problems: Self.ordered(refusals + warnings)))
        }
        let snapshot = Snapshot(files: files, sha256: digests, loadedAt: now) { Hex.lowercase(SHA256.hash(data: $0)) }
        return .success(ListLoad(snapshot: snapshot, warnings: warnings))
    }

    /// Reads and checks one list file: a text list is read whole and parsed, a compiled list
    /// (`.dgidx`) is mapped and checked in place. `digest` gets the SHA-256 of the file's bytes
    /// as soon as they are read.
    private func readListFile(_ name: String, now: Date, digest: (String) -> Void) throws(ListLoadFailure) -> ListFile {
        func unreadable(_ error: ReadFailure) -> ListLoadFailure {
            ListLoadFailure(problems: [ListProblem(.unreadableFile, file: name, message: "cannot read: \(error)")])
        }
        if name.hasSuffix(CompiledList.fileExtension) {
            let mapped: MappedFile
            do { mapped = try MappedFile(path: path(of: name)) } catch { throw unreadable(error) }
            var hasher = SHA256()
            hasher.update(bufferPointer: mapped.bytes)
            digest(Hex.lowercase(hasher.finalize()))
            let list = try CompiledList(name: name, bytes: mapped.bytes, owner: mapped, now: now)
            return ListFile.compiled(name: name, list)
        }
        let read: (contents: Data, sha256: String)
        do { read = try Self.readHashing(path(of: name)) } catch { throw unreadable(error) }
        digest(read.sha256)
        return try ListFile.parse(name: name, contents: read.contents, now: now, maxBadLineShare: maxBadLineShare)
    }

    /// Why a file could not be read: the call that failed and its errno.
    struct ReadFailure: Error, CustomStringConvertible {
        let call: String
        let code: Int32
        var description: String { "\(call): \(String(cString: strerror(code)))" }
    }

    /// How much of a file is read, and hashed, at a time: small enough that the hash reads
    /// bytes the read just left in the cache, large enough that calls cost nothing.
    static let readChunkBytes = 1 << 20

    /// Reads the file at `path` whole, and its SHA-256 (64 lowercase hex digits) on the way:
    /// each chunk is hashed as soon as it is read, so the digest costs no second pass over a
    /// large list from memory. A file that grows while read is read to its end.
    static func readHashing(_ path: String) throws(ReadFailure) -> (contents: Data, sha256: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ReadFailure(call: "open", code: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ReadFailure(call: "fstat", code: errno) }
        // One byte more than the size, so that the end is seen without growing the buffer.
        var capacity = max(Int(status.st_size), 0) + 1
        guard var buffer = malloc(capacity) else { throw ReadFailure(call: "malloc", code: ENOMEM) }
        var length = 0
        var hasher = SHA256()
        while true {
            if length == capacity {
                capacity *= 2
                guard let grown = realloc(buffer, capacity) else {
                    free(buffer)
                    throw ReadFailure(call: "realloc", code: ENOMEM)
                }
                buffer = grown
            }
            let count = read(descriptor, buffer + length, min(capacity - length, readChunkBytes))
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                free(buffer)
                throw ReadFailure(call: "read", code: code)
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer + length, count: count))
            length += count
        }
        let contents = Data(bytesNoCopy: buffer, count: length, deallocator: .free)
        return (contents, Hex.lowercase(hasher.finalize()))
    }

    /// The list files of the directory, sorted by name.
    private func listFileNames() -> Result<[String], ListLoadFailure> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return .failure(ListLoadFailure(problems: [ListProblem(.directory, file: nil, message: "no list directory at \(directory)")]))
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            let problem = ListProblem(.directory, file: nil, message: "cannot list \(directory): \(error.localizedDescription)")
            return .failure(ListLoadFailure(problems: [problem]))
        }
        return .success(entries.filter { Self.isListFileName($0) && isRegularFile(path(of: $0)) }.sorted())
    }

    private func path(of name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Follows symbolic links (a list may be a link into a deployment directory), and rules
    /// out directories, FIFOs and devices, whose reading could block or mean nothing.
    private func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// Problems by file name, each file's in the order found (its refusal first, then its bad
    /// lines by line number).
    private static func ordered(_ problems: [ListProblem]) -> [ListProblem] {
        problems.enumerated().sorted { left, right in
            (left.element.file ?? "", left.offset) < (right.element.file ?? "", right.offset)
        }.map(\.element)
    }
}
