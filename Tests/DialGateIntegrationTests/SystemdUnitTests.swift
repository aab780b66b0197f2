import DialGateAudit
import DialGateSystemd
import DialGateTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The units of `systemd/`, installed by `scripts/install`, run by a real systemd as PID 1
/// (in namespaces of its own): what ops get from `systemctl`.
@Suite("The units under a real systemd")
struct SystemdUnitTests {
    static let monday = "2026-11-30T10:15:00+01:00"

    /// A sandbox with dialgate installed as ops would, and the example lists in place.
    static func installedMachine() throws -> SystemdSandbox {
        let machine = try SystemdSandbox()
        let binaries = URL(fileURLWithPath: RunningDaemon.binary("dialgated")).deletingLastPathComponent().path
        let install = try machine.shell("scripts/install --binaries \(binaries)")
        guard install.status == 0 else { throw Failure("scripts/install failed (\(install.status)): \(install.output)") }
        let lists = try machine.shell("install -m 0640 -g dialgate-ops examples/lists/* /var/lib/dialgate/lists/")
        guard lists.status == 0 else { throw Failure("copying the example lists failed: \(lists.output)") }
        return machine
    }

    @Test("the socket starts the hardened service at the first query; it answers, reloads, keeps acknowledged opt-outs across a restart, and stops cleanly")
    func socketActivatedServiceLifecycle() async throws {
        try await onOwnThread {
            let machine = try Self.installedMachine()
            defer { machine.shutdown() }
            #expect(try machine.property("ActiveState", of: "dialgate.socket") == "active")
            #expect(try machine.property("ActiveState", of: "dialgate.service") == "inactive")
            // The shells complete the commands the installed binaries take.
            let completion = try machine.shell("grep -c 'audit' /usr/share/bash-completion/completions/dialgate")
            #expect(completion.status == 0)
            #expect(try machine.shell("test -s /usr/share/zsh/vendor-completions/_dialgated").status == 0)
            // And the man pages say the same (scripts/test builds their generator).
            #expect(try machine.shell("test -s /usr/share/man/man1/dialgate.audit.verify.1").status == 0)

            // Socket activation: the first query starts the service, and is answered.
            let allow = try machine.run(["dialgate", "check", "0199000040", "--campaign", "fibre-promo", "--at", Self.monday])
            #expect(allow.status == 0)
            #expect(allow.output.hasPrefix("WOULD-ALLOW consent "))
            #expect(try machine.property("ActiveState", of: "dialgate.service") == "active")
            #expect(try machine.property("StatusText", of: "dialgate.service").hasPrefix("serving 72 numbers"))

            // The sandbox holds: no capabilities, no new privileges, a seccomp filter, its own user.
            let mainPID = try machine.property("MainPID", of: "dialgate.service")
            let status = try machine.run(["cat", "/proc/\(mainPID)/status"]).output
            #expect(status.contains("CapEff:\t0000000000000000"))
            #expect(status.contains("NoNewPrivs:\t1"))
            #expect(status.contains("Seccomp:\t2"))
            #expect(try machine.run(["stat", "-c", "%U", "/proc/\(mainPID)"]).output == "dialgate\n")

            // Dialers outside the dialgate-clients group cannot ask.
            let outsider = try machine.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "dialgate", "ping"])
            #expect(outsider.status == 2)
            #expect(outsider.output.contains("ermission denied"))

            // An acknowledged opt-out is written to the state directory and survives a restart.
            let recorded = try machine.shell("printf 'OPTOUT 0199000040 source=systemd-test\\n' | socat - UNIX-CONNECT:/run/dialgate/dialgate.sock")
            #expect(recorded.output.hasPrefix("OK "))
            #expect(try machine.run(["systemctl", "restart", "dialgate.service"]).status == 0)
            // A live CHECK: the opt-out comes before any rule of days and hours, whatever the time.
            let denied = try machine.run(["dialgate", "check", "0199000040", "--campaign", "fibre-promo"])
            #expect(denied.status == 1)
            #expect(denied.output.hasPrefix("DENY internal-optout "))

            // systemctl reload (ExecReload: RELOAD on the socket) reloads; a bad list is refused,
            // systemctl reload says so, and the old lists serve.
            #expect(try machine.run(["systemctl", "reload", "dialgate.service"]).status == 0)
            #expect(try machine.property("StatusText", of: "dialgate.service").contains("last reload ok"))
            try machine.shell("printf '# dialgate-list kind=consents as-of=2026-11-28\\nnot a number\\n' > /var/lib/dialgate/lists/zz-bad.csv")
            #expect(try machine.run(["systemctl", "reload", "dialgate.service"]).status != 0)
            let refused = try eventually(within: 10) {
                try machine.property("StatusText", of: "dialgate.service").contains("FAILED")
            }
            #expect(refused)
            let stillServing = try machine.run(["dialgate", "check", "0199000040", "--campaign", "fibre-promo"])
            #expect(stillServing.output.hasPrefix("DENY internal-optout "))

            // systemctl stop: SIGTERM, a clean exit, and an audit trail verified whole.
            #expect(try machine.run(["systemctl", "stop", "dialgate.service"]).status == 0)
            #expect(try machine.property("Result", of: "dialgate.service") == "success")
            #expect(try machine.property("ExecMainStatus", of: "dialgate.service") == "0")
            let verify = try machine.run(["dialgate", "audit", "verify"])
            #expect(verify.status == 0)
            // Run 1: the plan and the opt-out's ledger event; run 2: two checks.
            #expect(verify.output.hasSuffix("runs=2 entries=4 missing=0 result=complete\n"))
            #expect(!verify.output.contains("head=unchecked"))
            #expect(!verify.output.contains("tail=unchecked"))
        }
    }

    @Test("under the shipped unit the daemon sees a dialer's real uid: it may ask and report, and its forged CONSENT is refused and journaled")
    func rolesFollowTheRealPeer() async throws {
        try await onOwnThread {
            let machine = try Self.installedMachine()
            defer { machine.shutdown() }
            let added = try machine.shell("useradd --no-create-home --gid dialgate-clients dialer && id -u dialer")
            #expect(added.status == 0, "\(added.output)")
            let uid = added.output.trimmingCharacters(in: .whitespacesAndNewlines)
            func asDialer(_ request: String) throws -> String {
                try machine.shell(
                    "printf '\(request)\\n' | setpriv --reuid=dialer --regid=dialgate-clients --init-groups "
                        + "socat -t 10 - UNIX-CONNECT:/run/dialgate/dialgate.sock"
                ).output
            }
            #expect(try asDialer("CHECK 0199000030 campaign=fibre-promo id=d1").hasPrefix("DENY no-consent id=d1 "))
            #expect(try asDialer("ATTEMPT 0199000031 campaign=fibre-promo").hasPrefix("OK attempt "))
            let forged = try asDialer("CONSENT 0199000030 proof=forged kind=prospecting")
            #expect(forged.hasPrefix("ERR forbidden "), "\(forged)")
            #expect(try asDialer("CHECK 0199000030 campaign=fibre-promo").hasPrefix("DENY no-consent "))

            let decision = try machine.run([
                "journalctl", "--no-pager", "-o", "json", "DIALGATE_REQUEST_ID=d1", "MESSAGE_ID=\(AuditMessageID.decision)",
            ]).output
            #expect(decision.contains("\"DIALGATE_PEER_UID\":\"\(uid)\""), "\(decision)")
            let refused = try machine.run([
                "journalctl", "--no-pager", "-o", "json", "MESSAGE_ID=\(AuditMessageID.forbidden)",
            ]).output
            #expect(refused.contains("\"DIALGATE_PEER_UID\":\"\(uid)\""), "\(refused)")
            #expect(refused.contains("\"DIALGATE_ROLE\":\"consent\""))
        }
    }

    @Test("the watchdog: a daemon that pings lives past its WatchdogSec, one whose event loops stop is restarted")
    func watchdogRestartsAStoppedDaemon() async throws {
        try await onOwnThread {
            let machine = try Self.installedMachine()
            defer { machine.shutdown() }
            // A short watchdog for the test, as an ops drop-in would set one.
            try machine.shell("""
                mkdir -p /etc/systemd/system/dialgate.service.d && \
                printf '[Service]\\nWatchdogSec=2s\\nTimeoutAbortSec=1s\\n' > /etc/systemd/system/dialgate.service.d/watchdog.conf && \
                systemctl daemon-reload && systemctl start dialgate.service
                """)
            let firstPID = try machine.property("MainPID", of: "dialgate.service")
            #expect(firstPID != "0")
            usleep(5_000_000)  // 2.5 watchdog periods
            #expect(try machine.property("NRestarts", of: "dialgate.service") == "0")
            #expect(try machine.property("MainPID", of: "dialgate.service") == firstPID)

            // A wedged process (every thread stopped) misses its pings and is replaced.
            try machine.run(["kill", "-STOP", firstPID])
            let replaced = try eventually(within: 20) {
                let pid = try machine.property("MainPID", of: "dialgate.service")
                let state = try machine.property("ActiveState", of: "dialgate.service")
                return pid != firstPID && pid != "0" && state == "active"
            }
            #expect(replaced)
            #expect(try machine.property("NRestarts", of: "dialgate.service") == "1")
            let log = try machine.run(["journalctl", "-u", "dialgate.service", "--no-pager", "-o", "cat"]).output
            #expect(log.contains("Watchdog timeout"))
            #expect(try machine.run(["dialgate", "ping"]).output == "PONG class=done\n")
        }
    }
}
