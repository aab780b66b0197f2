import DialGateSystemd
import Foundation
import Testing

/// When no journald listens, `Journal.send` fails, so the daemon can DENY `audit-unavailable`.
///
/// libsystemd's sd_journal_sendv returns success (and restores errno) and drops the entry when
/// journald's socket does not exist; `Journal.send` must tell that apart. The shared journald
/// cannot be stopped for one test, so the test runs a child of this test binary inside a
/// private mount namespace where /run/systemd/journal is an empty directory: there, and only
/// there, journald is absent.
@Suite("Journal unavailable")
struct JournalUnavailableTests {
    /// Whether this machine lets the tests make a private mount namespace (root, or
    /// CAP_SYS_ADMIN; a default Docker container does not).
    private static let canHideJournald: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return false }
        return (try? TestSupport.run("/usr/bin/unshare", ["--mount", "/bin/true"]).status) == 0
    }()

    @Test(
        "with no journald listening, sending an entry fails with ENOENT rather than losing it silently",
        .enabled(if: canHideJournald, "needs a private mount namespace: run as root")
    )
    func sendWithoutJournald() throws {
        try TestSupport.requireJournald()
        try TestSupport.runChild(
            suite: "JournalUnavailableTests", name: "childSendsWithoutJournald",
            launcher: ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                       #"mount -t tmpfs tmpfs /run/systemd/journal && exec "$@""#, "sh"]
        )
    }

    @Test(
        "(child run) Journal.send and Journal.confirmSocket throw ENOENT where journald's socket is absent",
        .enabled(if: TestSupport.isChild(for: "childSendsWithoutJournald"), "runs only as a child of sendWithoutJournald")
    )
    func childSendsWithoutJournald() throws {
        try #require(!FileManager.default.fileExists(atPath: TestSupport.journalSocket))
        let entry: JournalEntry = ["MESSAGE": "must not be lost silently", "DIALGATE_VERDICT": "ALLOW"]
        #expect(throws: SystemdError.failed(function: "sd_journal_sendv", errno: ENOENT)) {
            try Journal.send(entry)
        }
        // The audit writer's way: the send itself says nothing, the look after it does.
        let encoded = try EncodedJournalEntry(entry)
        try Journal.sendUnconfirmed(encoded)
        #expect(throws: SystemdError.failed(function: "sd_journal_sendv", errno: ENOENT)) {
            try Journal.confirmSocket()
        }
    }
}
