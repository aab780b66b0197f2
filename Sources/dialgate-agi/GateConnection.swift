import DialGateClient

#if canImport(Glibc)
import Glibc
#endif

/// One request line to the gate and its one answer line, on a connection of its own, all of
/// it (connect, send, receive) within one `Deadline`: a missing, slow or wedged gate costs the
/// call at most the deadline. A non-blocking socket and poll(2), because `LineClient` blocks
/// without a bound, which nothing in a call's path may do.
struct GateConnection {
    /// The gate's Unix socket.
    let socketPath: String

    /// The longest answer line read; anything longer is not an answer.
    static let maxAnswerBytes = 65_536

    /// Connects, sends the line `request` makes from the milliseconds then left (nil: it cannot
    /// be written soundly), and reads the answer line, without its terminator.
    func exchange(within deadline: Deadline, request: (Int) -> String?) -> Result<String, GateFailure> {
        let fd: Int32
        switch connect(deadline) {
        case .success(let connected): fd = connected
        case .failure(let failure): return .failure(failure)
        }
        defer { close(fd) }
        guard let line = request(deadline.remainingMilliseconds) else {
            return .failure(.unsendable("the request cannot be written so that the gate reads it back unchanged"))
        }
        if let failure = send(Array((line + "\n").utf8), on: fd, deadline) { return .failure(failure) }
        return receive(on: fd, deadline)
    }

    private func connect(_ deadline: Deadline) -> Result<Int32, GateFailure> {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(AF_UNIX, type, 0)
        guard fd >= 0 else { return .failure(.io("socket: \(Self.text(errno))")) }
        while true {
            guard let result = UnixSocketAddress.with(socketPath, { Glibc.connect(fd, $0, $1) }) else {
                close(fd)
                return .failure(.unreachable("the socket path \(socketPath) is too long"))
            }
            let error = errno
            if result == 0 || error == EISCONN { return .success(fd) }
            switch error {
            case EINTR:
                continue
            case EAGAIN:
                // A Unix socket whose listen queue is full: the gate is there but behind; try
                // again until the deadline.
                let left = deadline.remainingMilliseconds
                guard left > 0 else {
                    close(fd)
                    return .failure(.timeout("the gate's listen queue at \(socketPath) stayed full"))
                }
                usleep(useconds_t(min(5, left) * 1000))
            case EINPROGRESS, EALREADY:
                guard Self.wait(fd, for: Int16(POLLOUT), deadline) else {
                    close(fd)
                    return .failure(.timeout("connecting to \(socketPath)"))
                }
            default:
                close(fd)
                return .failure(.unreachable("cannot connect to \(socketPath): \(Self.text(error))"))
            }
        }
    }

    private func send(_ bytes: [UInt8], on fd: Int32, _ deadline: Deadline) -> GateFailure? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                offset += n
                continue
            }
            let error = errno
            switch error {
            case EINTR: continue
            case EAGAIN:
                guard Self.wait(fd, for: Int16(POLLOUT), deadline) else { return .timeout("sending the request") }
            case EPIPE, ECONNRESET: return .closed("the gate closed the connection before taking the request")
            default: return .io("send: \(Self.text(error))")
            }
        }
        return nil
    }

    private func receive(on fd: Int32, _ deadline: Deadline) -> Result<String, GateFailure> {
        var line: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                if let newline = chunk[0..<n].firstIndex(of: UInt8(ascii: "\n")) {
                    line += chunk[0..<newline]
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    guard let text = String(validating: line, as: UTF8.self) else {
                        return .failure(.malformed("the answer is not UTF-8"))
                    }
                    return .success(text)
                }
                line += chunk[0..<n]
                guard line.count <= Self.maxAnswerBytes else {
                    return .failure(.malformed("no line break in the first \(Self.maxAnswerBytes) bytes of the answer"))
                }
                continue
            }
            if n == 0 { return .failure(.closed("the gate closed the connection without answering")) }
            let error = errno
            switch error {
            case EINTR: continue
            case EAGAIN:
                guard Self.wait(fd, for: Int16(POLLIN), deadline) else { return .failure(.timeout("waiting for the answer")) }
            case ECONNRESET: return .failure(.closed("the gate reset the connection without answering"))
            default: return .failure(.io("recv: \(Self.text(error))"))
            }
        }
    }

    /// Waits until `fd` is ready for `events` (or in error, which the next call reports);
    /// false once the deadline has passed.
    private static func wait(_ fd: Int32, for events: Int16, _ deadline: Deadline) -> Bool {
        while true {
            let left = deadline.remainingMilliseconds
            guard left > 0 else { return false }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&entry, 1, Int32(left))
            if n > 0 { return true }
            if n < 0, errno != EINTR { return true }
        }
    }

    private static func text(_ error: Int32) -> String { String(cString: strerror(error)) }
}
