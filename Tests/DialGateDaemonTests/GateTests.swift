import DialGateAudit
import DialGateCore
import DialGateLedger
import DialGateProtocol
import DialGateServer
import DialGateSystemd
import DialGateConfig
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import DialGateDaemon

/// An audit sink that takes entries like the journal does, or refuses them, or stalls like a
/// stopped journald, on demand: what the gate must answer when the journal fails.
final class ControllableAuditSink: AuditSink {
    enum Mode: Sendable {
        case accept
        case refuse
        /// Blocks every send until `release()`.
        case stall
        /// Takes every send and drops it, as libsystemd does when journald's socket is gone;
        /// only `confirmDelivered` tells.
        case dropSilently
    }

    private let state = Mutex<(mode: Mode, entries: [EncodedJournalEntry], stalling: Int)>((.accept, [], 0))
    private let stalled = DispatchSemaphore(value: 0)

    func set(_ mode: Mode) { state.withLock { $0.mode = mode } }

    /// Lets every stalled send through and accepts from then on.
    func release() {
        state.withLock { $0.mode = .accept }
        for _ in 0..<16 { stalled.signal() }
    }

    var entries: [EncodedJournalEntry] { state.withLock { $0.entries } }

    /// How many sends are held inside the sink by a stall right now.
    var stalling: Int { state.withLock { $0.stalling } }

    func entries(withMessageID id: String) -> [EncodedJournalEntry] {
        entries.filter { $0.value(of: "MESSAGE_ID") == id }
    }

    func send(_ entry: EncodedJournalEntry) throws {
        switch state.withLock({ $0.mode }) {
        case .accept: break
        case .refuse: throw SystemdError.failed(function: "sd_journal_sendv", errno: ECONNREFUSED)
        case .stall:
            state.withLock { $0.stalling += 1 }
            stalled.wait()
            state.withLock { $0.stalling -= 1 }
        case .dropSilently: return
        }
        state.withLock { $0.entries.append(entry) }
    }

    func confirmDelivered() throws {
        if state.withLock({ $0.mode }) == .dropSilently {
            throw SystemdError.failed(function: "sd_journal_sendv", errno: ENOENT)
        }
    }
}

/// The gate in-process, on the bundled example configuration and lists, with a real ledger in a
/// scratch directory (its writes and syncs failing on demand) and a controllable audit sink.
final class GateFixture: Sendable {
    static let monday = ISOInstant.parse("2026-11-30T10:15:00+01:00")!
    static let dialer = PeerCredentials(pid: 4242, uid: 1000, gid: 1000)
    static let root = PeerCredentials(pid: 1, uid: 0, gid: 0)
    /// Consents with scope `*` in the example lists.
    static let consenting = "0199000040"

    let scratch = ScratchDirectory()
    let faults = LedgerFaults()
    let sink = ControllableAuditSink()
    let ledger: Ledger
    let audit: AuditTrail
    let gate: Gate
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// The gate's clock: Monday 10:15 in Paris until a test moves it.
    private final class Instant: Sendable {
        let value = Mutex(GateFixture.monday)
    }
    private let instant = Instant()

    init(access: AccessSettings = AccessSettings(), auditDeadline: Duration = .milliseconds(500)) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        var configuration = try Configuration.load(path: root + "/examples/dialgate.toml")
        configuration.access = access
        let loader = ListDirectoryLoader(directory: root + "/examples/lists", maxShrink: 0.5, maxBadLineShare: 0.01)
        guard case .success(let load) = loader.load(previous: nil, now: Self.monday) else {
            throw Failure("the example lists do not load")
        }
        let store = StateStore(
            ServingState(
                configuration: configuration, lists: load.snapshot, listsProblem: nil,
                access: try AccessControl(resolving: access)))
        ledger = try Ledger(
            directory: scratch.path, options: LedgerOptions(faults: faults, retryInterval: .milliseconds(20)))
        audit = AuditTrail(
            pseudonymizer: Pseudonymizer(key: .init(size: .bits256)), mode: .clear, sink: sink, deadline: auditDeadline)
        let instant = self.instant
        gate = Gate(
            store: store, ledger: ledger, audit: audit, statistics: Statistics(), reloader: nil,
            clock: { instant.value.withLock { $0 } })
    }

    /// Moves the gate's clock on.
    func advance(by seconds: TimeInterval) {
        instant.value.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    deinit {
        ledger.close()
        audit.close()
        try? group.syncShutdownGracefully()
    }

    /// Sends one request line as `peer` and waits for its answer line (without blocking a
    /// thread: the gate's writes complete on Swift concurrency's pool).
    func ask(_ line: String, as peer: PeerCredentials? = GateFixture.root) async throws -> String {
        let request: Request
        do {
            request = try Request(parsing: Substring(line))
        } catch {
            return Response.error(error).line
        }
        switch gate.respond(to: request, from: peer, on: group.next()) {
        case .now(let response): return response.line
        case .later(let future), .inTurn(let future), .write(let future): return try await future.get().line
        }
    }
}

/// A fresh directory on the real file system (so fsync is real), removed afterwards.
final class ScratchDirectory: Sendable {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("dialgate-daemon-tests-\(UUID().uuidString)").path

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite("Who may write: roles by peer credentials")
struct GateAccessTests {
    @Test("a dialer that may ask cannot write a consent: ERR forbidden, nothing recorded, the refusal journaled")
    func aDialerCannotWriteAConsent() async throws {
        let fixture = try GateFixture()
        let number = "0199000030"  // no consent in the lists
        #expect(try await fixture.ask("CHECK \(number) campaign=fibre-promo", as: GateFixture.dialer).hasPrefix("DENY no-consent "))
        let answer = try await fixture.ask("CONSENT \(number) proof=forged kind=prospecting", as: GateFixture.dialer)
        #expect(answer.hasPrefix("ERR forbidden "))
        #expect(answer.contains("consent role"))
        let callback = try await fixture.ask("CONSENT 0199000001 proof=forged kind=callback", as: GateFixture.dialer)
        #expect(callback.hasPrefix("ERR forbidden "))
        #expect(fixture.ledger.stats.appends == 0)
        #expect(try await fixture.ask("CHECK \(number) campaign=fibre-promo", as: GateFixture.dialer).hasPrefix("DENY no-consent "))
        let refusals = fixture.sink.entries(withMessageID: AuditMessageID.forbidden)
        #expect(refusals.count == 2)
        #expect(refusals.first?.value(of: AuditField.peerUID) == "1000")
        #expect(refusals.first?.value(of: AuditField.role) == "consent")
        #expect(refusals.first?.value(of: AuditField.seq) != nil)
    }

    @Test("by default whoever can connect may query and report; consent and admin need a grant; root holds every role")
    func defaultRoles() async throws {
        let fixture = try GateFixture()
        let dialer = GateFixture.dialer
        #expect(try await fixture.ask("ATTEMPT 0199000030 campaign=fibre-promo", as: dialer).hasPrefix("OK attempt "))
        #expect(try await fixture.ask("OPTOUT 0199000031", as: dialer).hasPrefix("OK optout "))
        #expect(try await fixture.ask("REVOKE 0199000040", as: dialer).hasPrefix("ERR forbidden "))
        #expect(try await fixture.ask("STATS", as: dialer).hasPrefix("ERR forbidden "))
        #expect(try await fixture.ask("RELOAD", as: dialer).hasPrefix("ERR forbidden "))
        #expect(try await fixture.ask("PING", as: dialer) == "PONG class=done\n")
        #expect(try await fixture.ask("STATS", as: GateFixture.root).hasPrefix("STATS "))
        #expect(try await fixture.ask("CHECK 0199000040 campaign=fibre-promo", as: nil).hasPrefix("ERR forbidden "))
    }

    @Test("a role granted to a uid or a group lets that peer write, and only that peer")
    func grantedRoles() async throws {
        let fixture = try GateFixture(
            access: AccessSettings(grants: [.query: [.anyone], .report: [.anyone], .consent: [.uid(1000)], .admin: [.gid(50)]]))
        #expect(
            try await fixture.ask("CONSENT 0199000030 proof=\"web form\"", as: GateFixture.dialer).hasPrefix("OK consent "))
        #expect(
            try await fixture.ask("CONSENT 0199000030 proof=x", as: PeerCredentials(pid: 1, uid: 1001, gid: 1001))
                .hasPrefix("ERR forbidden "))
        #expect(try await fixture.ask("STATS", as: PeerCredentials(pid: 1, uid: 1001, gid: 50)).hasPrefix("STATS "))
    }

    @Test("an [access] grant naming a user or group that does not exist is an error, not a silent nobody")
    func unknownPrincipalsAreErrors() {
        #expect(throws: AccessError.self) {
            try AccessControl(resolving: AccessSettings(grants: [.consent: [.user("no-such-user-dialgate")]]))
        }
        #expect(throws: AccessError.self) {
            try AccessControl(resolving: AccessSettings(grants: [.admin: [.group("no-such-group-dialgate")]]))
        }
        #expect((try? AccessControl(resolving: AccessSettings(grants: [.admin: [.user("root"), .group("root")]]))) != nil)
    }
}

@Suite("A ledger that cannot record denies")
struct GateLedgerFaultTests {
    @Test("after a failed write every decision is DENY ledger-unavailable, and serving resumes once the disk takes writes")
    func aFullDiskDeniesUntilItRecordsAgain() async throws {
        let fixture = try GateFixture()
        let check = "CHECK \(GateFixture.consenting) campaign=fibre-promo"
        // A PLAN counts the attempts without taking a place under the cap, as a CHECK does.
        let plan = "PLAN \(GateFixture.consenting) campaign=fibre-promo"
        #expect(try await fixture.ask(plan).hasPrefix("WOULD-ALLOW consent "))
        fixture.faults.fail(.write, errno: ENOSPC)
        #expect(try await fixture.ask("ATTEMPT \(GateFixture.consenting) campaign=fibre-promo").hasPrefix("ERR ledger-unavailable "))
        let denied = try await fixture.ask(check)
        #expect(denied.hasPrefix("DENY ledger-unavailable "))
        #expect(denied.contains("No space left on device"))
        // Still failing: the retries keep it denied.
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await fixture.ask(check).hasPrefix("DENY ledger-unavailable "))
        fixture.faults.heal()
        let recovered = try await eventually { try await fixture.ask(plan).hasPrefix("WOULD-ALLOW consent ") ? true : nil }
        #expect(recovered == true)
        #expect(try await fixture.ask(plan).contains(" attempts_30d=0"))
        #expect(try await fixture.ask("ATTEMPT \(GateFixture.consenting) campaign=fibre-promo").hasPrefix("OK "))
        #expect(try await fixture.ask(plan).contains(" attempts_30d=1"))
        #expect(try await fixture.ask(check).hasPrefix("ALLOW consent "))
    }

    @Test("after one failed fdatasync the ledger denies, then recovers by itself without a restart")
    func aFailedSyncDeniesThenRecovers() async throws {
        let fixture = try GateFixture()
        let plan = "PLAN \(GateFixture.consenting) campaign=fibre-promo"
        fixture.faults.fail(.sync, errno: EIO, times: 1)
        #expect(try await fixture.ask("ATTEMPT \(GateFixture.consenting) campaign=fibre-promo").hasPrefix("ERR ledger-unavailable "))
        let recovered = try await eventually { try await fixture.ask(plan).hasPrefix("WOULD-ALLOW consent ") ? true : nil }
        #expect(recovered == true)
        // The attempt answered "not recorded" was cut away, not counted later.
        #expect(try await fixture.ask(plan).contains(" attempts_30d=0"))
        #expect(fixture.ledger.failure == nil)
    }

    @Test("an OPTOUT answered not recorded is never applied later, not even after a reopen")
    func anOptOutNotRecordedIsNeverApplied() async throws {
        let fixture = try GateFixture()
        let number = try PhoneNumber(parsing: GateFixture.consenting)
        fixture.faults.fail(.sync, errno: EIO, times: 1)
        #expect(try await fixture.ask("OPTOUT \(GateFixture.consenting)").hasPrefix("ERR ledger-unavailable "))
        _ = try await eventually { fixture.ledger.failure == nil ? true : nil }
        #expect(fixture.ledger.facts(for: number).internalOptOut == nil)
        fixture.ledger.close()
        let reopened = try Ledger(directory: fixture.scratch.path)
        defer { reopened.close() }
        #expect(reopened.facts(for: number).internalOptOut == nil)
    }
}

@Suite("A journal that refuses or stalls")
struct GateAuditFaultTests {
    @Test("when the journal refuses the entry the answer is DENY audit-unavailable, never ALLOW")
    func aRefusingJournalDenies() async throws {
        let fixture = try GateFixture()
        fixture.sink.set(.refuse)
        #expect(try await fixture.ask("CHECK \(GateFixture.consenting) campaign=fibre-promo").hasPrefix("DENY audit-unavailable "))
        fixture.sink.set(.accept)
        #expect(try await fixture.ask("CHECK \(GateFixture.consenting) campaign=fibre-promo").hasPrefix("ALLOW consent "))
    }

    @Test("a stalled journal: decisions are denied at their deadline, PING keeps answering, and the trail says which ALLOW was not the answer")
    func aStalledJournalDeniesWithinTheDeadline() async throws {
        let fixture = try GateFixture(auditDeadline: .milliseconds(100))
        fixture.sink.set(.stall)
        // Answered while the sink is still stuck: the gate did not wait for the journal.
        let answer = try await fixture.ask("CHECK \(GateFixture.consenting) campaign=fibre-promo")
        #expect(answer.hasPrefix("DENY audit-unavailable "))
        #expect(try await fixture.ask("PING") == "PONG class=done\n")
        #expect(try await fixture.ask("STATS").hasPrefix("STATS "))
        // While the journal is stuck, later decisions are refused at once.
        #expect(try await fixture.ask("CHECK \(GateFixture.consenting) campaign=fibre-promo").hasPrefix("DENY audit-unavailable "))
        fixture.sink.release()
        let recovered = try await eventually {
            try await fixture.ask("CHECK \(GateFixture.consenting) campaign=fibre-promo").hasPrefix("ALLOW consent ") ? true : nil
        }
        #expect(recovered == true)
        // The entry inside the sink during the stall reached it late: an abandonment follows it.
        let abandoned = fixture.sink.entries(withMessageID: AuditMessageID.auditAbandoned)
        #expect(abandoned.count == 1)
        #expect(abandoned.first?.value(of: AuditField.abandonedSeq) == "1")
        let seqs = fixture.sink.entries.compactMap { $0.value(of: AuditField.seq).flatMap(UInt64.init) }
        #expect(seqs == Array(1...UInt64(seqs.count)))
    }
}

extension GateAuditFaultTests {
    @Test("an ALLOW whose entry the journal dropped without a word (its socket gone) is answered DENY audit-unavailable")
    func aSilentlyDroppedEntryIsNeverAnAllow() async throws {
        let fixture = try GateFixture()
        fixture.sink.set(.dropSilently)
        let answers = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<3 { group.addTask { try await fixture.ask("CHECK \(GateFixture.consenting) campaign=fibre-promo") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 3)
        for answer in answers {
            #expect(answer.hasPrefix("DENY audit-unavailable "), "\(answer)")
            #expect(answer.contains("errno 2"), "\(answer)")
        }
        fixture.sink.set(.accept)
        #expect(try await fixture.ask("CHECK \(GateFixture.consenting) campaign=fibre-promo").hasPrefix("ALLOW consent "))
    }

    /// Set once a request got its answer.
    final class Answered: Sendable {
        let value = Mutex(false)
    }

    @Test("a client's short deadline is kept while an earlier entry waits out the journal's longer one")
    func aShortDeadlineIsKeptBehindALongerOne() async throws {
        // The journal's deadline is long so that a slow machine (the ledger's fsync of the
        // first call's reservation can take seconds while other suites write) cannot run it out.
        let fixture = try GateFixture(auditDeadline: .seconds(60))
        fixture.sink.set(.stall)
        let firstAnswered = Answered()
        let first = Task {
            let answer = try await fixture.ask("CHECK \(GateFixture.consenting) campaign=fibre-promo")
            firstAnswered.value.withLock { $0 = true }
            return answer
        }
        // The first entry is inside the stalled sink, with the journal's 60 s; the second queues
        // behind it with the client's 200 ms, earlier than anything the writer waits for.
        // Up to 2 minutes: under a full parallel run the first ask has been seen to wait ~50 s
        // for a thread of the test pool (trivial tests beside it passed "after 49 s").
        let inside = try await eventually(within: 120) { fixture.sink.stalling == 1 ? true : nil }
        #expect(inside == true)
        let answered: String? = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { try await fixture.ask("CHECK 0199000010 campaign=fibre-promo deadline-ms=200") }
            group.addTask {
                // Well before the first's 60 s: a deadline not kept fails here instead of hanging.
                try await Task.sleep(for: .seconds(4))
                fixture.sink.release()
                return nil
            }
            let winner = try await group.next() ?? nil
            group.cancelAll()
            return winner
        }
        let second = try #require(answered, "the 200 ms deadline was not kept")
        #expect(second.hasPrefix("DENY audit-unavailable class=unavailable ") || second.hasPrefix("DENY deadline-exceeded "))
        #expect(!second.contains("60.0 seconds"))
        // Answered on its own deadline: the first still waits for its 60 s.
        #expect(firstAnswered.value.withLock { $0 } == false)
        // Let through within its 60 s, the first is the ALLOW its entry says.
        fixture.sink.release()
        #expect(try await first.value.hasPrefix("ALLOW consent "))
    }
}

@Suite("Decisions about another instant are not permissions")
struct GatePlanTests {
    @Test("a CHECK is about now: an at= beyond the clock tolerance is ERR clock-skew, never a decision")
    func aCheckForAnotherInstantIsRefused() async throws {
        let fixture = try GateFixture()
        let later = try await fixture.ask("CHECK \(GateFixture.consenting) campaign=fibre-promo at=2026-11-30T23:35:00+01:00")
        #expect(later.hasPrefix("ERR clock-skew "))
        let nextYear = try await fixture.ask("CHECK \(GateFixture.consenting) campaign=fibre-promo at=2027-01-04T10:15:00+01:00")
        #expect(nextYear.hasPrefix("ERR clock-skew "))
        let closeEnough = try await fixture.ask("CHECK \(GateFixture.consenting) campaign=fibre-promo at=2026-11-30T10:15:20+01:00")
        #expect(closeEnough.hasPrefix("ALLOW consent "))
    }

    @Test("PLAN answers WOULD-ALLOW or WOULD-DENY, so its first word never reads as a permission")
    func planAnswersWould() async throws {
        let fixture = try GateFixture()
        let night = try await fixture.ask("PLAN \(GateFixture.consenting) campaign=fibre-promo at=2026-11-30T23:35:00+01:00")
        #expect(night.hasPrefix("WOULD-DENY outside-hours "))
        let oldRegime = try await fixture.ask("PLAN 0199000007 campaign=fibre-promo at=2026-07-20T10:15:00+02:00")
        #expect(oldRegime.hasPrefix("WOULD-ALLOW bloctel-clear "))
        let entry = fixture.sink.entries.last
        #expect(entry?.value(of: AuditField.dryRun) == "1")
        #expect(entry?.value(of: "MESSAGE")?.hasPrefix("WOULD-ALLOW") == true)
    }
}

@Suite("Writes are validated like queries")
struct GateWriteValidationTests {
    @Test("an unknown campaign, a future instant, or one older than any window is refused, nothing recorded")
    func badWritesChangeNothing() async throws {
        let fixture = try GateFixture()
        let n = GateFixture.consenting
        #expect(try await fixture.ask("ATTEMPT \(n) campaign=fibre-prom0").hasPrefix("ERR unknown-campaign "))
        #expect(try await fixture.ask("ATTEMPT \(n) campaign=fibre-promo at=2027-05-01T10:00:00+02:00").hasPrefix("ERR clock-skew "))
        #expect(try await fixture.ask("REFUSAL \(n) campaign=fibre-promo at=2026-06-01T10:00:00+02:00").hasPrefix("ERR clock-skew "))
        #expect(try await fixture.ask("OPTOUT \(n) at=2026-12-30T10:00:00+01:00").hasPrefix("ERR clock-skew "))
        #expect(try await fixture.ask("CONSENT \(n) proof=p given-at=2027-01-01T00:00:00Z").hasPrefix("ERR clock-skew "))
        #expect(fixture.ledger.stats.appends == 0)
        #expect(try await fixture.ask("ATTEMPT \(n) campaign=fibre-promo at=2026-11-29T10:00:00+01:00").hasPrefix("OK "))
    }

    @Test("a CONSENT without given-at is dated by the gate's clock")
    func consentIsDatedByTheGatesClock() async throws {
        let fixture = try GateFixture()
        #expect(try await fixture.ask("CONSENT 0199000030 proof=p").hasPrefix("OK "))
        let consents = fixture.ledger.facts(for: try PhoneNumber(parsing: "0199000030")).consents
        #expect(consents.first?.givenAt == GateFixture.monday)
    }
}

/// Polls `body` until it gives a value or `seconds` pass.
func eventually<T>(within seconds: Double = 5, _ body: () async throws -> T?) async throws -> T? {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if let value = try await body() { return value }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await body()
}
