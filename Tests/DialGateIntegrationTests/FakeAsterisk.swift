import DialGateTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Asterisk's side of AGI, for the tests (Asterisk is not packaged for Debian 12): one
/// channel that starts the real `dialgate-agi` with its standard input and output connected to
/// us, as res_agi does, writes the `agi_*` environment, and answers its commands as res_agi
/// does (`200 result=1`, `200 result=1 (value)`, `200 result=0`, `510 …`). The channel's
/// variables persist across runs, as when one channel runs the check, Dial() and the report.
///
/// The AGI arguments are passed twice, as Asterisk does: on the command line and as
/// `agi_arg_N`.
final class FakeAsterisk {
    /// One command the program sent, and what res_agi would answer it; a test's `reply` may
    /// answer otherwise.
    struct Command {
        var index: Int
        var line: String
        var answer: String
        var pid: pid_t
    }

    /// What one run of the program did.
    struct Run {
        var status: Int32
        var commands: [String]
        /// From the end of the environment to the program closing its output.
        var seconds: Double

        /// The lines it logged with VERBOSE.
        var verbose: [String] { commands.filter { $0.hasPrefix("VERBOSE ") } }

        /// The milliseconds the program says its gate exchange took (`… after N ms` or `… in N ms`).
        var reportedMilliseconds: Int? {
            for line in verbose {
                if let match = line.firstMatch(of: /(?:after|in) ([0-9]+) ms/) { return Int(match.1) }
            }
            return nil
        }
    }

    var variables: [String: String] = [:]
    let exten: String
    let uniqueid: String

    init(exten: String, uniqueid: String) {
        self.exten = exten
        self.uniqueid = uniqueid
    }

    /// Runs `dialgate-agi` with `arguments` to its end. `reply` gives the lines to write back
    /// for a command (default: res_agi's answer; `[]`: say nothing). Throws when the program
    /// does not finish within `timeout` seconds (it is then killed).
    func run(
        _ arguments: [String], timeout: Double = 20, reply: (Command) -> [String] = { [$0.answer] }
    ) throws -> Run {
        let input = try Self.pair()
        let output = try Self.pair()
        let pid: pid_t
        do {
            pid = try Self.spawn([RunningDaemon.binary("dialgate-agi")] + arguments, stdin: input.child, stdout: output.child)
        } catch {
            for fd in [input.parent, input.child, output.parent, output.child] { close(fd) }
            throw error
        }
        close(input.child)
        close(output.child)
        defer {
            close(input.parent)
            close(output.parent)
        }
        var environment = [
            "agi_request: dialgate-agi", "agi_channel: Local/\(exten)@dialgate-out-00000001;2", "agi_language: fr",
            "agi_type: Local", "agi_uniqueid: \(uniqueid)", "agi_version: 20.5.0", "agi_callerid: 0170000000",
            "agi_calleridname: unknown", "agi_context: dialgate-out", "agi_extension: \(exten)", "agi_priority: 2",
            "agi_enhanced: 0.0", "agi_accountcode: ", "agi_threadid: 140245",
        ]
        for (n, argument) in arguments.enumerated() { environment.append("agi_arg_\(n + 1): \(argument)") }
        Self.write(environment.joined(separator: "\n") + "\n\n", to: input.parent)
        let started = Date()
        let deadline = started.addingTimeInterval(timeout)
        var reader = PolledLines(fd: output.parent)
        var commands: [String] = []
        while true {
            guard let line = reader.next(until: deadline) else {
                if Date() >= deadline {
                    kill(pid, SIGKILL)
                    _ = Self.reap(pid, until: Date().addingTimeInterval(10))
                    throw Failure("dialgate-agi did not finish within \(timeout) s; it sent: \(commands)")
                }
                break
            }
            let command = Command(index: commands.count, line: line, answer: answer(line), pid: pid)
            commands.append(line)
            for answer in reply(command) { Self.write(answer + "\n", to: input.parent) }
        }
        let seconds = Date().timeIntervalSince(started)
        guard let status = Self.reap(pid, until: Date().addingTimeInterval(timeout)) else {
            kill(pid, SIGKILL)
            _ = Self.reap(pid, until: Date().addingTimeInterval(10))
            throw Failure("dialgate-agi closed its output but did not exit")
        }
        return Run(status: status, commands: commands, seconds: seconds)
    }

    /// What res_agi answers, keeping the variables SET VARIABLE writes.
    private func answer(_ line: String) -> String {
        let words = Self.agiArguments(line)
        switch (words.first?.uppercased(), words.count > 1 ? words[1].uppercased() : nil) {
        case ("SET", "VARIABLE") where words.count >= 4:
            variables[words[2]] = words[3]
            return "200 result=1"
        case ("GET", "VARIABLE") where words.count >= 3:
            guard let value = variables[words[2]] else { return "200 result=0" }
            return "200 result=1 (\(value))"
        case ("VERBOSE", _):
            return "200 result=1"
        default:
            return "510 Invalid or unknown command"
        }
    }

    /// A command line's words as res_agi's parse_args reads them: blanks separate, double
    /// quotes group, a backslash makes the next character literal.
    static func agiArguments(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quoted = false
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                inWord = true
                continue
            }
            switch character {
            case "\\": escaped = true
            case "\"":
                quoted.toggle()
                inWord = true
            case " ", "\t":
                if quoted {
                    current.append(character)
                } else {
                    if inWord { words.append(current) }
                    current = ""
                    inWord = false
                }
            default:
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    private static func pair() throws -> (parent: Int32, child: Int32) {
        var fds: [Int32] = [0, 0]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { throw Failure("socketpair failed: errno \(errno)") }
        return (fds[0], fds[1])
    }

    /// posix_spawn with `stdin` and `stdout` as the child's 0 and 1, standard error discarded,
    /// and an empty signal mask and default handlers (see ChildProcess).
    private static func spawn(_ arguments: [String], stdin: Int32, stdout: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
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
        let argv = arguments.map { strdup($0) } + [nil]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "LD_PRELOAD")
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard result == 0 else { throw Failure("cannot start \(arguments[0]): \(String(cString: strerror(result)))") }
        return pid
    }

    /// The exit code (or 128 + signal) once the child ended, nil if it has not by `deadline`.
    private static func reap(_ pid: pid_t, until deadline: Date) -> Int32? {
        while true {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal
            }
            if reaped < 0, errno != EINTR { return -1 }
            guard Date() < deadline else { return nil }
            usleep(2_000)
        }
    }

    /// Writes all of `text`, or what the program still reads of it (it may have ended).
    private static func write(_ text: String, to fd: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }
}

/// Lines from a descriptor, waiting for each at most until a deadline.
private struct PolledLines {
    let fd: Int32
    var buffer: [UInt8] = []

    /// The next line without its LF; nil at end of file, on an error, or at the deadline.
    mutating func next(until deadline: Date) -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            guard left > 0 else { return nil }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, left)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            buffer += chunk[0..<n]
        }
    }
}
