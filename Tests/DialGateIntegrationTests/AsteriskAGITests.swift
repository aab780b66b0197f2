import DialGateTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `dialgate-agi`, the Asterisk hook, run as Asterisk runs an AGI program (`FakeAsterisk`
/// plays res_agi's side of the pipes) against the real daemon on the example configuration
/// and lists, its clock at Monday 2026-11-30 10:15 in Paris, or against a `FakeGate` for the
/// answers a sound daemon never gives.
@Suite("Asterisk AGI hook")
struct AsteriskAGITests {
    /// A consent for fibre-promo in the example lists.
    static let consenting = "0199000040"
    /// No consent in the example lists.
    static let withoutConsent = "0199000030"

    /// The tests of the deadline give theirs; the others give one a loaded test machine meets
    /// (an ALLOW waits for its reservation's fdatasync).
    static func check(_ socket: String, _ extra: [String] = [], deadline: Int = 5000) -> [String] {
        ["--socket", socket, "--deadline-ms", String(deadline), "fibre-promo"] + extra
    }

    static func report(_ socket: String) -> [String] { ["--socket", socket, "--deadline-ms", "5000", "report"] }

    /// The number of attempts the gate counts for the consenting number (places held included).
    static func attempts(_ daemon: RunningDaemon) throws -> String? {
        RunningDaemon.field("attempts_30d", in: try daemon.ask("PLAN \(consenting) campaign=fibre-promo"))
    }

    @Test("an allowed number sets DIALGATE_VERDICT=ALLOW, last, and a reservation named by the channel's uniqueid")
    func allowedNumber() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.40")
            let run = try channel.run(Self.check(daemon.socketPath))
            #expect(run.status == 0)
            #expect(channel.variables["DIALGATE_VERDICT"] == "ALLOW")
            #expect(channel.variables["DIALGATE_CLASS"] == "allowed")
            #expect(channel.variables["DIALGATE_REASON"] == "consent")
            #expect(channel.variables["DIALGATE_RESERVATION"] == "1796030100.40")
            #expect(channel.variables["DIALGATE_NUMBER"] == "+33199000040")
            #expect(channel.variables["DIALGATE_CAMPAIGN"] == "fibre-promo")
            #expect(Int(channel.variables["DIALGATE_SEQ"] ?? "") != nil)
            // A DENY is on the channel before the gate is asked; the ALLOW comes after every other field.
            let sets = run.commands.filter { $0.hasPrefix("SET VARIABLE ") }
            #expect(sets.first == "SET VARIABLE DIALGATE_VERDICT \"DENY\"")
            #expect(sets.last == "SET VARIABLE DIALGATE_VERDICT \"ALLOW\"")
            // The ALLOW took its place under the cap.
            #expect(try Self.attempts(daemon) == "1")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("a denied number sets DENY with the gate's reason and class; the number may come as the second argument")
    func deniedNumber() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let channel = FakeAsterisk(exten: "s", uniqueid: "1796030100.30")
            let run = try channel.run(Self.check(daemon.socketPath, [Self.withoutConsent]))
            #expect(run.status == 0)
            #expect(channel.variables["DIALGATE_VERDICT"] == "DENY")
            #expect(channel.variables["DIALGATE_REASON"] == "no-consent")
            #expect(channel.variables["DIALGATE_CLASS"] == "denied")
            #expect(channel.variables["DIALGATE_RESERVATION"] == "")
            #expect(channel.variables["DIALGATE_NUMBER"] == "+33199000030")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("a stopped gate fails closed at once: DENY gate-unreachable, class unavailable, within the deadline")
    func stoppedGate() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            #expect(daemon.stop() == 0)
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.41")
            let run = try channel.run(Self.check(daemon.socketPath, deadline: 300))
            #expect(run.status == 0)
            #expect(channel.variables["DIALGATE_VERDICT"] == "DENY")
            #expect(channel.variables["DIALGATE_CLASS"] == "unavailable")
            #expect(channel.variables["DIALGATE_REASON"] == "gate-unreachable")
            let spent = try #require(run.reportedMilliseconds)
            #expect(spent <= 300)
            #expect(run.seconds < 5)
        }
    }

    @Test("a gate that accepts but never answers fails closed at the deadline: DENY gate-timeout, class unavailable")
    func silentGate() async throws {
        try await onOwnThread {
            let gate = try FakeGate.silent()
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.42")
            let run = try channel.run(Self.check(gate.path, deadline: 300))
            #expect(run.status == 0)
            #expect(channel.variables["DIALGATE_VERDICT"] == "DENY")
            #expect(channel.variables["DIALGATE_CLASS"] == "unavailable")
            #expect(channel.variables["DIALGATE_REASON"] == "gate-timeout")
            let spent = try #require(run.reportedMilliseconds)
            #expect(spent >= 300 && spent < 1_300, "the gate exchange took \(spent) ms for a 300 ms deadline")
            #expect(run.seconds < 5)
        }
    }

    /// Answers a CHECK must not be dialled on, and the reason each fails closed with.
    static let notAnAllow: [(answer: String?, reason: String, error: String)] = [
        ("ERR overload class=unavailable message=\"too many connections\"", "gate-error", "overload"),
        ("ERR forbidden class=rejected message=\"the query role is needed\"", "gate-error", "forbidden"),
        ("WOULD-ALLOW consent class=planned-allowed", "gate-malformed", ""),
        ("allow consent class=allowed", "gate-malformed", ""),
        ("ALLOW consent class=denied", "gate-malformed", ""),
        ("ALLOW consent", "gate-malformed", ""),
        ("ALLOW", "gate-malformed", ""),
        ("ALLOW consent more class=allowed", "gate-malformed", ""),
        ("ALLOW consent class=\"allowed", "gate-malformed", ""),
        ("OK attempt class=done", "gate-malformed", ""),
        ("", "gate-malformed", ""),
        (nil, "gate-closed", ""),
    ]

    @Test("anything but exactly ALLOW with class=allowed fails closed", arguments: notAnAllow)
    func notAnAllowFailsClosed(_ case: (answer: String?, reason: String, error: String)) async throws {
        try await onOwnThread {
            let gate = try FakeGate(answer: `case`.answer)
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.43")
            let run = try channel.run(Self.check(gate.path))
            #expect(run.status == 0)
            #expect(channel.variables["DIALGATE_VERDICT"] == "DENY")
            #expect(channel.variables["DIALGATE_CLASS"] == "unavailable")
            #expect(channel.variables["DIALGATE_REASON"] == `case`.reason)
            #expect(channel.variables["DIALGATE_ERROR"] == `case`.error)
        }
    }

    @Test("the CHECK carries the channel's uniqueid as key= and a deadline-ms= under the hook's own; next= is passed on")
    func checkRequestAndNext() async throws {
        try await onOwnThread {
            let gate = try FakeGate(
                answer: "DENY outside-hours class=later rule=x seq=7 number=+33199000040 next=2026-11-30T14:00:00+01:00")
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "pbx1-1796030100.44")
            // A deadline a loaded machine meets (a full test run starts many processes at once):
            // this test is about what the hook asks and passes on, not about its speed.
            let run = try channel.run(Self.check(gate.path, deadline: 5000))
            #expect(run.status == 0)
            let request = try #require(gate.requests.first)
            let match = try #require(
                request.wholeMatch(of: /CHECK 0199000040 campaign=fibre-promo key=pbx1-1796030100\.44 deadline-ms=([0-9]+)/))
            let share = try #require(Int(match.1))
            #expect(share > 0 && share < 5000)
            #expect(channel.variables["DIALGATE_VERDICT"] == "DENY")
            #expect(channel.variables["DIALGATE_CLASS"] == "later")
            #expect(channel.variables["DIALGATE_REASON"] == "outside-hours")
            #expect(channel.variables["DIALGATE_NEXT"] == "2026-11-30T14:00:00+01:00")
            #expect(channel.variables["DIALGATE_SEQ"] == "7")
        }
    }

    @Test("a second check on a channel whose first was allowed takes a place of its own, under a key of its own")
    func secondCallOnAChannel() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.53")
            _ = try channel.run(Self.check(daemon.socketPath))
            #expect(channel.variables["DIALGATE_RESERVATION"] == "1796030100.53")
            #expect(channel.variables["DIALGATE_CALL"] == "1")
            channel.variables["DIALSTATUS"] = "BUSY"
            // Dialled again on the same channel: a second call, which must not share the first one's place.
            _ = try channel.run(Self.check(daemon.socketPath))
            #expect(channel.variables["DIALGATE_VERDICT"] == "ALLOW")
            #expect(channel.variables["DIALGATE_RESERVATION"] == "1796030100.53-2")
            #expect(channel.variables["DIALGATE_KEY"] == "1796030100.53-2")
            #expect(try Self.attempts(daemon) == "2")
            // The report settles the second; the first, unreported, counts all the same.
            _ = try channel.run(Self.report(daemon.socketPath))
            #expect(channel.variables["DIALGATE_REPORT"] == "attempt")
            #expect(try Self.attempts(daemon) == "2")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("a check again after one that was not allowed is a retry: the same key, so at most one place")
    func retryKeepsTheKey() async throws {
        try await onOwnThread {
            let gate = try FakeGate(answer: "DENY no-consent class=denied rule=x seq=3 number=+33199000040")
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.54")
            channel.variables = ["DIALGATE_VERDICT": "DENY", "DIALGATE_CLASS": "unavailable", "DIALGATE_CALL": "1"]
            _ = try channel.run(Self.check(gate.path))
            let request = try #require(gate.requests.first)
            #expect(request.contains(" key=1796030100.54 "))
            #expect(channel.variables["DIALGATE_CALL"] == "1")
        }
    }

    @Test("the report after ANSWER records one attempt that settles the reservation; reported twice, still one")
    func reportAfterAnswer() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.45")
            _ = try channel.run(Self.check(daemon.socketPath))
            #expect(channel.variables["DIALGATE_VERDICT"] == "ALLOW")
            channel.variables["DIALSTATUS"] = "ANSWER"
            // A hangup handler's AGI may see HANGUP before its first answer: it reports all the same.
            let run = try channel.run(Self.report(daemon.socketPath)) { $0.index == 0 ? ["HANGUP", $0.answer] : [$0.answer] }
            #expect(run.status == 0)
            #expect(channel.variables["DIALGATE_REPORT"] == "attempt")
            #expect(try Self.attempts(daemon) == "1")
            let stats = try daemon.ask("STATS")
            #expect(RunningDaemon.field("ledger_reservations_open", in: stats) == "0")
            let again = try channel.run(Self.report(daemon.socketPath))
            #expect(again.status == 0)
            #expect(channel.variables["DIALGATE_REPORT"] == "attempt")
            #expect(again.verbose.contains { $0.contains("duplicate=1") })
            #expect(try Self.attempts(daemon) == "1")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("the report for a call Dial() never placed releases the place the ALLOW took")
    func reportWithoutDial() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.46")
            _ = try channel.run(Self.check(daemon.socketPath))
            #expect(try Self.attempts(daemon) == "1")
            let run = try channel.run(Self.report(daemon.socketPath))
            #expect(run.status == 0)
            #expect(channel.variables["DIALGATE_REPORT"] == "release")
            #expect(try Self.attempts(daemon) == "0")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("the report after a denied check, which Dial() did not follow, sends nothing")
    func reportAfterDeny() async throws {
        try await onOwnThread {
            let gate = try FakeGate(answer: "OK attempt class=done")
            let channel = FakeAsterisk(exten: Self.withoutConsent, uniqueid: "1796030100.47")
            channel.variables = [
                "DIALGATE_VERDICT": "DENY", "DIALGATE_NUMBER": "+33199000030", "DIALGATE_CAMPAIGN": "fibre-promo",
            ]
            let run = try channel.run(Self.report(gate.path))
            #expect(run.status == 0)
            #expect(channel.variables["DIALGATE_REPORT"] == "none")
            #expect(gate.requests.isEmpty)
        }
    }

    /// What the report sends for each DIALSTATUS after an ALLOW that took the place `r1`.
    static let reports: [(status: String?, request: String)] = [
        ("ANSWER", "ATTEMPT +33199000040 campaign=fibre-promo reservation=r1 outcome=answered key=1796030100.51"),
        ("BUSY", "ATTEMPT +33199000040 campaign=fibre-promo reservation=r1 outcome=busy key=1796030100.51"),
        ("NOANSWER", "ATTEMPT +33199000040 campaign=fibre-promo reservation=r1 outcome=no-answer key=1796030100.51"),
        ("CONGESTION", "ATTEMPT +33199000040 campaign=fibre-promo reservation=r1 outcome=failed key=1796030100.51"),
        ("CHANUNAVAIL", "ATTEMPT +33199000040 campaign=fibre-promo reservation=r1 outcome=failed key=1796030100.51"),
        ("CANCEL", "ATTEMPT +33199000040 campaign=fibre-promo reservation=r1 key=1796030100.51"),
        ("SOMETHING-NEW", "ATTEMPT +33199000040 campaign=fibre-promo reservation=r1 key=1796030100.51"),
        ("INVALIDARGS", "RELEASE +33199000040 reservation=r1 key=1796030100.51"),
        (nil, "RELEASE +33199000040 reservation=r1 key=1796030100.51"),
    ]

    @Test("the report is an ATTEMPT with DIALSTATUS's outcome, a RELEASE only when Dial() placed nothing", arguments: reports)
    func reportRequests(_ case: (status: String?, request: String)) async throws {
        try await onOwnThread {
            let gate = try FakeGate(answer: "OK attempt class=done number=+33199000040 ledger_seq=1 seq=2")
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.51")
            channel.variables = [
                "DIALGATE_VERDICT": "ALLOW", "DIALGATE_RESERVATION": "r1", "DIALGATE_NUMBER": "+33199000040",
                "DIALGATE_CAMPAIGN": "fibre-promo",
            ]
            channel.variables["DIALSTATUS"] = `case`.status
            let run = try channel.run(Self.report(gate.path))
            #expect(run.status == 0)
            #expect(gate.requests == [`case`.request])
        }
    }

    @Test("a report whose reservation the gate does not hold is sent again without it: the call still counts")
    func reportWithoutTheReservation() async throws {
        try await onOwnThread {
            let gate = try FakeGate(answer: "ERR unknown-reservation class=rejected message=\"no reservation 'r1'\"")
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.52")
            channel.variables = [
                "DIALGATE_VERDICT": "ALLOW", "DIALGATE_RESERVATION": "r1", "DIALGATE_NUMBER": "+33199000040",
                "DIALGATE_CAMPAIGN": "fibre-promo", "DIALSTATUS": "NOANSWER",
            ]
            let run = try channel.run(Self.report(gate.path))
            #expect(run.status == 0)
            #expect(
                gate.requests == [
                    "ATTEMPT +33199000040 campaign=fibre-promo reservation=r1 outcome=no-answer key=1796030100.52",
                    "ATTEMPT +33199000040 campaign=fibre-promo outcome=no-answer key=1796030100.52",
                ])
            #expect(channel.variables["DIALGATE_REPORT"] == "gate-error")
            #expect(channel.variables["DIALGATE_REPORT_ERROR"] == "unknown-reservation")
        }
    }

    @Test("HANGUP from Asterisk mid-way ends the program, status 0, and never leaves an ALLOW")
    func hangupMidway() async throws {
        try await onOwnThread {
            let gate = try FakeGate(answer: "ALLOW consent class=allowed seq=1 number=+33199000040 reservation=r1")
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.48")
            // The gate has allowed; the channel hangs up as the hook starts writing the answer.
            var hungUpAt: Int?
            let run = try channel.run(Self.check(gate.path), timeout: 10) { command in
                if hungUpAt != nil { return [] }
                if gate.requests.isEmpty { return [command.answer] }
                hungUpAt = command.index
                return ["HANGUP"]
            }
            #expect(run.status == 0)
            #expect(hungUpAt != nil && run.commands.count == (hungUpAt ?? 0) + 1)
            #expect(gate.requests.count == 1)
            #expect(channel.variables["DIALGATE_VERDICT"] == "DENY")
        }
    }

    @Test("SIGHUP, how Asterisk tells a local AGI its channel hung up, ends a check at once with status 0")
    func sighupEndsACheck() async throws {
        try await onOwnThread {
            let gate = try FakeGate.silent()
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.49")
            let run = try channel.run(Self.check(gate.path, deadline: 30_000), timeout: 10) { command in
                if command.index == 2 { kill(command.pid, SIGHUP) }
                return [command.answer]
            }
            #expect(run.status == 0)
            #expect(run.seconds < 10)
            #expect(channel.variables["DIALGATE_VERDICT"] == "DENY")
        }
    }

    @Test("a dialplan that gives no campaign, or a bad option, still gets a fail-closed DENY", arguments: [
        [String](), ["--deadline-ms", "0", "fibre-promo"], ["--no-such-option", "fibre-promo"],
    ])
    func usageErrorsFailClosed(_ arguments: [String]) async throws {
        try await onOwnThread {
            let channel = FakeAsterisk(exten: Self.consenting, uniqueid: "1796030100.50")
            let run = try channel.run(arguments)
            #expect(run.status == 0)
            #expect(channel.variables["DIALGATE_VERDICT"] == "DENY")
            #expect(channel.variables["DIALGATE_CLASS"] == "unavailable")
            #expect(channel.variables["DIALGATE_REASON"] == "bad-usage")
        }
    }
}
