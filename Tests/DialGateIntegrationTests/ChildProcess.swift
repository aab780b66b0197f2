import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn and reaped with waitpid.
///
/// Not Foundation's `Process`: with many tests starting and killing daemons at once from
/// several threads, its termination monitoring was seen to miss exits and leave
/// `waitUntilExit` hanging forever on a zombie. Here each test reaps its own child.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    private let lock = NSLock()
    private var waitStatus: Int32?

    /// Starts `arguments[0]` (a path) with the rest as its arguments. Standard output and
    /// error go to `outputPath` (appended) or, when `nil`, to the pipe `outputPipe` if given,
    /// else to /dev/null.
    init(_ arguments: [String], environment: [String: String], outputPath: String? = nil, outputPipe: Int32? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let outputPath {
            posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else if let outputPipe {
            posix_spawn_file_actions_adddup2(&actions, outputPipe, 1)
            posix_spawn_file_actions_adddup2(&actions, outputPipe, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // A child inherits the signal mask of the thread that spawns it, and the threads of a
        // test run block signals: give the child an empty mask and default handlers, as a
        // service manager would, or SIGTERM would never reach it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard result == 0 else { throw Failure("cannot start \(arguments[0]): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    /// Whether the child still runs (reaps it if it has ended).
    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if waitStatus != nil { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            waitStatus = status
            return false
        }
        return true
    }

    /// Waits for the child to end and returns its exit code, or 128 + the signal that killed it.
    @discardableResult
    func wait() -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if waitStatus == nil {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            waitStatus = status
        }
        let status = waitStatus!
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Runs a command to its end and returns its exit code and everything it printed.
    static func run(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (status: Int32, output: String) {
        var fds: [Int32] = [0, 0]
        // O_CLOEXEC: only this child gets the write end, as its stdout and stderr. Inherited
        // under another number, by it or by a child another thread spawns meanwhile, the pipe
        // would stay open in whatever outlives the command (a daemon it starts), and the read
        // below would wait for that to end.
        // (A socket pair: Glibc's Swift module has no pipe2, and pipe-then-fcntl leaves a window.)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { throw Failure("socketpair failed") }
        let child: ChildProcess
        do {
            child = try ChildProcess(arguments, environment: environment, outputPipe: fds[1])
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[1])
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            output += chunk[0..<n]
        }
        close(fds[0])
        return (child.wait(), String(decoding: output, as: UTF8.self))
    }
}
