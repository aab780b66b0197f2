import DialGateTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real systemd, PID 1 of its own namespaces over a throwaway overlay of this machine
/// (`scripts/systemd-sandbox`), for running the units as ops would. Needs root.
final class SystemdSandbox: @unchecked Sendable {
    /// The host pid of the sandbox's systemd.
    let pid: pid_t

    /// Boots one and waits until it has reached basic.target.
    init() throws {
        let (status, output) = try ChildProcess.run([RunningDaemon.packageRoot + "/scripts/systemd-sandbox"])
        guard status == 0, let pid = pid_t(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure("scripts/systemd-sandbox failed (\(status)): \(output)")
        }
        self.pid = pid
        // systemctl fails at once, rather than waits, until systemd has made its socket.
        let listening = try eventually(within: 30) { try run(["test", "-S", "/run/systemd/private"]).status == 0 }
        guard listening else {
            shutdown()
            throw Failure("the sandbox's systemd made no /run/systemd/private within 30 s")
        }
        // "running", or "degraded" when some unit of this machine's own does not start in a
        // container; either way the boot is over. Exit status 1 for degraded.
        let state = try run(["timeout", "60", "systemctl", "is-system-running", "--wait"]).output
        guard state.hasPrefix("running") || state.hasPrefix("degraded") else {
            shutdown()
            throw Failure("the sandbox's systemd did not boot: \(state)")
        }
    }

    deinit { shutdown() }

    /// Runs a command inside (its mounts, pids and root), as root; returns status and output.
    @discardableResult
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try ChildProcess.run(["/usr/bin/nsenter", "-t", String(pid), "-m", "-p", "-r", "-w", "--"] + arguments)
    }

    /// Runs a shell command line inside, from the package root.
    @discardableResult
    func shell(_ command: String) throws -> (status: Int32, output: String) {
        try run(["/bin/bash", "-c", "cd \(RunningDaemon.packageRoot) && \(command)"])
    }

    /// One property of a unit (`systemctl show -p NAME --value`).
    func property(_ name: String, of unit: String) throws -> String {
        try run(["systemctl", "show", unit, "-p", name, "--value"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Kills the sandbox's systemd, and with it every process of its namespaces; its overlay
    /// and mounts go with the last of them. Idempotent.
    func shutdown() {
        guard kill(pid, SIGKILL) == 0 else { return }
        for _ in 0..<100 where kill(pid, 0) == 0 { usleep(50_000) }
    }
}
