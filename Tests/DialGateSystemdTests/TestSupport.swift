import DialGateClient
import DialGateTestSupport
import Foundation
import Testing

/// What the systemd tests share: where the package is, running real tools, waiting for journald.
enum TestSupport {
    /// The package root, found from this file's place in Tests/DialGateSystemdTests.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The repository's systemd/ directory: units, sysusers.d, tmpfiles.d, catalog.
    static let systemdDirectory = packageRoot.appendingPathComponent("systemd")

    /// The socket journald reads native-protocol entries from.
    static let journalSocket = "/run/systemd/journal/socket"

    /// Fails the calling test with the way out when no journald runs: these tests read the real
    /// journal, and a missing journald would otherwise look like lost entries. A socket file
    /// is not enough (a killed journald leaves it): connecting to it must succeed.
    static func requireJournald(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(
            journaldAnswers(),
            "journald is not running (nothing answers on \(journalSocket)): run scripts/test, which starts /lib/systemd/systemd-journald",
            sourceLocation: sourceLocation
        )
    }

    /// Whether a datagram socket connects to journald's: ECONNREFUSED when the file is stale.
    private static func journaldAnswers() -> Bool {
        guard case .success(let fd) = UnixSocketAddress.connect(journalSocket, type: Int32(SOCK_DGRAM.rawValue)) else {
            return false
        }
        close(fd)
        return true
    }

    /// The outcome of a finished process.
    struct Outcome {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `executable` with `arguments` to completion and returns what it printed. The child's
    /// environment is this process's with `environment` applied (a nil value removes a name).
    /// `duringRun` is called once the process started, while it runs.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String?] = [:],
        duringRun: () throws -> Void = {}
    ) throws -> Outcome {
        var merged = ProcessInfo.processInfo.environment
        for (name, value) in environment { merged[name] = value }
        let outcome = try ChildProcess.capture(
            [executable] + arguments, environment: merged, separateStandardError: true, duringRun: duringRun)
        return Outcome(status: outcome.status, standardOutput: outcome.output, standardError: outcome.errorOutput)
    }

    // MARK: Child runs
    //
    // libsystemd reads NOTIFY_SOCKET, WATCHDOG_*, LISTEN_* only from the environment, and
    // setenv in this multi-threaded test process would race with every other test reading it.
    // So a test that needs such an environment runs this test binary again, with the
    // environment it needs and only one "(child run)" test selected, and checks it passed.

    /// Names the child test a child run is for; unset in the ordinary run.
    static let childVariable = "DIALGATE_SYSTEMD_TEST_CHILD"

    /// Whether this process is a child run for the test named `name`.
    static func isChild(for name: String) -> Bool {
        ProcessInfo.processInfo.environment[childVariable] == name
    }

    /// Runs the child test `suite/name` in a new process of this test binary, with
    /// `environment` applied, through `launcher` (a command prefix such as
    /// systemd-socket-activate) when given, and records an issue unless it ran and passed.
    static func runChild(
        suite: String,
        name: String,
        environment: [String: String?] = [:],
        launcher: [String] = [],
        duringRun: () throws -> Void = {},
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        // The filter is a regular expression over "Module.Suite/name()": "\\(" ends the name, so
        // "childNotifies" does not also select "childNotifiesNobody".
        let command = launcher + [testBinary, "--testing-library", "swift-testing", "--filter", "\(suite)/\(name)\\("]
        var environment = environment
        environment[childVariable] = name
        let outcome = try run(command[0], Array(command.dropFirst()), environment: environment, duringRun: duringRun)
        expectPassed(outcome, sourceLocation: sourceLocation)
    }

    /// Records an issue unless `outcome` is a test-binary run of exactly one test that passed.
    static func expectPassed(_ outcome: Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
        // swift-testing reports on standard error.
        let report = outcome.standardOutput + outcome.standardError
        #expect(outcome.status == 0, "child run failed:\n\(report)", sourceLocation: sourceLocation)
        // It must really have run its one test, not filtered everything out or skipped it.
        #expect(
            report.contains("Test run with 1 test") && report.contains("passed") && !report.contains("skipped"),
            "child run did not run its test:\n\(report)", sourceLocation: sourceLocation
        )
    }

    /// Asks `attempt` every 100 ms until it returns a value, for at most `limit`: journald
    /// stores entries asynchronously, after `Journal.send` returned. Nil when it never did.
    static func poll<T>(for limit: Duration = .seconds(10), _ attempt: () throws -> T?) async throws -> T? {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            if let value = try attempt() { return value }
            if clock.now >= deadline { return nil }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Like `poll`, for synchronous callers (a child process's start-up, not journald).
    static func pollBlocking<T>(for limit: Duration = .seconds(10), _ attempt: () throws -> T?) throws -> T? {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            if let value = try attempt() { return value }
            if clock.now >= deadline { return nil }
            usleep(20_000)
        }
    }

    /// A new AF_UNIX socket of `type`, bound to `path` when given, listening when asked.
    static func unixSocket(type: Int32, boundTo path: String? = nil, listening: Bool = false) throws -> Int32 {
        let fd = socket(AF_UNIX, type, 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        if let path {
            guard withSocketAddress(path, { bind(fd, $0, $1) }) == 0 else {
                let error = POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                close(fd)
                throw error
            }
        }
        if listening, listen(fd, 8) != 0 {
            let error = POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            close(fd)
            throw error
        }
        return fd
    }

    /// Connects a new stream socket to the Unix socket at `path`; the caller closes it.
    static func connectStream(to path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        guard withSocketAddress(path, { connect(fd, $0, $1) }) == 0 else {
            let error = POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            close(fd)
            throw error
        }
        return fd
    }

    /// Calls `body` with a sockaddr_un for `path` (-1 when the path is too long).
    private static func withSocketAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        UnixSocketAddress.with(path, body) ?? -1
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dialgate-systemd-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
