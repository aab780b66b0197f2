import Testing

@testable import DialGateSystemd

#if canImport(Glibc)
import Glibc
#endif

@Suite("JOURNAL_STREAM: is stderr the journal?")
struct JournalStreamTests {
    /// A stream socket and its `<device>:<inode>`, as systemd writes JOURNAL_STREAM for it.
    func streamAndName() throws -> (fd: Int32, other: Int32, name: String) {
        var fds: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        var status = stat()
        try #require(fstat(fds[0], &status) == 0)
        return (fds[0], fds[1], "\(status.st_dev):\(status.st_ino)")
    }

    @Test("the stream JOURNAL_STREAM names is recognised")
    func namedStreamMatches() throws {
        let (fd, other, name) = try streamAndName()
        defer { close(fd); close(other) }
        #expect(JournalStream.matches(name, descriptor: fd))
    }

    @Test("another stream, or a malformed value, is not the journal")
    func otherStreamsDoNotMatch() throws {
        let (fd, other, name) = try streamAndName()
        defer { close(fd); close(other) }
        #expect(!JournalStream.matches(name, descriptor: other))
        for malformed in ["", "9", "9:", ":5", "x:y", "9:5:1", "-1:5"] {
            #expect(!JournalStream.matches(malformed, descriptor: fd), "\(malformed)")
        }
        #expect(!JournalStream.matches(name, descriptor: 999))
    }
}
