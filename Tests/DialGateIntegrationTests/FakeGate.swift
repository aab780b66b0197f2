import DialGateClient
import DialGateTestSupport
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A Unix socket that plays the gate for a hook's failure paths: one that accepts connections
/// (the kernel queues them) and never answers, or one that answers every request with a fixed
/// line, or closes without a word. It keeps the request lines it read.
///
/// Its serving thread holds the listening descriptor and the list of requests, not the gate:
/// the gate's deinit shuts the socket down, which ends the thread, which closes it.
final class FakeGate {
    let path: String
    private let directory: String
    private let fd: Int32
    private let serving: Bool
    private let received = Received()

    private final class Received: Sendable {
        let lines = Mutex<[String]>([])
    }

    /// `answer`: the line each request gets; nil for a gate that closes the connection once it
    /// has read the request. `serving`: false for a gate that never even accepts.
    init(answer: String?, serving: Bool = true) throws {
        let directory = try RunningDaemon.makeScratchDirectory()
        let path = directory + "/gate.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket failed: errno \(errno)") }
        let bound = UnixSocketAddress.with(path) { bind(fd, $0, $1) } ?? -1
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw Failure("cannot listen on \(path): errno \(errno)")
        }
        (self.directory, self.path, self.fd, self.serving) = (directory, path, fd, serving)
        guard serving else { return }
        let received = self.received
        Thread { Self.serve(fd, answer, received) }.start()
    }

    /// A gate that lets connections queue and never reads or answers them.
    static func silent() throws -> FakeGate { try FakeGate(answer: nil, serving: false) }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        if !serving { close(fd) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The request lines read so far.
    var requests: [String] { received.lines.withLock { $0 } }

    private static func serve(_ fd: Int32, _ answer: String?, _ received: Received) {
        while true {
            let connection = accept(fd, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                close(fd)
                return  // shut down
            }
            var line: [UInt8] = []
            var byte: UInt8 = 0
            while read(connection, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
            let request = String(decoding: line, as: UTF8.self)
            received.lines.withLock { $0.append(request) }
            if let answer {
                let bytes = Array((answer + "\n").utf8)
                _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            close(connection)
        }
    }
}
