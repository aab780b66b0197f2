import DialGateTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// contrib/kamailio in the call path: a real Kamailio running the shipped kamailio.cfg and
/// dialgate-kemi.lua as they are (its settings given with -A), a SIPp callee standing for the
/// trunk and a SIPp caller standing for the dialer, all on loopback, against the real daemon
/// on the example lists at the frozen Monday 10:15.
@Suite(
    "Kamailio gates each INVITE (contrib/kamailio)", .serialized,
    .enabled(
        if: KamailioRig.missingTools.isEmpty,
        "needs \(KamailioRig.missingTools.joined(separator: ", ")): scripts/test installs kamailio, kamailio-lua-modules, lua-socket, sip-tester"
    ))
struct KamailioTests {
    static let consented = "0199000041"       // consent for fibre-promo (example lists)
    static let noConsent = "0199000030"
    static let optedOut = "0199000010"        // on the internal opt-out list

    @Test("an allowed number reaches the callee; denied ones get 403 with the reason in Reason, Warning and X-Dialgate-Class; one decision per call")
    func allowedReachesTheCalleeDeniedGets403() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let run = try daemon.auditRun()
            let rig = try KamailioRig.start(daemon: daemon, defaultCampaign: "fibre-promo")
            defer { rig.stop() }
            // The second call has no X-Campaign: the cfg's default campaign applies.
            let results = try rig.call([(Self.consented, "fibre-promo"), (Self.noConsent, ""), (Self.optedOut, "fibre-promo")])
            try #require(results.count == 3, "\(results) \(rig.diagnostics)")
            #expect(results[0].status == 200, "\(rig.diagnostics)")
            #expect(results[0].reason.isEmpty)
            #expect(results[1].status == 403)
            #expect(results[1].reason == #"dialgate;cause=403;text="no-consent""#)
            #expect(results[1].warning.hasPrefix(#"399 dialgate "DENY no-consent class=denied rule=C. consom. L223-1"#))
            #expect(results[1].dialgateClass == "denied")
            #expect(results[2].status == 403)
            #expect(results[2].reason.contains(#"text="internal-optout""#))
            #expect(results[2].dialgateClass == "denied")

            // One decision per call, in the journal and in the daemon's counters; the ALLOW's
            // reservation is named by the call's Call-ID and CSeq.
            #expect(RunningDaemon.field("decisions", in: try daemon.ask("STATS")) == "3")
            let decisions = try JournalQuery.entries(matching: "DIALGATE_RUN=\(run)", atLeast: 3) {
                ($0["MESSAGE_ID"] as? String) == KamailioRig.decisionMessageID
            }
            #expect(decisions.compactMap { $0["DIALGATE_VERDICT"] as? String }.sorted() == ["ALLOW", "DENY", "DENY"])
            let allowed = decisions.first { ($0["DIALGATE_VERDICT"] as? String) == "ALLOW" }
            #expect(allowed?["DIALGATE_RESERVATION"] as? String == results[0].key)
            // The answered call is reported: its place becomes an attempt, outcome answered.
            let attempt = rig.eventuallyLedger { $0.first { $0.hasPrefix("attempt\t") && $0.contains("\t\(results[0].key)\t") } }
            #expect(attempt?.contains("\tanswered\t") == true, "\(rig.diagnostics)")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("a stopped gate gives 503 (fail closed); once it is started again, calls go through")
    func aStoppedGateGives503ThenRecovers() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let rig = try KamailioRig.start(daemon: daemon, defaultCampaign: "fibre-promo")
            defer { rig.stop() }
            #expect(try rig.call([(Self.consented, "fibre-promo")]).map(\.status) == [200], "\(rig.diagnostics)")
            #expect(daemon.stop() == 0)
            let down = try rig.call([(Self.consented, "fibre-promo"), (Self.noConsent, "fibre-promo")])
            #expect(down.map(\.status) == [503, 503], "\(rig.diagnostics)")
            #expect(down.first?.reason == #"dialgate;cause=503;text="gate-unreachable""#)
            #expect(down.first?.dialgateClass == "unavailable")
            try daemon.start()
            try daemon.waitForSocket()
            // The workers' connections to the stopped daemon are gone: they connect again.
            let back = try rig.call([(Self.consented, "fibre-promo"), (Self.noConsent, "fibre-promo")])
            #expect(back.map(\.status) == [200, 403], "\(rig.diagnostics)")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("a gate too slow to answer gives 503 within the deadline, and its late answer is never taken for the next call's")
    func aSlowGateGives503AndItsLateAnswerIsDropped() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let rig = try KamailioRig.start(daemon: daemon, defaultCampaign: "fibre-promo", deadlineMilliseconds: 300)
            defer { rig.stop() }
            #expect(try rig.call([(Self.noConsent, ""), (Self.noConsent, "")]).map(\.status) == [403, 403], "\(rig.diagnostics)")
            daemon.process.send(SIGSTOP)
            let started = Date()
            let stalled = try rig.call([(Self.consented, "fibre-promo")])
            let took = Date().timeIntervalSince(started)
            daemon.process.send(SIGCONT)
            #expect(stalled.map(\.status) == [503], "\(rig.diagnostics)")
            #expect(stalled.first?.warning.contains("timeout") == true)
            #expect(took < 3, "the stalled call took \(took) s")
            // The daemon now answers the stalled CHECK (an ALLOW) on a connection the hook closed:
            // the next calls get their own answers.
            let after = try rig.call([(Self.noConsent, ""), (Self.optedOut, ""), (Self.noConsent, "")])
            #expect(after.map(\.status) == [403, 403, 403], "\(rig.diagnostics)")
            #expect(after.map(\.reason) == ["no-consent", "internal-optout", "no-consent"].map { #"dialgate;cause=403;text="\#($0)""# })
            #expect(daemon.stop() == 0)
        }
    }

    @Test("the fifth call in 30 days to a consented number is refused 403 frequency-cap once the first four were reported")
    func theFifthCallIsRefusedOnceAttemptsAreReported() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let rig = try KamailioRig.start(daemon: daemon, defaultCampaign: "fibre-promo")
            defer { rig.stop() }
            let results = try rig.call(Array(repeating: (Self.consented, "fibre-promo"), count: 5))
            #expect(results.map(\.status) == [200, 200, 200, 200, 403], "\(rig.diagnostics)")
            #expect(results.last?.reason == #"dialgate;cause=403;text="frequency-cap""#)
            #expect(results.last?.dialgateClass == "later")
            #expect(results.last?.warning.contains("rule=C. consom. D223-9") == true)
            // When to call back, as the gate says it (next=, on daemons that give it): in X-Dialgate-Next.
            let denial = try daemon.ask("CHECK \(Self.consented) campaign=fibre-promo")
            #expect(denial.hasPrefix("DENY frequency-cap "))
            #expect(results.last?.next == (RunningDaemon.field("next", in: denial) ?? ""), "\(denial)")
            // Each answered call was reported under its reservation (its Call-ID and CSeq), once.
            let answered = results.prefix(4).map(\.key)
            let attempts = rig.eventuallyLedger { lines -> [String]? in
                let found = lines.filter { $0.hasPrefix("attempt\t") }
                return found.count >= 4 ? found : nil
            }
            #expect(attempts?.count == 4)
            for key in answered {
                #expect(attempts?.contains { $0.contains("\tanswered\t\(key)\t\(key)") } == true, "\(key): \(attempts ?? [])")
            }
            #expect(try rig.eventuallyNoPlaceOpen(), "\(rig.diagnostics)")
            #expect(RunningDaemon.field("attempts_30d", in: try daemon.ask("PLAN \(Self.consented) campaign=fibre-promo")) == "4")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("a busy callee's 486 is reported as an ATTEMPT with outcome busy")
    func aBusyCalleeIsReportedBusy() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let rig = try KamailioRig.start(daemon: daemon, callee: "callee-busy.xml", defaultCampaign: "fibre-promo")
            defer { rig.stop() }
            let results = try rig.call([(Self.consented, "fibre-promo")])
            #expect(results.map(\.status) == [486], "\(rig.diagnostics)")
            let key = try #require(results.first?.key)
            let attempt = rig.eventuallyLedger { $0.first { $0.hasPrefix("attempt\t") && $0.contains("\t\(key)\t") } }
            #expect(attempt?.contains("\tbusy\t") == true, "\(rig.diagnostics)")
            #expect(try rig.eventuallyNoPlaceOpen(), "\(rig.diagnostics)")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("an allowed INVITE that cannot be relayed is refused and its place RELEASEd")
    func anInviteThatCannotBeRelayedIsReleased() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            // The cfg disables TCP: a TCP trunk cannot be reached, t_relay fails at once.
            let rig = try KamailioRig.start(daemon: daemon, defaultCampaign: "fibre-promo", trunk: "sip:127.0.0.1:9;transport=tcp")
            defer { rig.stop() }
            let results = try rig.call([(Self.consented, "fibre-promo")])
            #expect(results.map(\.status) == [500], "\(rig.diagnostics)")
            let key = try #require(results.first?.key)
            let release = rig.eventuallyLedger { $0.first { $0.hasPrefix("release\t") && $0.contains("\t\(key)") } }
            #expect(release != nil, "\(rig.diagnostics)")
            #expect(try rig.eventuallyNoPlaceOpen(), "\(rig.diagnostics)")
            #expect(RunningDaemon.field("attempts_30d", in: try daemon.ask("PLAN \(Self.consented) campaign=fibre-promo")) == "0")
            #expect(daemon.stop() == 0)
        }
    }

    @Test("a trunk's 407 challenge frees the place (RELEASE): nothing rang, and the INVITE sent again with credentials is a new CSeq")
    func aChallengeReleasesThePlace() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let rig = try KamailioRig.start(daemon: daemon, callee: "callee-challenge.xml", defaultCampaign: "fibre-promo")
            defer { rig.stop() }
            let results = try rig.call([(Self.consented, "fibre-promo")])
            #expect(results.map(\.status) == [407], "\(rig.diagnostics)")
            let key = try #require(results.first?.key)
            let release = rig.eventuallyLedger { $0.first { $0.hasPrefix("release\t") && $0.contains("\t\(key)") } }
            #expect(release != nil, "\(rig.diagnostics)")
            #expect(try rig.eventuallyNoPlaceOpen(), "\(rig.diagnostics)")
            #expect(RunningDaemon.field("attempts_30d", in: try daemon.ask("PLAN \(Self.consented) campaign=fibre-promo")) == "0")
            #expect(daemon.stop() == 0)
        }
    }
}

/// One call as the SIPp caller saw it: its final status and the headers the proxy set.
struct SIPCallResult: CustomStringConvertible {
    var callID: String
    var status: Int
    var reason: String
    var warning: String
    var dialgateClass: String
    var next: String

    /// A line of caller.xml's log: `RESULT <call-id> <status> | <Reason> | <Warning> | <class> | <next>`.
    init?(logLine: String) {
        guard logLine.hasPrefix("RESULT ") else { return nil }
        let parts = logLine.dropFirst(7).components(separatedBy: " | ").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 5 else { return nil }
        let head = parts[0].split(separator: " ")
        guard head.count == 2, let status = Int(head[1]) else { return nil }
        (callID, self.status) = (String(head[0]), status)
        (reason, warning, dialgateClass, next) = (parts[1], parts[2], parts[3], parts[4])
    }

    /// The hook's key for the call: its Call-ID and CSeq (caller.xml's INVITEs are CSeq 1).
    var key: String { callID + "~1" }

    var description: String { "\(status) \(callID) [\(reason)] [\(warning)] [\(dialgateClass)] [\(next)]" }
}

/// A Kamailio running contrib/kamailio against a RunningDaemon, with a SIPp callee as its trunk,
/// in a scratch directory inside the daemon's. Stop it (`stop`, also on deinit) to end both.
final class KamailioRig: @unchecked Sendable {
    static let kamailio = "/usr/sbin/kamailio"
    static let sipp = "/usr/bin/sipp"
    static let contrib = RunningDaemon.packageRoot + "/contrib"
    static let decisionMessageID = "7dbdb7522ab04e17b01a291225d55ae5"

    /// The binaries and modules the rig needs that this machine lacks.
    static let missingTools: [String] = {
        var missing: [String] = []
        let fm = FileManager.default
        if !fm.isExecutableFile(atPath: kamailio) { missing.append("kamailio") }
        if !fm.isExecutableFile(atPath: sipp) { missing.append("sipp (sip-tester)") }
        if firstExisting("kamailio/modules/app_lua.so") == nil { missing.append("app_lua (kamailio-lua-modules)") }
        if firstExisting("lua/5.1/socket/unix.so") == nil { missing.append("socket.unix for Lua 5.1 (lua-socket)") }
        return missing
    }()

    /// `/usr/lib/<multiarch>/<path>` or `/usr/lib/<path>`, whichever exists.
    static func firstExisting(_ path: String) -> String? {
        let fm = FileManager.default
        let triples = (try? fm.contentsOfDirectory(atPath: "/usr/lib")) ?? []
        return (triples.map { "/usr/lib/\($0)/\(path)" } + ["/usr/lib/\(path)"]).first { fm.fileExists(atPath: $0) }
    }

    let daemon: RunningDaemon
    let directory: String
    let sipPort: UInt16
    let calleePort: UInt16
    let callerPort: UInt16
    private var kamailioProcess: ChildProcess?
    private var calleeProcess: ChildProcess?
    private var callerRuns = 0

    var kamailioLog: String { directory + "/kamailio.log" }
    var calleeLog: String { directory + "/callee.log" }

    /// A rig on ports free when chosen. Another process may take one of them between the
    /// choice and the bind (tests run side by side), which SIPp or Kamailio reports as
    /// "Address already in use": then the rig starts again on other ports, up to three times.
    static func start(
        daemon: RunningDaemon, callee scenario: String = "callee.xml", defaultCampaign: String,
        deadlineMilliseconds: Int = 5000, trunk: String? = nil
    ) throws -> KamailioRig {
        var attempt = 1
        while true {
            do {
                return try KamailioRig(
                    daemon: daemon, callee: scenario, defaultCampaign: defaultCampaign,
                    deadlineMilliseconds: deadlineMilliseconds, trunk: trunk)
            } catch let failure as Failure where attempt < 3 && "\(failure)".contains("Address already in use") {
                attempt += 1
            }
        }
    }

    private init(
        daemon: RunningDaemon, callee scenario: String, defaultCampaign: String, deadlineMilliseconds: Int, trunk: String?
    ) throws {
        self.daemon = daemon
        directory = daemon.directory + "/sip"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ports = try Self.freeUDPPorts(3)
        (sipPort, calleePort, callerPort) = (ports[0], ports[1], ports[2])

        calleeProcess = try ChildProcess(
            [
                Self.sipp, "-sf", Self.contrib + "/kamailio/sipp/" + scenario, "-i", "127.0.0.1", "-p", String(calleePort),
                "-nostdin", "-trace_err", "-error_file", directory + "/callee-errors.log",
            ], environment: ProcessInfo.processInfo.environment, outputPath: calleeLog)
        let kamailio = [
            Self.kamailio, "-DD", "-E", "-f", Self.contrib + "/kamailio/kamailio.cfg", "-Y", directory, "-m", "64", "-M", "8",
            "-A", "DIALGATE_LISTEN=udp:127.0.0.1:\(sipPort)",
            "-A", "DIALGATE_CHILDREN=4",
            "-A", #"DIALGATE_KEMI_SCRIPT="\#(Self.contrib)/kamailio/dialgate-kemi.lua""#,
            "-A", #"DIALGATE_LUA_DIR="\#(Self.contrib)/lua""#,
            "-A", #"DIALGATE_SOCKET="\#(daemon.socketPath)""#,
            "-A", #"DIALGATE_CAMPAIGN="\#(defaultCampaign)""#,
            "-A", "DIALGATE_DEADLINE_MS=\(deadlineMilliseconds)",
            "-A", #"DIALGATE_TRUNK="\#(trunk ?? "sip:127.0.0.1:\(calleePort)")""#,
            "-A", "DIALGATE_RING_TIMEOUT_MS=5000",
        ]
        do {
            kamailioProcess = try ChildProcess(kamailio, environment: ProcessInfo.processInfo.environment, outputPath: kamailioLog)
            try waitUntilReady()
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Kamailio answers an OPTIONS to itself (its Lua loaded), and the callee holds its port.
    private func waitUntilReady() throws {
        let ready = try eventually(within: 20, every: 0.1) { () throws -> Bool? in
            for (name, process) in [("kamailio", kamailioProcess), ("sipp callee", calleeProcess)] where process?.isRunning == false {
                throw Failure("\(name) exited: \(diagnostics)")
            }
            return Self.isBound(calleePort) && Self.answersOptions(port: sipPort) ? true : nil
        }
        guard ready != nil else { throw Failure("kamailio did not answer OPTIONS within 20 s: \(diagnostics)") }
    }

    /// Runs a SIPp caller placing these calls one after another (field1 empty: no X-Campaign
    /// value, so the default campaign); returns what became of each, in order.
    func call(_ calls: [(number: String, campaign: String)]) throws -> [SIPCallResult] {
        callerRuns += 1
        let csv = directory + "/calls-\(callerRuns).csv"
        let log = directory + "/caller-\(callerRuns).log"
        try (["SEQUENTIAL"] + calls.map { "\($0.number);\($0.campaign);" }).joined(separator: "\n").appending("\n")
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let (status, output) = try ChildProcess.run([
            Self.sipp, "127.0.0.1:\(sipPort)", "-sf", Self.contrib + "/kamailio/sipp/caller.xml", "-inf", csv,
            "-i", "127.0.0.1", "-p", String(callerPort), "-m", String(calls.count), "-l", "1", "-r", "50", "-nostdin",
            "-trace_logs", "-log_file", log, "-trace_err", "-error_file", directory + "/caller-\(callerRuns)-errors.log",
            "-recv_timeout", "8000", "-timeout", "30", "-timeout_error",
        ])
        let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
        let results = lines.compactMap { SIPCallResult(logLine: String($0)) }
        if status != 0 || results.count != calls.count {
            let errors = (try? String(contentsOfFile: directory + "/caller-\(callerRuns)-errors.log", encoding: .utf8)) ?? ""
            Issue.record("sipp caller exited \(status) with \(results.count) of \(calls.count) calls: \(errors.suffix(2000)) \(output.suffix(1500))")
        }
        return results
    }

    /// The daemon's ledger records (kind and fields, without sequence number and CRC), polled
    /// until `find` returns something: reports are sent without holding the call.
    func eventuallyLedger<T>(_ find: ([String]) -> T?) -> T? {
        eventually(within: 10, every: 0.05) {
            let text = (try? String(contentsOfFile: daemon.statePath + "/ledger.log", encoding: .utf8)) ?? ""
            let records = text.split(separator: "\n").map { line in
                line.split(separator: "\t", omittingEmptySubsequences: false).dropFirst(2).joined(separator: "\t")
            }
            return find(records)
        }
    }

    /// Whether STATS comes to show no place taken and unreported (the ledger file shows a
    /// record a moment before the daemon's memory does).
    func eventuallyNoPlaceOpen() throws -> Bool {
        try eventually(within: 10, every: 0.05) {
            RunningDaemon.field("ledger_reservations_open", in: try daemon.ask("STATS")) == "0"
        }
    }

    /// Ends Kamailio (SIGTERM, then SIGKILL after 5 s) and the callee.
    func stop() {
        for process in [kamailioProcess, calleeProcess].compactMap({ $0 }) {
            process.send(SIGTERM)
            if eventually(within: 5, every: 0.05, { !process.isRunning }) == false { process.send(SIGKILL) }
            process.wait()
        }
        kamailioProcess = nil
        calleeProcess = nil
    }

    /// The tails of the logs, for a failure's message.
    var diagnostics: String {
        func tail(_ path: String) -> String {
            String(((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").suffix(3000))
        }
        return "\n--- kamailio.log\n\(tail(kamailioLog))\n--- callee.log\n\(tail(calleeLog))\n--- daemon\n\(daemon.stderr.suffix(1500))"
    }

    // MARK: UDP on loopback

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func bind(_ fd: Int32, port: UInt16) -> Bool {
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func boundPort(_ fd: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// `count` distinct UDP ports free on 127.0.0.1 (held together while chosen).
    static func freeUDPPorts(_ count: Int) throws -> [UInt16] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [UInt16] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0, bind(fd, port: 0) else { throw Failure("cannot bind a UDP socket: errno \(errno)") }
            sockets.append(fd)
            ports.append(boundPort(fd))
        }
        return ports
    }

    /// Whether some process holds this UDP port on 127.0.0.1.
    static func isBound(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        return !bind(fd, port: port) && errno == EADDRINUSE
    }

    /// Sends an OPTIONS to the proxy itself and waits 200 ms for its 200 OK.
    static func answersOptions(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        guard bind(fd, port: 0) else { return false }
        let local = boundPort(fd)
        let tag = UInt32.random(in: 0...UInt32.max)
        let message = [
            "OPTIONS sip:127.0.0.1:\(port) SIP/2.0", "Via: SIP/2.0/UDP 127.0.0.1:\(local);branch=z9hG4bK-probe-\(tag)",
            "From: <sip:probe@127.0.0.1:\(local)>;tag=\(tag)", "To: <sip:127.0.0.1:\(port)>", "Call-ID: probe-\(tag)@127.0.0.1",
            "CSeq: 1 OPTIONS", "Max-Forwards: 70", "Content-Length: 0", "", "",
        ].joined(separator: "\r\n")
        var address = loopback(port: port)
        let sent = message.withCString { text in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, text, strlen(text), 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard sent > 0 else { return false }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 200) == 1 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 && String(decoding: buffer[0..<n], as: UTF8.self).hasPrefix("SIP/2.0 200")
    }
}
