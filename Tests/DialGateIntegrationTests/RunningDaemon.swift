import DialGateClient
import DialGateTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real `dialgated` process on a real Unix socket, in a scratch directory of its own, with
/// a copy of the example lists (or lists a test writes) and a configuration made from the
/// example one. Tests talk to it as a softswitch would and read what it wrote to the journal.
///
/// `@unchecked Sendable`: client threads only read its paths and the process id; starting and
/// stopping happen on the test's own thread.
final class RunningDaemon: @unchecked Sendable {
    let directory: String
    let socketPath: String
    let configPath: String
    let listsPath: String
    let statePath: String
    private(set) var process: ChildProcess!
    let stderrPath: String
    /// What `start` adds to the daemon's environment for its clock (nothing for the real one).
    let clockEnvironment: [String: String]

    /// The package root, found from this file's path.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func binary(_ name: String) -> String {
        if let override = ProcessInfo.processInfo.environment["DIALGATE_BIN_DIR"] { return override + "/" + name }
        return packageRoot + "/.build/debug/" + name
    }

    /// The wall clock the daemons of the tests see unless a test asks for the real one:
    /// `TestLists.monday` (2026-11-30 09:15:00 UTC), a Monday inside calling hours in Paris,
    /// frozen. A CHECK is about now, so only a fixed now makes its answers repeatable; PLAN
    /// covers the other instants.
    static let frozenNowSeconds = 1_796_030_100

    /// The environment that freezes a daemon's wall clock at `frozenNow`: Tests/FrozenClock's
    /// preload library, built here with the C compiler on first use. Monotonic clocks (timers,
    /// sleeps, deadlines) keep running.
    static func frozenClock() throws -> [String: String] {
        ["LD_PRELOAD": try frozenClockLibrary.get(), "DIALGATE_FROZEN_REALTIME": String(frozenNowSeconds)]
    }

    private static let frozenClockLibrary: Result<String, any Error> = Result {
        let source = packageRoot + "/Tests/FrozenClock/frozen-clock.c"
        let directory = packageRoot + "/.build/frozen-clock"
        let library = directory + "/libfrozen-clock-\(ProcessInfo.processInfo.processIdentifier).so"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let (status, output) = try ChildProcess.run(["/usr/bin/cc", "-shared", "-fPIC", "-O2", "-o", library, source, "-ldl"])
        guard status == 0 else { throw Failure("cannot build \(source): \(output)") }
        return library
    }

    /// Starts a daemon. `configure` may edit the configuration text (the example one, with
    /// paths pointing into the scratch directory); `lists` replaces the example lists. Its wall
    /// clock is `frozenNow` unless `realClock` is set.
    init(
        configure: (String) -> String = { $0 }, lists: [String: String]? = nil, environment: [String: String] = [:],
        launcher: [String]? = nil, waitForSocket: Bool = true, realClock: Bool = false
    ) throws {
        self.clockEnvironment = realClock ? [:] : try Self.frozenClock()
        directory = try Self.makeScratchDirectory()
        socketPath = directory + "/dialgate.sock"
        configPath = directory + "/dialgate.toml"
        listsPath = directory + "/lists"
        statePath = directory + "/state"
        stderrPath = directory + "/stderr.log"
        let fm = FileManager.default
        try fm.createDirectory(atPath: listsPath, withIntermediateDirectories: true)
        if let lists {
            for (name, content) in lists { try content.write(toFile: listsPath + "/" + name, atomically: true, encoding: .utf8) }
        } else {
            for name in try fm.contentsOfDirectory(atPath: Self.packageRoot + "/examples/lists") {
                try fm.copyItem(atPath: Self.packageRoot + "/examples/lists/" + name, toPath: listsPath + "/" + name)
            }
        }
        var config = try String(contentsOfFile: Self.packageRoot + "/examples/dialgate.toml", encoding: .utf8)
        config = Self.setting(config, key: "socket", value: socketPath)
        config = Self.setting(config, key: "lists", value: listsPath)
        config = Self.setting(config, key: "state", value: statePath)
        config = Self.setting(config, key: "reload-poll-seconds", raw: "1")
        // Tests run many daemons at once on a loaded machine with one journald: a decision may
        // wait longer than the production deadline for its entry without anything being wrong.
        config = config.replacingOccurrences(of: "\n[audit]\n", with: "\n[audit]\ndeadline-milliseconds = 10000\n")
        try configure(config).write(toFile: configPath, atomically: true, encoding: .utf8)
        try start(environment: environment, launcher: launcher)
        if waitForSocket { try self.waitForSocket() }
    }

    /// For tests about load, not the cap: a consent lifts the frequency cap (the unconfirmed
    /// reading `consent-lifts-frequency-and-refusal`), so a consenting number can be allowed
    /// again and again, and its ALLOWs take no place under the cap.
    static func consentLiftsTheCap(_ config: String) -> String {
        config.replacingOccurrences(
            of: "consent-lifts-frequency-and-refusal = false", with: "consent-lifts-frequency-and-refusal = true")
    }

    /// Starts (or restarts) the process on the same directory.
    func start(environment: [String: String] = [:], launcher: [String]? = nil) throws {
        let command = [Self.binary("dialgated"), "--config", configPath]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "LISTEN_FDS")
        env.removeValue(forKey: "LISTEN_PID")
        for (key, value) in clockEnvironment { env[key] = value }
        for (key, value) in environment { env[key] = value }
        process = try ChildProcess((launcher ?? []) + command, environment: env, outputPath: stderrPath)
    }

    deinit {
        process.send(SIGKILL)
        process.wait()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Waits until the socket accepts a connection and answers PING.
    func waitForSocket(timeout: Double = 30) throws {
        let answered = try eventually(within: timeout, every: 0.02) { () throws -> Bool? in
            if let client = try? LineClient(path: socketPath), (try? client.ask("PING")) == "PONG class=done" { return true }
            if !process.isRunning {
                throw Failure("dialgated exited with \(process.wait()): \(stderr)")
            }
            return nil
        }
        guard answered != nil else { throw Failure("dialgated did not answer within \(timeout) s: \(stderr)") }
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func client() throws -> LineClient { try LineClient(path: socketPath) }

    /// One request on a fresh connection.
    func ask(_ line: String) throws -> String { try client().ask(line) }

    /// Sends a signal and waits for the process to exit; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        process.send(signal)
        return process.wait()
    }

    /// The audit run id of this process, from STATS.
    func auditRun() throws -> String {
        let stats = try ask("STATS")
        guard let run = Self.field("audit_run", in: stats) else { throw Failure("no audit_run in \(stats)") }
        return run
    }

    /// A field's value in an answer line (values here have no spaces or quotes).
    static func field(_ key: String, in line: String) -> String? {
        for token in line.split(separator: " ") where token.hasPrefix(key + "=") {
            return String(token.dropFirst(key.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    static func setting(_ config: String, key: String, value: String) -> String {
        setting(config, key: key, raw: "\"\(value)\"")
    }

    /// Replaces `key = …` in the configuration text (first occurrence).
    static func setting(_ config: String, key: String, raw: String) -> String {
        var lines = config.components(separatedBy: "\n")
        if let index = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key + " ") || $0.hasPrefix(key + "=") }) {
            lines[index] = "\(key) = \(raw)"
        } else if let daemon = lines.firstIndex(of: "[daemon]") {
            lines.insert("\(key) = \(raw)", at: daemon + 1)
        }
        return lines.joined(separator: "\n")
    }

    static func makeScratchDirectory() throws -> String {
        var template = Array("/tmp/dialgate-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure("mkdtemp failed") }
        return String(cString: made)
    }
}

/// Reads the real journal with journalctl.
enum JournalQuery {
    /// Entries matching `FIELD=value`, as JSON objects, polling until at least `count` arrived
    /// (journald writes asynchronously) or `timeout` passed.
    static func entries(
        matching match: String, atLeast count: Int = 1, timeout: Double = 30,
        where keep: ([String: Any]) -> Bool = { _ in true }
    ) throws -> [[String: Any]] {
        var found: [[String: Any]] = []
        return try eventually(within: timeout) {
            found = try read(match).filter(keep)
            return found.count >= count ? found : nil
        } ?? found
    }

    static func read(_ match: String) throws -> [[String: Any]] {
        let (_, output) = try ChildProcess.run(["/usr/bin/journalctl", "-o", "json", "--no-pager", match])
        return output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }
}


/// Runs blocking test code (sockets, processes, sleeps) on a thread of its own, so that it
/// never holds one of the few threads Swift concurrency shares with the other tests.
///
/// The code stays in the test's own task (a task executor preference moves it, SE-0417), so a
/// failed `#expect` in it is charged to the test that made it: a bare `Thread` would lose the
/// task-locals Swift Testing reads, and the failure would be recorded against no test.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withTaskExecutorPreference(DedicatedThreadExecutor()) {
        try body()
    }
}

/// A task executor that runs its jobs one after another on a serial queue of its own, whose
/// worker thread may block without starving the shared concurrency pool.
private final class DedicatedThreadExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "dialgate.tests.blocking")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
