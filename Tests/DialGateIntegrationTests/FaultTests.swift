import DialGateTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What the real daemon answers when what lies below it fails: a full disk under the ledger,
/// a journald that stops reading. Never ALLOW.
@Suite("Faults below the gate deny")
struct FaultTests {
    static let check = "CHECK \(TestLists.consenting) campaign=fibre-promo"

    @Test(
        "a full disk under the ledger: the failed write is not recorded, every decision is DENY ledger-unavailable, and the daemon serves again by itself once there is room",
        .enabled(if: getuid() == 0, "needs root to mount a small tmpfs in a mount namespace of the daemon's own"))
    func aFullDiskDeniesUntilThereIsRoom() async throws {
        try await onOwnThread {
            // The state directory is a 256 KiB tmpfs that only the daemon (and nsenter) sees.
            let state = try RunningDaemon.makeScratchDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let daemon = try RunningDaemon(
                configure: { RunningDaemon.setting($0, key: "state", value: state) },
                lists: TestLists.standard, environment: ["DIALGATE_TEST_STATE": state],
                launcher: [
                    "/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                    "mount -t tmpfs -o size=256k tmpfs \"$DIALGATE_TEST_STATE\" && exec \"$0\" \"$@\"",
                ])
            let inside = ["/usr/bin/nsenter", "--mount=/proc/\(daemon.process.pid)/ns/mnt", "--"]
            #expect(try daemon.ask(Self.check).hasPrefix("ALLOW consent "))
            let filled = try ChildProcess.run(
                inside + ["/bin/sh", "-c", "dd if=/dev/zero of=\(state)/filler bs=4096 2>/dev/null; df -k \(state)"])
            #expect(filled.output.contains("100%"), "\(filled.output)")

            // The ledger's last page still has room: append until the disk refuses.
            let filler = "0612000099"
            var recorded = 0
            var refused: String?
            for _ in 0..<1000 {
                let answer = try daemon.ask("ATTEMPT \(filler) campaign=fibre-promo")
                guard answer.hasPrefix("OK ") else {
                    refused = answer
                    break
                }
                recorded += 1
            }
            #expect(refused?.hasPrefix("ERR ledger-unavailable ") == true, "\(refused ?? "every write was recorded")")
            let denied = try daemon.ask(Self.check)
            #expect(denied.hasPrefix("DENY ledger-unavailable "), "\(denied)")
            #expect(denied.contains("No space left on device"))
            #expect(try daemon.ask("PING") == "PONG class=done")

            _ = try ChildProcess.run(inside + ["/bin/rm", "-f", "\(state)/filler"])
            let recovered = try eventually(within: 10) {
                try daemon.ask(Self.check).hasPrefix("ALLOW consent ") ? true : nil
            }
            #expect(recovered == true)
            // The write answered "not recorded" is not in the ledger: exactly the acknowledged ones are.
            let lines = try ChildProcess.run(inside + ["/bin/grep", "-c", "+33612000099", "\(state)/ledger.log"])
            #expect(lines.output.trimmingCharacters(in: .whitespacesAndNewlines) == String(recorded))
            #expect(daemon.stop() == 0)
        }
    }

    @Test(
        "a stalled journald: decisions are denied within the deadline, PING keeps answering, and the daemon answers again when journald does",
        .enabled(if: PrivateJournal.isPossible, "needs root, unshare and nsenter for a journald of the test's own"))
    func aStalledJournalDeniesWithinTheDeadline() async throws {
        try await onOwnThread {
            let journal = try PrivateJournal()
            defer { journal.close() }
            try journal.startJournald()
            let daemon = try RunningDaemon(
                configure: { RunningDaemon.setting(RunningDaemon.consentLiftsTheCap($0), key: "deadline-milliseconds", raw: "300") },
                lists: TestLists.standard,
                launcher: journal.enter)
            // Allowed while journald runs (a first entry on a loaded machine may miss the 300 ms).
            let allowed = try eventually(within: 20) { try daemon.ask(Self.check).hasPrefix("ALLOW consent ") ? true : nil }
            #expect(allowed == true)
            journal.pauseJournald()
            // journald's socket queue takes a few hundred entries; past it, the journal stalls
            // and every decision is denied. (One entry slower than the deadline on a loaded
            // machine is denied too, before the queue is full: so the stall is five in a row.)
            let client = try daemon.client()
            var deniedInARow = 0
            var asked = 0
            while deniedInARow < 5, asked < 5000 {
                let answer = try client.ask(Self.check + " id=\(asked)")
                deniedInARow = answer.hasPrefix("DENY audit-unavailable ") ? deniedInARow + 1 : 0
                asked += 1
            }
            #expect(deniedInARow == 5, "the gate kept answering ALLOW while journald was stopped")
            // Still stopped, and still answered: no decision waits on journald.
            #expect(try daemon.ask("PING") == "PONG class=done")

            journal.resumeJournald()
            let recovered = try eventually(within: 20) {
                try daemon.ask(Self.check).hasPrefix("ALLOW consent ") ? true : nil
            }
            #expect(recovered == true)
            #expect(daemon.stop() == 0)
        }
    }
}
