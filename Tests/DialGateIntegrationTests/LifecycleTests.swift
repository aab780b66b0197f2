import DialGateClient
import DialGateTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("systemd lifecycle")
struct LifecycleTests {
    @Test("the notify protocol: READY with a STATUS, RELOADING with MONOTONIC_USEC then READY on SIGHUP, WATCHDOG pings, STOPPING on SIGTERM")
    func notifyProtocol() async throws {
        try await onOwnThread {
            let scratch = try RunningDaemon.makeScratchDirectory()
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let notify = try NotifyListener(directory: scratch)
            let daemon = try RunningDaemon(
                lists: TestLists.standard, environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"])
            try notify.waitFor { $0.contains("READY=1") }
            let status = try notify.waitFor { $0.hasPrefix("STATUS=") }
            #expect(status.contains("numbers"))
            try notify.waitFor { $0.contains("WATCHDOG=1") }

            daemon.process.send(SIGHUP)
            let reloading = try notify.waitFor { $0.contains("RELOADING=1") }
            let monotonic = reloading.split(separator: "\n").first { $0.hasPrefix("MONOTONIC_USEC=") }
            #expect(monotonic.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) } != nil)
            let readyAgain = notify.messages.filter { $0.contains("READY=1") }.count
            try notify.waitFor { $0.contains("READY=1") && notify.messages.filter { $0.contains("READY=1") }.count > readyAgain }

            #expect(daemon.stop() == 0)
            try notify.waitFor { $0.contains("STOPPING=1") }
        }
    }

    @Test("SIGTERM with requests in flight: every request sent is answered, then the daemon exits 0")
    func sigtermAnswersWhatIsInFlight() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let connection = try daemon.client()
            let count = 2000
            var batch = ""
            for i in 0..<count { batch += "CHECK \(TestLists.unknown) campaign=fibre-promo at=\(TestLists.monday) id=\(i)\n" }
            try connection.send(batch)
            daemon.process.send(SIGTERM)
            var answered = 0
            defer { if answered != count { print("daemon log:\n\(daemon.stderr)") } }
            while let line = try connection.readLine() {
                #expect(line.hasPrefix("DENY no-consent id=\(answered) "))
                answered += 1
            }
            #expect(answered == count)
            #expect(daemon.process.wait() == 0)
        }
    }

    @Test("socket activation: started by systemd-socket-activate, the daemon serves the inherited socket")
    func socketActivation() async throws {
        try await onOwnThread {
            let probe = try RunningDaemon.makeScratchDirectory()
            let activated = probe + "/activated.sock"
            defer { try? FileManager.default.removeItem(atPath: probe) }
            let daemon = try RunningDaemon(
                lists: TestLists.standard, launcher: ["/usr/bin/systemd-socket-activate", "-l", activated],
                waitForSocket: false)
            let answer = eventually(within: 30, every: 0.05) { try? LineClient(path: activated).ask("PING") }
            #expect(answer == "PONG class=done")
            // It did not bind its configured path: the socket came from systemd.
            #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
            daemon.stop()
        }
    }

    @Test("a stale socket file left by a crash is replaced; a live daemon on the same path is not")
    func staleSocketIsReplacedLiveOneIsNot() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            #expect(daemon.stop(signal: SIGKILL) != 0)
            #expect(FileManager.default.fileExists(atPath: daemon.socketPath))
            try daemon.start()
            try daemon.waitForSocket()

            let second = try ChildProcess.run([RunningDaemon.binary("dialgated"), "--config", daemon.configPath])
            #expect(second.status != 0)
            #expect(try daemon.ask("PING") == "PONG class=done")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("the daemon's own threads carry their names, for top -H, perf and gdb: the audit writer, its deadlines, the ledger writer")
    func threadsAreNamed() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            #expect(try daemon.client().ask("PING").hasPrefix("PONG"))
            let tasks = "/proc/\(daemon.process.pid)/task"
            let names = try FileManager.default.contentsOfDirectory(atPath: tasks).compactMap {
                try? String(contentsOfFile: "\(tasks)/\($0)/comm", encoding: .utf8).trimmingCharacters(in: .newlines)
            }
            for name in ["dialgate-audit", "audit-deadlines", "dialgate-ledger"] {
                #expect(names.contains(name), "\(names)")
            }
            #expect(daemon.stop() == 0)
        }
    }

    @Test("an acknowledged OPTOUT survives kill -9 (GDPR art. 21: the ledger fsyncs before OK)")
    func acknowledgedOptOutSurvivesKill9() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let connection = try daemon.client()
            var acknowledged: [String] = []
            for i in 0..<50 {
                let number = "+3364444" + String(format: "%04d", i)
                let answer = try connection.ask("OPTOUT \(number) source=call-centre")
                #expect(answer.hasPrefix("OK "))
                acknowledged.append(number)
            }
            #expect(daemon.stop(signal: SIGKILL) != 0)
            try daemon.start()
            try daemon.waitForSocket()
            let after = try daemon.client()
            for number in acknowledged {
                #expect(try after.ask("CHECK \(number) campaign=fibre-promo at=\(TestLists.monday)").hasPrefix("DENY internal-optout "))
            }
            daemon.stop()
        }
    }

    @Test(
        "when the journal cannot take the entry, the answer is DENY audit-unavailable, never ALLOW",
        .enabled(if: getuid() == 0, "needs root to hide journald in a mount namespace of the daemon's own"))
    func journalDownDeniesEveryCall() async throws {
        try await onOwnThread {
            // The daemon runs in a mount namespace where /run/systemd/journal is an empty
            // tmpfs: journald is out of its reach, as when it is stopped.
            let hideJournal = "mount -t tmpfs tmpfs /run/systemd/journal && exec \"$0\" \"$@\""
            let daemon = try RunningDaemon(
                lists: TestLists.standard,
                launcher: ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", hideJournal])
            let answer = try daemon.ask("CHECK \(TestLists.consenting) campaign=fibre-promo at=\(TestLists.monday)")
            #expect(answer.hasPrefix("DENY audit-unavailable "))
            #expect(daemon.stop() == 0)
        }
    }

    @Test("dialgated --check-config names the line of a bad key and exits 78")
    func checkConfigNamesTheLine() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            daemon.stop()
            let bad = daemon.directory + "/bad.toml"
            try "[daemon]\nsocket = \"/tmp/x.sock\"\nidle-timeout-seconds = \"soon\"\n".write(toFile: bad, atomically: true, encoding: .utf8)
            let (status, output) = try ChildProcess.run([RunningDaemon.binary("dialgated"), "--config", bad, "--check-config"])
            #expect(status == 78)
            #expect(output.contains("idle-timeout-seconds"))
            #expect(output.contains("3"))
        }
    }

    @Test("dialgated --check-config fails, naming each, on a missing list directory, an unknown socket group or grant, a bad audit key")
    func checkConfigChecksWhatTheDaemonNeeds() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            daemon.stop()
            let good = try ChildProcess.run([RunningDaemon.binary("dialgated"), "--config", daemon.configPath, "--check-config"])
            #expect(good.status == 0)
            #expect(good.output.contains("ok: lists in "))
            #expect(good.output.hasSuffix("OK, 6 campaigns\n") || good.output.contains(": OK, "))

            var config = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
            config = RunningDaemon.setting(config, key: "lists", value: daemon.directory + "/no-such-lists")
            config = config.replacingOccurrences(of: "\n[daemon]\n", with: "\n[daemon]\nsocket-group = \"no-such-group\"\n")
            config = config.replacingOccurrences(of: "consent = []", with: "consent = [\"user:no-such-user\"]")
            let bad = daemon.directory + "/bad.toml"
            try config.write(toFile: bad, atomically: true, encoding: .utf8)
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: daemon.statePath + "/audit.key"))
            let (status, output) = try ChildProcess.run([RunningDaemon.binary("dialgated"), "--config", bad, "--check-config"])
            #expect(status == 78)
            #expect(output.contains("problem: list directory \(daemon.directory)/no-such-lists does not exist"))
            #expect(output.contains("problem: socket-group 'no-such-group'"))
            #expect(output.contains("problem: [access]"))
            #expect(output.contains("problem: audit key"))
            #expect(output.contains("NOT OK"))
        }
    }
}
