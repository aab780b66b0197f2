import DialGateCore
import DialGateProtocol
import Foundation
import NIOCore

/// The gate: answers each request from the current serving state, the ledger and the policy,
/// and writes every decision to the audit trail before the answer is sent. Whatever keeps it
/// from a sound decision (no lists, no ledger, no journal) is a DENY naming the cause.
public final class Gate: RequestResponder {
    public static let version = "0.1.0"
    public static let protocolVersion = "1"

    private let store: StateStore
    private let ledger: Ledger?
    private let audit: AuditTrail
    private let statistics: Statistics
    private let reloader: Reloader
    private let clock: @Sendable () -> Date

    public init(
        store: StateStore, ledger: Ledger?, audit: AuditTrail, statistics: Statistics, reloader: Reloader,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.ledger = ledger
        self.audit = audit
        self.statistics = statistics
        self.reloader = reloader
        self.clock = clock
    }

    public func respond(to request: Request, from peer: PeerCredentials?, on eventLoop: EventLoop) -> Answer {
        switch request.command {
        case .check(let check):
            return .now(decide(check, id: request.id, peer: peer))
        case .attempt(let outcome):
            return record(
                .attempt(number: outcome.number, campaign: outcome.campaign, at: outcome.at ?? clock()),
                event: "attempt", id: request.id, peer: peer, on: eventLoop)
        case .refusal(let outcome):
            return record(
                .refusal(number: outcome.number, campaign: outcome.campaign, at: outcome.at ?? clock()),
                event: "refusal", id: request.id, peer: peer, on: eventLoop)
        case .optOut(let number, let source, let at):
            return record(
                .optOut(number: number, at: at ?? clock(), source: source), event: "optout", id: request.id,
                peer: peer, on: eventLoop)
        case .consent(let number, let consent):
            return record(.consent(number: number, consent), event: "consent", id: request.id, peer: peer, on: eventLoop)
        case .revoke(let number, let kind, let scope, let at):
            return record(
                .consentRevoked(number: number, scope: scope, kind: kind, at: at ?? clock()), event: "revoke",
                id: request.id, peer: peer, on: eventLoop)
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
            return .now(Response(["STATS"], id: request.id, fields: stats()))
        case .reload:
            let promise = eventLoop.makePromise(of: Response.self)
            promise.completeWithTask { [reloader] in
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

    /// Decides one CHECK and writes it to the journal; the answer carries the audit sequence
    /// number so that a dialer can cite the entry.
    func decide(_ check: Command.Check, id: String?, peer: PeerCredentials?) -> Response {
        let state = store.current
        let now = clock()
        let at = check.at ?? now
        var decision: Decision
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
            dryRun: check.at != nil, snapshot: state.lists?.id ?? "none", listsAsOf: state.listsAsOf)
        var extra: [Fact] = []
        do {
            let seq = try audit.record(decision, context)
            extra.append(Fact("seq", String(seq)))
        } catch {
            decision = Decision(.auditUnavailable, rule: "C. consom. L223-1 (proof of compliance)", facts: [Fact("error", "\(error)")])
        }
        statistics.count(decision.verdict)
        if let number { extra.append(Fact("number", number.description)) }
        return .decision(decision, id: id, extra: extra)
    }

    private func decide(_ number: PhoneNumber, check: Command.Check, at: Date, state: ServingState) -> Decision {
        guard let lists = state.lists else {
            return Decision(
                .listsUnavailable, rule: "fail closed: no list snapshot loaded",
                facts: [Fact("problem", state.listsProblem ?? "not loaded")])
        }
        guard let ledger else {
            return Decision(.ledgerUnavailable, rule: "fail closed: the ledger could not be opened")
        }
        var facts = lists.facts(for: number)
        let recorded = ledger.facts(for: number)
        if facts.internalOptOut == nil, let since = recorded.internalOptOut {
            facts.internalOptOut = "ledger:\(recorded.internalOptOutSource ?? "dialer")@\(ISOInstant.format(since))"
        }
        facts.consents += recorded.consents
        facts.revocations = recorded.revocations
        facts.attempts = recorded.attempts
        facts.refusals = recorded.refusals
        return state.policy.decide(number: number, campaignID: check.campaign, channel: check.channel, facts: facts, at: at)
    }

    private func record(
        _ record: LedgerRecord, event: String, id: String?, peer: PeerCredentials?, on eventLoop: EventLoop
    ) -> Answer {
        guard let ledger else {
            return .now(.error(ProtocolError(.ledgerUnavailable, "the ledger could not be opened; nothing recorded", id: id)))
        }
        let promise = eventLoop.makePromise(of: Response.self)
        promise.completeWithTask { [audit, statistics] in
            do {
                try await ledger.append(record)
            } catch {
                statistics.countError()
                return .error(ProtocolError(.ledgerUnavailable, "not recorded: \(error)", id: id))
            }
            statistics.countLedgerWrite()
            let number = record.number
            audit.recordEvent(event, number: number, fields: [], requestID: id, peer: peer)
            return .ok(id: id, [Fact("recorded", event), Fact("number", number.description)])
        }
        return .later(promise.futureResult)
    }

    private func stats() -> [Fact] {
        let state = store.current
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
        return facts
    }
}
