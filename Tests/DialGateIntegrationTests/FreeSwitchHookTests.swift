import DialGateTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// contrib/freeswitch/dialgate.lua, and the Lua client under it (contrib/lua), run by lua5.1
/// with contrib/freeswitch/standin.lua standing for FreeSWITCH's session, freeswitch and env
/// objects, against the real daemon on the example lists at the frozen Monday 10:15.
@Suite(
    "FreeSWITCH hook and the Lua client (contrib/freeswitch, contrib/lua)",
    .enabled(
        if: FreeSwitchHook.missingTools.isEmpty,
        "needs \(FreeSwitchHook.missingTools.joined(separator: ", ")): scripts/test installs lua5.1 and lua-socket"))
struct FreeSwitchHookTests {
    static let consented = "0199000040"       // consent, any campaign (example lists)
    static let noConsent = "0199000030"
    static let optedOut = "0199000010"

    @Test("ALLOW sets dialgate_reservation (the uuid), the verdict variables and the hangup hook, and does not hang up")
    func allowSetsTheReservation() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let run = try FreeSwitchHook.check(daemon, number: Self.consented, campaign: "fibre-promo", uuid: "7c1e0b9a-allow")
            #expect(run.finished, "\(run.output)")
            #expect(run.hangup == nil)
            #expect(run.variables["dialgate_verdict"] == "ALLOW")
            #expect(run.variables["dialgate_reason"] == "consent")
            #expect(run.variables["dialgate_class"] == "allowed")
            #expect(run.variables["dialgate_reservation"] == "7c1e0b9a-allow")
            #expect(run.variables["dialgate_number"] == "+33199000040")
            #expect(run.variables["api_hangup_hook"] == "lua dialgate.lua hangup")
            // The ALLOW took its place under the cap.
            #expect(RunningDaemon.field("attempts_30d", in: try daemon.ask("PLAN \(Self.consented) campaign=fibre-promo")) == "1")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("DENY hangs up CALL_REJECTED with dialgate_verdict, _reason and _class set, for denied and later; the default campaign applies without dialgate_campaign")
    func denyHangsUpCallRejected() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let noConsent = try FreeSwitchHook.check(daemon, number: Self.noConsent, campaign: nil, uuid: "deny-1",
                                                     globals: ["dialgate_default_campaign": "fibre-promo"])
            #expect(noConsent.hangup == "CALL_REJECTED", "\(noConsent.output)")
            #expect(noConsent.variables["dialgate_verdict"] == "DENY")
            #expect(noConsent.variables["dialgate_reason"] == "no-consent")
            #expect(noConsent.variables["dialgate_class"] == "denied")
            #expect(noConsent.variables["dialgate_next"] == "")
            #expect(noConsent.variables["dialgate_reservation"] == nil)
            #expect(noConsent.variables["api_hangup_hook"] == nil)
            let optedOut = try FreeSwitchHook.check(daemon, number: Self.optedOut, campaign: "fibre-promo", uuid: "deny-2")
            #expect(optedOut.hangup == "CALL_REJECTED")
            #expect(optedOut.variables["dialgate_reason"] == "internal-optout")
            // Four attempts in 30 days: the cap, a `later` denial.
            for day in 23...26 {
                #expect(try daemon.ask("ATTEMPT \(Self.consented) campaign=fibre-promo at=2026-11-\(day)T10:30:00+01:00").hasPrefix("OK attempt "))
            }
            let capped = try FreeSwitchHook.check(daemon, number: Self.consented, campaign: "fibre-promo", uuid: "deny-3")
            #expect(capped.hangup == "CALL_REJECTED", "\(capped.output)")
            #expect(capped.variables["dialgate_reason"] == "frequency-cap")
            #expect(capped.variables["dialgate_class"] == "later")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("a stopped gate fails closed: NORMAL_TEMPORARY_FAILURE, class unavailable, no reservation; so does a stalled one, within the deadline")
    func aStoppedGateFailsClosed() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            // What the hook takes when the gate answers at once (starting the interpreter is
            // most of it, and seconds on a loaded machine): the stalled check may take its
            // 200 ms deadline more, not the unbounded wait of a hook without one.
            var started = Date()
            _ = try FreeSwitchHook.check(daemon, number: Self.optedOut, campaign: "fibre-promo", uuid: "answered-1")
            let answered = Date().timeIntervalSince(started)
            daemon.process.send(SIGSTOP)
            started = Date()
            let stalled = try FreeSwitchHook.check(daemon, number: Self.consented, campaign: "fibre-promo", uuid: "stalled-1",
                                                   globals: ["dialgate_deadline_ms": "200"])
            let took = Date().timeIntervalSince(started)
            daemon.process.send(SIGCONT)
            #expect(stalled.hangup == "NORMAL_TEMPORARY_FAILURE", "\(stalled.output)")
            #expect(stalled.variables["dialgate_class"] == "unavailable")
            #expect(took < answered + 1.5, "a 200 ms deadline took \(took) s where an answered check took \(answered) s")
            #expect(daemon.stop() == 0)
            let down = try FreeSwitchHook.check(daemon, number: Self.consented, campaign: "fibre-promo", uuid: "down-1")
            #expect(down.finished, "\(down.output)")
            #expect(down.hangup == "NORMAL_TEMPORARY_FAILURE")
            #expect(down.variables["dialgate_verdict"] == "DENY")
            #expect(down.variables["dialgate_reason"] == "gate-unreachable")
            #expect(down.variables["dialgate_class"] == "unavailable")
            #expect(down.variables["dialgate_reservation"] == nil)
            #expect(down.variables["api_hangup_hook"] == nil)
        }
    }

    @Test("the hangup hook reports the bridged call as an ATTEMPT under its reservation, once even if run twice; a busy one as busy")
    func theHangupReportRecordsAnAttempt() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let allowed = try FreeSwitchHook.check(daemon, number: Self.consented, campaign: "fibre-promo", uuid: "uuid-answered")
            #expect(allowed.variables["dialgate_reservation"] == "uuid-answered", "\(allowed.output)")
            let env = allowed.variables.merging(["hangup_cause": "NORMAL_CLEARING", "bridge_hangup_cause": "NORMAL_CLEARING"]) { $1 }
            for _ in 0..<2 {
                let hook = try FreeSwitchHook.hangup(daemon, env: env)
                #expect(hook.finished && hook.logs.contains { $0.contains("reported: ATTEMPT outcome=answered") }, "\(hook.output)")
            }
            #expect(RunningDaemon.field("attempts_30d", in: try daemon.ask("PLAN \(Self.consented) campaign=fibre-promo")) == "1")
            #expect(RunningDaemon.field("ledger_reservations_open", in: try daemon.ask("STATS")) == "0")
            let ledger = try String(contentsOfFile: daemon.statePath + "/ledger.log", encoding: .utf8)
            #expect(ledger.components(separatedBy: "\tanswered\tuuid-answered\tuuid-answered").count == 2, "\(ledger)")

            let busy = try FreeSwitchHook.check(daemon, number: "0199000041", campaign: "fibre-promo", uuid: "uuid-busy")
            let busyEnv = busy.variables.merging(["hangup_cause": "NORMAL_CLEARING", "originate_disposition": "USER_BUSY"]) { $1 }
            let hook = try FreeSwitchHook.hangup(daemon, env: busyEnv)
            #expect(hook.logs.contains { $0.contains("reported: ATTEMPT outcome=busy") }, "\(hook.output)")
            #expect(try String(contentsOfFile: daemon.statePath + "/ledger.log", encoding: .utf8).contains("\tbusy\tuuid-busy\t"))
            #expect(daemon.stop() == 0)
        }
    }

    @Test("a caller who hangs up before the bridge was tried gets the place RELEASEd")
    func noBridgeReleasesThePlace() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let allowed = try FreeSwitchHook.check(daemon, number: Self.consented, campaign: "fibre-promo", uuid: "uuid-gone")
            #expect(RunningDaemon.field("attempts_30d", in: try daemon.ask("PLAN \(Self.consented) campaign=fibre-promo")) == "1")
            let env = allowed.variables.merging(["hangup_cause": "ORIGINATOR_CANCEL"]) { $1 }
            let hook = try FreeSwitchHook.hangup(daemon, env: env)
            #expect(hook.logs.contains { $0.contains("reported: RELEASE") }, "\(hook.output)")
            #expect(RunningDaemon.field("attempts_30d", in: try daemon.ask("PLAN \(Self.consented) campaign=fibre-promo")) == "0")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("the client reconnects once the daemon closed its idle connection, for checks and reports alike, and parses quoted answers")
    func theClientReconnectsAfterAnIdleClose() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(configure: { RunningDaemon.setting($0, key: "idle-timeout-seconds", raw: "1") })
            let script = """
                local dialgate = require("dialgate")
                dialgate.configure{ socket = arg[1] }
                local function show(v)
                    if v.error then io.stderr:write("why: ", tostring(v.error), "\\n") end
                    print(v.head, v.word or "-", v.class, v.fields.reservation or "-", v.fields.consent_proof or "-")
                end
                show(dialgate.check("01 99 00 00 40", "fibre-promo", "idle-1", 5000))
                show(dialgate.report_attempt("+33199000040", "fibre-promo", "idle-1", "no-answer", "idle-1", 5000))
                require("socket").sleep(1.6)            -- the daemon closes both connections
                show(dialgate.check("0199000041", "fibre-promo", "idle-2", 5000))
                show(dialgate.release("+33199000041", "idle-2", "idle-2", 5000))
                print("pending", dialgate.pending())
                """
            let path = daemon.directory + "/idle.lua"
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            let (status, output) = try ChildProcess.run(
                [FreeSwitchHook.lua, path, daemon.socketPath],
                environment: ProcessInfo.processInfo.environment.merging(["LUA_PATH": FreeSwitchHook.contrib + "/lua/?.lua;;"]) { $1 })
            let lines = output.split(separator: "\n").map(String.init)
            #expect(status == 0, "\(output)")
            #expect(lines.count == 5, "\(output)")
            guard lines.count == 5 else { return }
            #expect(lines[0] == "ALLOW\tconsent\tallowed\tidle-1\tweb form v3, checkbox \"appels commerciaux\", ref WF-88121")
            #expect(lines[1].hasPrefix("OK\tattempt\tdone\tidle-1\t"))
            #expect(lines[2].hasPrefix("ALLOW\tconsent\tallowed\tidle-2\t"))
            #expect(lines[3].hasPrefix("OK\trelease\tdone\tidle-2\t"))
            #expect(lines[4] == "pending\t0")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("a reused connection that closes before its answer: the request is sent again once, on a new connection, and its answer is its own")
    func aRequestIsSentAgainOnceWhenAReusedConnectionCloses() async throws {
        try await onOwnThread {
            // A gate that answers one request on its first connection, closes it on reading the
            // next (as a daemon going away does), then answers everything on a second one.
            let directory = try RunningDaemon.makeScratchDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let server = """
                local unix = require("socket.unix")
                local listener = assert(unix.stream())
                assert(listener:bind(arg[1])) assert(listener:listen(8))
                local function answer(c, n, line) c:send("PONG id=" .. line:match("id=(%S+)") .. " class=done conn=" .. n .. "\\n") end
                local first = assert(listener:accept())
                answer(first, 1, assert(first:receive("*l")))
                print("dropped on 1: " .. tostring(first:receive("*l"))) io.stdout:flush()
                first:close()
                local second = assert(listener:accept())
                while true do
                    local line = second:receive("*l")
                    if not line then break end
                    print("answered on 2: " .. line) io.stdout:flush()
                    answer(second, 2, line)
                end
                """
            let client = """
                local dialgate = require("dialgate")
                dialgate.configure{ socket = arg[1] }
                for _ = 1, 3 do local v = dialgate.request("PING", 5000) print(v.head, v.fields.id, v.fields.conn or "-") end
                """
            try server.write(toFile: directory + "/server.lua", atomically: true, encoding: .utf8)
            try client.write(toFile: directory + "/client.lua", atomically: true, encoding: .utf8)
            let socket = directory + "/gate.sock"
            let serverLog = directory + "/server.log"
            let gate = try ChildProcess([FreeSwitchHook.lua, directory + "/server.lua", socket],
                                        environment: ProcessInfo.processInfo.environment, outputPath: serverLog)
            defer {
                gate.send(SIGKILL)
                gate.wait()
            }
            #expect(eventually(within: 5, every: 0.02) { FileManager.default.fileExists(atPath: socket) })
            let (status, output) = try ChildProcess.run(
                [FreeSwitchHook.lua, directory + "/client.lua", socket],
                environment: ProcessInfo.processInfo.environment.merging(["LUA_PATH": FreeSwitchHook.contrib + "/lua/?.lua;;"]) { $1 })
            #expect(status == 0, "\(output)")
            #expect(output == "PONG\tq1\t1\nPONG\tq2\t2\nPONG\tq3\t2\n")
            let log = try String(contentsOfFile: serverLog, encoding: .utf8)
            #expect(log == "dropped on 1: PING id=q2\nanswered on 2: PING id=q2\nanswered on 2: PING id=q3\n")
        }
    }

    @Test("a later denial's next= (as the gate will soon send it) goes to dialgate_next; an answer out of step fails closed")
    func nextGoesToDialgateNext() async throws {
        try await onOwnThread {
            let directory = try RunningDaemon.makeScratchDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            // A gate that answers every request with the line given, under the request's id (or another).
            let server = """
                local unix = require("socket.unix")
                local listener = assert(unix.stream())
                assert(listener:bind(arg[1])) assert(listener:listen(8))
                while true do
                    local c = assert(listener:accept())
                    while true do
                        local line = c:receive("*l")
                        if not line then break end
                        local id = arg[3] or line:match("id=(%S+)")
                        c:send((arg[2]:gsub("ID", id)) .. "\\n")
                    end
                    c:close()
                end
                """
            try server.write(toFile: directory + "/gate.lua", atomically: true, encoding: .utf8)
            func hook(answer: String, forcedID: String? = nil) throws -> FreeSwitchHook.Run {
                let socket = directory + "/gate-\(UInt32.random(in: 0...UInt32.max)).sock"
                let gate = try ChildProcess([FreeSwitchHook.lua, directory + "/gate.lua", socket, answer] + (forcedID.map { [$0] } ?? []),
                                            environment: ProcessInfo.processInfo.environment, outputPath: directory + "/gate.log")
                defer {
                    gate.send(SIGKILL)
                    gate.wait()
                }
                #expect(eventually(within: 5, every: 0.02) { FileManager.default.fileExists(atPath: socket) })
                return Run(output: try ChildProcess.run([
                    FreeSwitchHook.lua, FreeSwitchHook.contrib + "/freeswitch/standin.lua", FreeSwitchHook.contrib + "/freeswitch/dialgate.lua",
                    "global:dialgate_socket=\(socket)", "global:dialgate_lua_dir=\(FreeSwitchHook.contrib)/lua",
                    "var:destination_number=0199000040", "var:dialgate_campaign=fibre-promo", "var:uuid=next-1",
                ]).output)
            }
            typealias Run = FreeSwitchHook.Run
            let later = try hook(answer: #"DENY outside-hours id=ID class=later rule="C. consom. D223-9" next=2026-11-30T13:00:00Z"#)
            #expect(later.hangup == "CALL_REJECTED", "\(later.output)")
            #expect(later.variables["dialgate_class"] == "later")
            #expect(later.variables["dialgate_next"] == "2026-11-30T13:00:00Z")
            // An ALLOW under another request's id is not this call's answer: it does not dial.
            let stray = try hook(answer: "ALLOW consent id=ID class=allowed reservation=x", forcedID: "q99")
            #expect(stray.hangup == "NORMAL_TEMPORARY_FAILURE", "\(stray.output)")
            #expect(stray.variables["dialgate_reservation"] == nil)
            // A future head the hook does not know never dials either.
            let unknown = try hook(answer: "MAYBE consent id=ID class=allowed")
            #expect(unknown.hangup == "NORMAL_TEMPORARY_FAILURE", "\(unknown.output)")
        }
    }
}

/// Runs contrib/freeswitch/dialgate.lua through the stand-in, and reads what it did.
enum FreeSwitchHook {
    static let lua = "/usr/bin/lua5.1"
    static let contrib = RunningDaemon.packageRoot + "/contrib"

    static let missingTools: [String] = {
        var missing: [String] = []
        if !FileManager.default.isExecutableFile(atPath: lua) { missing.append("lua5.1") }
        if KamailioRig.firstExisting("lua/5.1/socket/unix.so") == nil { missing.append("socket.unix for Lua 5.1 (lua-socket)") }
        return missing
    }()

    /// What one run of the script did, from the stand-in's output.
    struct Run {
        var output: String
        var variables: [String: String] = [:]
        var hangup: String?
        var logs: [String] = []
        var finished = false

        init(output: String) {
            self.output = output
            for line in output.split(separator: "\n").map(String.init) {
                if line.hasPrefix("SET "), let equals = line.firstIndex(of: "=") {
                    variables[String(line[line.index(line.startIndex, offsetBy: 4)..<equals])] = String(line[line.index(after: equals)...])
                } else if line.hasPrefix("HANGUP ") {
                    hangup = String(line.dropFirst(7))
                } else if line.hasPrefix("LOG ") {
                    logs.append(String(line.dropFirst(4)))
                } else if line == "DONE" {
                    finished = true
                }
            }
        }
    }

    static func settings(_ daemon: RunningDaemon, _ globals: [String: String]) -> [String] {
        // A test machine shares its disk and cores with other tests: an ALLOW waits for its
        // reservation's fdatasync, which can take longer there than the production 300 ms.
        // The tests of the deadline itself set theirs.
        let base = [
            "dialgate_socket": daemon.socketPath, "dialgate_lua_dir": contrib + "/lua", "dialgate_deadline_ms": "5000",
        ]
        return base.merging(globals) { $1 }.sorted { $0.key < $1.key }.map { "global:\($0.key)=\($0.value)" }
    }

    /// The dialplan action: a session whose destination_number is `number`.
    static func check(
        _ daemon: RunningDaemon, number: String, campaign: String?, uuid: String, globals: [String: String] = [:]
    ) throws -> Run {
        var arguments = [lua, contrib + "/freeswitch/standin.lua", contrib + "/freeswitch/dialgate.lua"]
        arguments += settings(daemon, globals)
        arguments += ["var:destination_number=\(number)", "var:uuid=\(uuid)"]
        if let campaign { arguments.append("var:dialgate_campaign=\(campaign)") }
        return Run(output: try ChildProcess.run(arguments).output)
    }

    /// The hangup hook, with the channel's variables in env.
    static func hangup(_ daemon: RunningDaemon, env: [String: String]) throws -> Run {
        var arguments = [lua, contrib + "/freeswitch/standin.lua", contrib + "/freeswitch/dialgate.lua", "mode=hangup"]
        arguments += settings(daemon, [:])
        arguments += env.sorted { $0.key < $1.key }.map { "env:\($0.key)=\($0.value)" }
        return Run(output: try ChildProcess.run(arguments).output)
    }
}
