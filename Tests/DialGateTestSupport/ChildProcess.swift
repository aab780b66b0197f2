import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn and reaped with waitpid: what every test that
/// runs a program uses.
///
/// Not Foundation's `Process`: with many tests starting programs at once from several threads,
/// its termination monitoring was seen to miss exits and leave `waitUntilExit` hanging on a
/// zombie, and `Process.run` to crash copying its arguments (a memcpy from a freed buffer).
/// Here each test spawns and reaps its own child.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var waitStatus: Int32?

    /// Starts `arguments[0]` (a path) with the rest as its arguments. Standard output and
    /// error go to `outputPath` (appended) or, when `nil`, to the pipe `outputPipe` if given
    /// (standard error to `errorPipe` if given), else to /dev/null.
    public init(
        _ arguments: [String], environment: [String: String], outputPath: String? = nil, outputPipe: Int32? = nil,
        errorPipe: Int32? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let outputPath {
            posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else if let outputPipe {
            posix_spawn_file_actions_adddup2(&actions, outputPipe, 1)
            posix_spawn_file_actions_adddup2(&actions, errorPipe ?? outputPipe, 2)
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
    public var isRunning: Bool {
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
    public func wait() -> Int32 {
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

    public func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Runs a command to its end and returns its exit code and everything it printed.
    public static func run(
        _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> (status: Int32, output: String) {
        let outcome = try capture(arguments, environment: environment, separateStandardError: false)
        return (outcome.status, outcome.output)
    }

    /// Runs a command to its end and returns its exit code and what it printed: standard error
    /// apart or merged into `output`. `duringRun` runs once the command started (it may talk to
    /// it); if it throws, the command gets SIGTERM, is reaped, and the error is rethrown.
    public static func capture(
        _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        separateStandardError: Bool, duringRun: () throws -> Void = {}
    ) throws -> (status: Int32, output: String, errorOutput: String) {
        // Close-on-exec: only this child gets the write ends, as its stdout and stderr. Inherited
        // under another number, by it or by a child another thread spawns meanwhile, a pipe
        // would stay open in whatever outlives the command (a daemon it starts), and the reads
        // below would wait for that to end. (Socket pairs: Glibc's Swift module has no pipe2,
        // and pipe-then-fcntl leaves a window.)
        let output = try Self.closeOnExecPair()
        let errors = try separateStandardError ? Self.closeOnExecPair() : nil
        let child: ChildProcess
        do {
            child = try ChildProcess(arguments, environment: environment, outputPipe: output.write, errorPipe: errors?.write)
        } catch {
            for fd in [output.read, output.write, errors?.read, errors?.write].compactMap({ $0 }) { close(fd) }
            throw error
        }
        close(output.write)
        if let errors { close(errors.write) }
        // Both are drained while the child runs, so a full pipe cannot stall it.
        let outputReader = Drain(output.read)
        let errorReader = errors.map { Drain($0.read) }
        do {
            try duringRun()
        } catch {
            child.send(SIGTERM)
            child.wait()
            _ = outputReader.wait()
            _ = errorReader?.wait()
            throw error
        }
        let status = child.wait()
        return (status, outputReader.wait(), errorReader?.wait() ?? "")
    }

    private static func closeOnExecPair() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { throw Failure("socketpair failed: errno \(errno)") }
        return (fds[0], fds[1])
    }
}

/// Reads a descriptor to its end on a thread of its own, then closes it.
private final class Drain: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var bytes: [UInt8] = []

    init(_ fd: Int32) {
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                bytes += chunk[0..<n]
            }
            close(fd)
            done.signal()
        }
        thread.start()
    }

    /// Waits for the end of the stream; returns what was read, as UTF-8 text.
    func wait() -> String {
        done.wait()
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A test-side failure with its explanation.
public struct Failure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
