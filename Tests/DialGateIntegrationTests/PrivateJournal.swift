import DialGateTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A journald of the test's own, in a private mount namespace, that the test may kill and
/// restart: the machine's journald is shared with other tests (and other people's runs) and
/// must never be touched.
///
/// A holder process keeps the namespace, where journald's socket directory and both journal
/// directories are empty tmpfs: a journald started there (through `enter`) listens and writes
/// only there, and a daemon or a `journalctl` started through `enter` talks to it and reads
/// its files. Before starting journald it checks that the namespace is really not this
/// process's and that no socket is there, so a mistake can never start a second journald on
/// the machine's own socket. Needs root.
final class PrivateJournal: @unchecked Sendable {
    private let holder: ChildProcess
    private var journald: ChildProcess?

    /// Whether the machine allows it: root, unshare and nsenter, and a journald of the usual
    /// layout (/run/log for the volatile journal).
    static let isPossible: Bool = {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/nsenter")
            && FileManager.default.isExecutableFile(atPath: journaldPath)
            && FileManager.default.fileExists(atPath: "/run/log")
    }()

    static let journaldPath = "/lib/systemd/systemd-journald"

    /// The command prefix that runs a program in the namespace.
    var enter: [String] { ["/usr/bin/nsenter", "--mount=/proc/\(holder.pid)/ns/mnt", "--"] }

    init() throws {
        let mounts = """
            mount -t tmpfs tmpfs /run/systemd/journal && mount -t tmpfs tmpfs /run/log \
            && { [ ! -d /var/log/journal ] || mount -t tmpfs tmpfs /var/log/journal; } && exec sleep 3600
            """
        holder = try ChildProcess(
            ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", mounts],
            environment: ProcessInfo.processInfo.environment)
        let own = Self.mountNamespace(of: "self")
        // The holder is in the namespace once it runs sleep (unshare and sh exec in place).
        let ready = eventually(within: 10, every: 0.05) {
            holder.isRunning && Self.mountNamespace(of: String(holder.pid)) != own
                && ((try? String(contentsOfFile: "/proc/\(holder.pid)/comm", encoding: .utf8)) ?? "") == "sleep\n"
        }
        guard ready else {
            close()
            throw Failure("the private mount namespace was not made")
        }
    }

    deinit { close() }

    /// Starts journald in the namespace and waits until it answers.
    func startJournald() throws {
        let (status, _) = try ChildProcess.run(enter + ["/bin/sh", "-c", "! test -e /run/systemd/journal/socket && mountpoint -q /run/systemd/journal"])
        guard status == 0, Self.mountNamespace(of: String(holder.pid)) != Self.mountNamespace(of: "self") else {
            throw Failure("refusing to start journald: the namespace's socket directory is not private and empty")
        }
        journald = try ChildProcess(enter + [Self.journaldPath], environment: ProcessInfo.processInfo.environment)
        let answers = try eventually(within: 10, every: 0.05) {
            try ChildProcess.run(enter + ["/usr/bin/systemd-cat", "-t", "dialgate-tests", "true"]).status == 0
        }
        guard answers else { throw Failure("the private journald did not answer") }
    }

    /// Kills journald as a crash would (SIGKILL): what it had not yet read from its socket is
    /// lost. Its socket file stays behind, removed so the next start is checked as the first.
    func killJournald() throws {
        journald?.send(SIGKILL)
        journald?.wait()
        journald = nil
        _ = try ChildProcess.run(enter + ["/bin/rm", "-f", "/run/systemd/journal/socket"])
    }

    /// Stops journald as a wedged one would (SIGSTOP): it reads nothing until `resumeJournald`.
    func pauseJournald() {
        journald?.send(SIGSTOP)
    }

    func resumeJournald() {
        journald?.send(SIGCONT)
    }

    /// Runs a command in the namespace (journalctl, dialgate audit) to its end.
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try ChildProcess.run(enter + arguments)
    }

    func close() {
        journald?.send(SIGCONT)
        journald?.send(SIGTERM)
        journald?.wait()
        journald = nil
        holder.send(SIGKILL)
        holder.wait()
    }

    private static func mountNamespace(of process: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process)/ns/mnt")
    }
}
