import DialGateCore
import DialGateLedger
import DialGateProtocol
import DialGateServer
import Foundation
import NIOCore

/// The gate: answers each request from the current serving state, the ledger and the policy,
/// and writes every decision to the audit trail before the answer is sent. Whatever keeps it
/// from a sound decision (no lists, a ledger that cannot record, a journal that does not take
/// the entry) is a DENY naming the cause.
///
/// Each command needs a role (`[access]`), checked against the peer's kernel credentials
/// before anything else: a refused command changes nothing and is journaled.
public final class Gate: RequestResponder {
    public static let version = "0.2.0"
    public static let protocolVersion = "2"

    /// How far a CHECK's `at=` (the client's clock) or a write's date may be from the gate's
    /// clock before it is refused as `clock-skew` (Protocol.md).
    public static let defaultClockTolerance: TimeInterval = 30

    private let store: StateStore
    private let ledger: Ledger?
    private let audit: AuditTrail
    private let statistics: Statistics
    private let reloader: Reloader?
    private let clock: @Sendable () -> Date
    private let clockTolerance: TimeInterval
    private let statisticsHooks: [@Sendable () -> [Fact]]

    /// - Parameters:
    ///   - reloader: serves RELOAD; nil where nothing reloads (in-process tests).
    ///   - statisticsHooks: more STATS facts from other parts of the daemon.
    public init(
        store: StateStore, ledger: Ledger?, audit: AuditTrail, statistics: Statistics, reloader: Reloader?,
        clock: @escaping @Sendable () -> Date = { Date() }, clockTolerance: TimeInterval = Gate.defaultClockTolerance,
        statisticsHooks: [@Sendable () -> [Fact]] = []
    ) {
        self.store = store
        self.ledger = ledger
        self.audit = audit
        self.statistics = statistics
        self.reloader = reloader
        self.clock = clock
        self.clockTolerance = clockTolerance
        self.statisticsHooks = statisticsHooks
    }

    public func respond(to request: Request, from peer: PeerCredentials?, on eventLoop: EventLoop) -> Answer {
        let state = store.current
        let verb = request.command.verb
        if let role = verb.role, !state.access.allows(role, to: peer) {
            return forbidden(verb, role: role, id: request.id, peer: peer, state: state, on: eventLoop)
        }
        switch request.command {
        case .check(let check):
            let now = clock()
            if let at = check.at, abs(at.timeIntervalSince(now)) > clockTolerance {
                return .now(
                    .error(
                        ProtocolError(
                            .clockSkew,
                            "at=\(ISOInstant.format(at)) is \(Self.span(at.timeIntervalSince(now))) from the gate's clock "
                                + "\(ISOInstant.format(now)); a CHECK is about now (tolerance \(Int(clockTolerance)) s): "
                                + "fix the client's clock, or use PLAN to ask about another instant",
                            id: request.id)))
            }
            return decide(check, at: now, clientAt: check.at, planned: false, id: request.id, peer: peer, state: state, on: eventLoop)
        case .plan(let check):
            return decide(
                check, at: check.at ?? clock(), clientAt: nil, planned: true, id: request.id, peer: peer, state: state,
                on: eventLoop)
        case .attempt(let outcome), .refusal(let outcome):
            return recordOutcome(outcome, request: request, peer: peer, state: state, on: eventLoop)
        case .optOut(_, _, let at), .revoke(_, _, _, let at):
            return record(request, at: at, field: "at", peer: peer, on: eventLoop)
        case .consent(_, _, _, _, let givenAt):
            return record(request, at: givenAt, field: "given-at", peer: peer, on: eventLoop)
        case .ping:
            return .now(Response(["PONG"], id: request.id))
        case .version:
            return .now(
                Response(
                    ["VERSION", "dialgate/\(Self.version)"], id: request.id,
                    fields: [
                        Fact("protocol", Self.protocolVersion), Fact("commands", Request.verbs.joined(separator: ",")),
                    ]))
        case .stats:
            return .now(Response(["STATS"], id: request.id, fields: stats(state)))
        case .reload:
            guard let reloader else {
                return .now(.error(ProtocolError(.reloadFailed, "nothing to reload in this gate", id: request.id)))
            }
            let promise = eventLoop.makePromise(of: Response.self)
            promise.completeWithTask {
                let outcome = await reloader.reload(trigger: "command")
                switch outcome {
                case .success(let facts): return .ok(id: request.id, facts)
                case .failure(let problem):
                    return .error(ProtocolError(.reloadFailed, problem, id: request.id))
                }
            }
            return .later(promise.futureResult)
        case .quit:
            return .now(Response(["BYE"], id: request.id, closesConnection: true))
        }
    }

    // MARK: Decisions

    /// Decides one CHECK (for now) or PLAN (for `at`) and journals it; the answer waits for
    /// the journal to take the entry and carries its sequence number, so a dialer can cite it.
    private func decide(
        _ check: Command.Check, at: Date, clientAt: Date?, planned: Bool, id: String?, peer: PeerCredentials?,
        state: ServingState, on eventLoop: EventLoop
    ) -> Answer {
        let decision: Decision
        var number: PhoneNumber?
        var numberError: String?
        switch check.number {
        case .failure(let error):
            decision = Policy.invalidNumber(error)
            numberError = error.description
        case .success(let parsed):
            number = parsed
            decision = decide(parsed, check: check, at: at, state: state)
        }
        let context = AuditTrail.Context(
            campaign: check.campaign, number: number, numberError: numberError, requestID: id, peer: peer, at: at,
            dryRun: planned, clientAt: clientAt, snapshot: state.lists?.id ?? "none", listsAsOf: state.listsAsOf)
        let numberFact = number.map { [Fact("number", $0.description)] } ?? []
        let statistics = self.statistics
        let answer = audit.record(decision, context, on: eventLoop).map { seq -> Response in
            if !planned { statistics.count(decision.verdict) }
            return .decision(decision, id: id, planned: planned, extra: [Fact("seq", String(seq))] + numberFact)
        }.recover { error -> Response in
            let denied = Policy.auditUnavailable("\(error)")
            if !planned { statistics.count(denied.verdict) }
            return .decision(denied, id: id, planned: planned, extra: numberFact)
        }
        return .inTurn(answer)
    }

    private func decide(_ number: PhoneNumber, check: Command.Check, at: Date, state: ServingState) -> Decision {
        guard let lists = state.lists else {
            return Policy.listsUnavailable(state.listsProblem ?? "not loaded")
        }
        guard let ledger else {
            return Policy.ledgerUnavailable("the ledger could not be opened")
        }
        if let failure = ledger.failure {
            return Policy.ledgerUnavailable(failure)
        }
        let facts = CallFacts(lists: lists.facts(for: number), ledger: ledger.facts(for: number))
        return state.policy.decide(number: number, campaignID: check.campaign, channel: check.channel, facts: facts, at: at)
    }

    // MARK: Writes

    /// ATTEMPT and REFUSAL: also checks that the campaign exists and that the date falls
    /// within the longest window a rule counts back, since a record outside it could only be
    /// a typo or a wrong clock.
    private func recordOutcome(
        _ outcome: Command.CallOutcome, request: Request, peer: PeerCredentials?, state: ServingState, on eventLoop: EventLoop
    ) -> Answer {
        let id = request.id
        guard state.configuration.campaign(id: outcome.campaign) != nil else {
            return .now(
                .error(
                    ProtocolError(
                        .unknownCampaign, "campaign '\(outcome.campaign)' is not declared in the configuration; nothing recorded",
                        id: id)))
        }
        if let at = outcome.at {
            let policy = state.configuration.policy
            let windowDays = max(policy.attemptWindowDays, policy.refusalQuietDays + 1)
            let oldest = clock().addingTimeInterval(-Double(windowDays) * 86_400)
            if at < oldest {
                return .now(
                    .error(
                        ProtocolError(
                            .clockSkew,
                            "at=\(ISOInstant.format(at)) is before \(ISOInstant.format(oldest)), older than any rule's window "
                                + "(\(windowDays) days): nothing recorded",
                            id: id)))
            }
        }
        return record(request, at: outcome.at, field: "at", peer: peer, on: eventLoop)
    }

    /// Records a write durably, then journals it; `OK` only once the ledger has it on disk.
    /// A date in the future beyond the clock tolerance is refused: nothing a client reports
    /// has happened yet.
    private func record(
        _ request: Request, at: Date?, field: String, peer: PeerCredentials?, on eventLoop: EventLoop
    ) -> Answer {
        let id = request.id
        let now = clock()
        if let at, at.timeIntervalSince(now) > clockTolerance {
            return .now(
                .error(
                    ProtocolError(
                        .clockSkew,
                        "\(field)=\(ISOInstant.format(at)) is \(Self.span(at.timeIntervalSince(now))) in the future of the gate's "
                            + "clock (tolerance \(Int(clockTolerance)) s): nothing recorded",
                        id: id)))
        }
        guard let ledger else {
            return .now(.error(ProtocolError(.ledgerUnavailable, "the ledger could not be opened; nothing recorded", id: id)))
        }
        guard let (record, event) = LedgerRecord.recording(request.command, now: now) else {
            preconditionFailure("record(_:) is called for write commands only")
        }
        let promise = eventLoop.makePromise(of: Response.self)
        promise.completeWithTask { [audit, statistics] in
            let ledgerSeq: UInt64
            do {
                ledgerSeq = try await ledger.append(record)
            } catch {
                return .error(ProtocolError(.ledgerUnavailable, "not recorded: \(error)", id: id))
            }
            statistics.countLedgerWrite()
            let number = record.number
            var fields = [Fact("recorded", event), Fact("number", number.description)]
            // Recorded is recorded: the ledger is the durable record. The journal entry is its
            // numbered echo; if it is missing, the answer says so instead of pretending.
            let seq = try? await audit.recordEvent(
                event, number: number, ledgerSeq: ledgerSeq, requestID: id, peer: peer, on: eventLoop
            ).get()
            fields.append(seq.map { Fact("seq", String($0)) } ?? Fact("audit", "unavailable"))
            return .ok(id: id, fields)
        }
        return .later(promise.futureResult)
    }

    // MARK: Access

    private func forbidden(
        _ verb: Command.Verb, role: AccessSettings.Role, id: String?, peer: PeerCredentials?, state: ServingState,
        on eventLoop: EventLoop
    ) -> Answer {
        let held = state.access.roles(of: peer).sorted().map(\.rawValue)
        let who = peer.map { "uid \($0.uid) gid \($0.gid)" } ?? "a peer whose credentials are unknown"
        let error = ProtocolError(
            .forbidden,
            "\(verb.rawValue) needs the \(role.rawValue) role; \(who) holds \(held.isEmpty ? "none" : held.joined(separator: ", ")) "
                + "(see [access] in the configuration); nothing changed",
            id: id)
        let answer = audit.recordForbidden(
            command: verb.rawValue, role: role.rawValue, requestID: id, peer: peer, on: eventLoop
        ).map { _ in Response.error(error) }.recover { _ in Response.error(error) }
        return .inTurn(answer)
    }

    // MARK: STATS

    private func stats(_ state: ServingState) -> [Fact] {
        var facts = statistics.facts
        facts.append(Fact("audit_seq", String(audit.lastSequence)))
        facts.append(Fact("audit_run", audit.run))
        if let lists = state.lists {
            facts += lists.statisticsFacts
        } else {
            facts.append(Fact("snapshot", "none"))
            facts.append(Fact("lists_problem", state.listsProblem ?? "not loaded"))
        }
        facts.append(Fact("campaigns", String(state.configuration.campaigns.count)))
        if let ledger { facts += ledger.statisticsFacts } else { facts.append(Fact("ledger", "unavailable")) }
        for hook in statisticsHooks { facts += hook() }
        return facts
    }

    /// `3 h 05 min`, `42 s`: how far apart two clocks are, for error messages.
    static func span(_ seconds: TimeInterval) -> String {
        let total = Int(abs(seconds).rounded())
        if total < 120 { return "\(total) s" }
        if total < 7200 { return "\(total / 60) min" }
        if total < 2 * 86_400 { return "\(total / 3600) h \(total % 3600 / 60) min" }
        return "\(total / 86_400) days"
    }
}
