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
    public static let version = Release.version
    public static let protocolVersion = Release.protocolVersion

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
    private let reservations = Reservations()

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
            return decide(check, at: now, clientAt: check.at, planned: false, request: request, peer: peer, state: state, on: eventLoop)
        case .plan(let check):
            return decide(
                check, at: check.at ?? clock(), clientAt: nil, planned: true, request: request, peer: peer, state: state,
                on: eventLoop)
        case .attempt(let outcome), .refusal(let outcome):
            return recordOutcome(outcome, request: request, peer: peer, state: state, on: eventLoop)
        case .optOut(_, _, let at), .revoke(_, _, _, let at):
            return record(request, at: at, field: "at", peer: peer, on: eventLoop)
        case .consent(_, _, _, _, let givenAt):
            return record(request, at: givenAt, field: "given-at", peer: peer, on: eventLoop)
        case .release(let number, let token):
            return release(number, token: token, request: request, peer: peer, on: eventLoop)
        case .ping:
            return .now(Response(["PONG"], id: request.id, class: .done))
        case .version:
            return .now(
                Response(
                    ["VERSION", "dialgate/\(Self.version)"], id: request.id, class: .done,
                    fields: [
                        Fact("protocol", Self.protocolVersion), Fact("commands", Request.verbs.joined(separator: ",")),
                    ]))
        case .stats:
            return .now(Response(["STATS"], id: request.id, class: .done, fields: stats(state)))
        case .reload:
            guard let reloader else {
                return .now(.error(ProtocolError(.reloadFailed, "nothing to reload in this gate", id: request.id)))
            }
            let promise = eventLoop.makePromise(of: Response.self)
            promise.completeWithTask {
                let outcome = await reloader.reload(trigger: "command")
                switch outcome {
                case .success(let facts): return .ok("reload", id: request.id, facts)
                case .failure(let problem):
                    return .error(ProtocolError(.reloadFailed, problem, id: request.id))
                }
            }
            return .later(promise.futureResult)
        case .quit:
            return .now(Response(["BYE"], id: request.id, class: .done, closesConnection: true))
        }
    }

    // MARK: Decisions

    /// Decides one CHECK (for now) or PLAN (for `at`) and journals it; the answer waits for
    /// the journal to take the entry and carries its sequence number, so a dialer can cite it.
    ///
    /// A live ALLOW for a capped call first takes a place under the cap (a reservation,
    /// made durable in the ledger before the ALLOW is journaled or sent), so that calls in
    /// flight count: see ``Reservations``. Whatever keeps the ALLOW from being given in
    /// time (the reservation not recorded, the journal not taking the entry, the client's
    /// deadline passed) makes it a DENY naming the cause, and frees the place.
    private func decide(
        _ check: Command.Check, at: Date, clientAt: Date?, planned: Bool, request: Request, peer: PeerCredentials?,
        state: ServingState, on eventLoop: EventLoop
    ) -> Answer {
        let id = request.id
        let received = NIODeadline.now()
        var decision: Decision
        var number: PhoneNumber?
        var numberError: String?
        var place: Place?
        switch check.number {
        case .failure(let error):
            decision = Policy.invalidNumber(error)
            numberError = error.description
        case .success(let parsed):
            number = parsed
            if !planned, let key = request.key, let ledger, let conflict = Self.keyConflict(key, for: parsed, in: ledger) {
                return .now(.error(ProtocolError(.keyConflict, conflict + "; nothing decided", id: id)))
            }
            (decision, place) = decide(parsed, check: check, at: at, reserveUnder: planned ? nil : request, state: state)
        }
        var context = AuditTrail.Context(
            campaign: check.campaign, number: number, numberError: numberError, requestID: id, peer: peer, at: at,
            dryRun: planned, clientAt: clientAt, snapshot: state.lists?.id ?? "none", listsAsOf: state.listsAsOf)
        context.deadlineMilliseconds = check.deadlineMilliseconds
        let deadline = check.deadlineMilliseconds.map { received + .milliseconds(Int64($0)) }
        guard let place, let number, let ledger else {
            return .inTurn(journal(decision, context, planned: planned, deadline: deadline, received: received, on: eventLoop))
        }
        guard place.isNew else {
            // A CHECK repeated under its key keeps the place it took the first time.
            context.reservation = place.token
            return .inTurn(
                journal(decision, context, planned: false, deadline: deadline, received: received, on: eventLoop))
        }
        let recorded = eventLoop.makePromise(of: Void.self)
        let reservations = self.reservations
        ledger.append(.reservation(number: number, campaign: check.campaign, at: at, token: place.token), key: nil) {
            result in
            reservations.settle(place.token, for: number)
            recorded.completeWith(result.map { _ in () }.mapError { $0 as any Error })
        }
        let unreserved = context
        let allowed = decision
        let answer = recorded.futureResult.flatMap { [self] () -> EventLoopFuture<Response> in
            var reserved = unreserved
            reserved.reservation = place.token
            return journal(
                allowed, reserved, planned: false, deadline: deadline, received: received, freeing: (place.token, number),
                on: eventLoop)
        }.flatMapError { [self] error -> EventLoopFuture<Response> in
            journal(
                Policy.ledgerUnavailable("the call's place under the cap was not recorded: \(error)"), unreserved,
                planned: false, deadline: deadline, received: received, on: eventLoop)
        }
        return .inTurn(answer)
    }

    /// Why a CHECK's `key=` cannot name its reservation: the key names another number's, or
    /// one already reported or freed (a key names one call).
    private static func keyConflict(_ key: String, for number: PhoneNumber, in ledger: Ledger) -> String? {
        if let holder = ledger.number(writtenUnder: key, type: "reserve"), holder != number {
            return "key '\(key)' already names the reservation of another number"
        }
        if let own = ledger.facts(for: number).reservation(key), own.status != .open {
            return "key '\(key)' names a reservation already \(own.status.rawValue): use a new key per call"
        }
        return nil
    }

    /// A place under the cap a decision took (`isNew`) or kept (a CHECK repeated under its key).
    private struct Place {
        var token: String
        var isNew: Bool
    }

    /// The policy's decision from the serving lists and the ledger. For a live CHECK
    /// (`reserveUnder` its request), counting the places still on their way to disk and taking
    /// one for an allowed capped call, in one step per number.
    private func decide(
        _ number: PhoneNumber, check: Command.Check, at: Date, reserveUnder request: Request?, state: ServingState
    ) -> (Decision, Place?) {
        guard let lists = state.lists else {
            return (Policy.listsUnavailable(state.listsProblem ?? "not loaded"), nil)
        }
        guard let ledger else {
            return (Policy.ledgerUnavailable("the ledger could not be opened"), nil)
        }
        if let failure = ledger.failure {
            return (Policy.ledgerUnavailable(failure), nil)
        }
        let listFacts = lists.facts(for: number)
        guard let request else {
            let facts = CallFacts(lists: listFacts, ledger: ledger.facts(for: number))
            return (state.policy.decide(number: number, campaignID: check.campaign, channel: check.channel, facts: facts, at: at), nil)
        }
        return reservations.serialised(number) { pending in
            let recorded = ledger.facts(for: number)
            let own = request.key.flatMap { recorded.reservation($0) }
            let facts = CallFacts(lists: listFacts, ledger: recorded.including(pending, excluding: own?.token))
            let decision = state.policy.decide(
                number: number, campaignID: check.campaign, channel: check.channel, facts: facts, at: at)
            guard decision.countsTowardCap else { return (decision, nil) }
            if let own {
                // The key's place was taken by an earlier CHECK: kept if still open, never taken twice.
                guard own.status == .open else {
                    return (
                        Policy.ledgerUnavailable(
                            "key '\(own.token)' names a reservation already \(own.status.rawValue); use a new key per call"),
                        nil
                    )
                }
                return (decision, Place(token: own.token, isNew: false))
            }
            let token = request.key ?? Self.newToken()
            pending.append(CallReservation(token: token, campaign: check.campaign, at: at))
            return (decision, Place(token: token, isNew: true))
        }
    }

    /// A reservation token the client did not choose: 16 hex digits, random.
    private static func newToken() -> String {
        "r" + Hex.lowercase(UInt64.random(in: .min ... .max))
    }

    /// Journals `decision` and answers it, once the journal took the entry. Past the client's
    /// deadline, the decision journaled and answered is `deadline-exceeded` instead; when the
    /// journal fails it is `audit-unavailable`; either way a place taken is freed.
    private func journal(
        _ decision: Decision, _ context: AuditTrail.Context, planned: Bool, deadline: NIODeadline?, received: NIODeadline,
        freeing place: (token: String, number: PhoneNumber)? = nil, on eventLoop: EventLoop
    ) -> EventLoopFuture<Response> {
        var decision = decision
        var context = context
        let now = NIODeadline.now()
        var remaining: Duration?
        if let deadline, let milliseconds = context.deadlineMilliseconds {
            if now >= deadline {
                decision = Policy.deadlineExceeded(
                    waited: Int((now - received).nanoseconds / 1_000_000), deadline: milliseconds)
            } else {
                remaining = .nanoseconds((deadline - now).nanoseconds)
            }
        }
        if decision.verdict == .deny, let place {
            free(place, because: "its ALLOW was not given: \(decision.reason.rawValue)", on: eventLoop)
            context.reservation = nil
        }
        let given = context.reservation
        let decided = decision
        let number = context.number
        let id = context.requestID
        let statistics = self.statistics
        // One promise for the answer, completed from the journal's result (rather than a
        // `map` and a `recover`, a future each): this runs for every decision.
        let answer = eventLoop.makePromise(of: Response.self)
        audit.record(decided, context, on: eventLoop, deadline: remaining) { [self] result in
            switch result {
            case .success(let seq):
                if !planned { statistics.count(decided.verdict) }
                answer.succeed(
                    .decision(decided, id: id, planned: planned, extraCount: 3) { extra in
                        extra.append(Fact("seq", String(seq)))
                        if let number { extra.append(Fact("number", number.description)) }
                        if let given { extra.append(Fact("reservation", given)) }
                    })
            case .failure(let error):
                if decided.verdict == .allow, let place {
                    free(place, because: "its ALLOW was not journaled", on: eventLoop)
                }
                let denied = Policy.auditUnavailable("\(error)")
                if !planned { statistics.count(denied.verdict) }
                answer.succeed(
                    .decision(denied, id: id, planned: planned, extraCount: 1) { extra in
                        if let number { extra.append(Fact("number", number.description)) }
                    })
            }
        }
        return answer.futureResult
    }

    /// Frees a place whose ALLOW was not given, and journals why. Best effort: a place that
    /// cannot be freed stays counted, one call too many, the safe error.
    private func free(_ place: (token: String, number: PhoneNumber), because why: String, on eventLoop: EventLoop) {
        guard let ledger else { return }
        let audit = self.audit
        ledger.append(.release(number: place.number, token: place.token, at: clock()), key: nil) { result in
            guard case .success(let receipt) = result else { return }
            _ = audit.recordEvent(
                "release", number: place.number, ledgerSeq: receipt.seq, requestID: nil, peer: nil,
                reservation: place.token, note: why, on: eventLoop)
        }
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
        if let token = outcome.reservation, let ledger, ledger.facts(for: outcome.number).reservation(token) == nil {
            return .now(.error(ProtocolError(.unknownReservation, Self.noReservation(token, outcome.number), id: id)))
        }
        return record(request, at: outcome.at, field: "at", reservation: outcome.reservation, peer: peer, on: eventLoop)
    }

    /// RELEASE: frees the place of a call that was not placed, while the hold lasts.
    private func release(_ number: PhoneNumber, token: String, request: Request, peer: PeerCredentials?, on eventLoop: EventLoop)
        -> Answer
    {
        if let ledger {
            guard let reservation = ledger.facts(for: number).reservation(token) else {
                return .now(.error(ProtocolError(.unknownReservation, Self.noReservation(token, number), id: request.id)))
            }
            // A released one goes on: the ledger answers the repeat with the first release.
            if reservation.status == .completed || (reservation.status == .open && !reservation.mayBeReleased(at: clock())) {
                let why =
                    reservation.status == .completed
                    ? "an ATTEMPT reported its call"
                    : "it is older than the \(Int(CallReservation.hold / 60)) min hold, so it counts as an attempt for good"
                return .now(
                    .error(
                        ProtocolError(.reservationSettled, "reservation '\(token)' cannot be freed: \(why); nothing recorded", id: request.id)))
            }
        }
        return record(request, at: nil, field: "at", reservation: token, peer: peer, on: eventLoop)
    }

    private static func noReservation(_ token: String, _ number: PhoneNumber) -> String {
        "no reservation '\(token)' for \(number) (a reservation is the `reservation=` of a CHECK's ALLOW); nothing recorded"
    }

    /// Records a write durably, then journals it; `OK` only once the ledger has it on disk.
    /// A date in the future beyond the clock tolerance is refused: nothing a client reports
    /// has happened yet. A repeat of a keyed write records nothing and is answered with the
    /// first write's ledger sequence number, `duplicate=1`.
    ///
    /// The write is handed to the ledger here, synchronously, so that a connection's pipelined
    /// writes reach the ledger in request order and share its fdatasync.
    private func record(
        _ request: Request, at: Date?, field: String, reservation: String? = nil, peer: PeerCredentials?,
        on eventLoop: EventLoop
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
        let key = request.key
        ledger.append(record, key: key) { [audit, statistics] result in
            let receipt: LedgerReceipt
            switch result {
            case .success(let value):
                receipt = value
            case .failure(.keyReused(let key, let seq, _)):
                promise.succeed(
                    .error(
                        ProtocolError(
                            .keyConflict,
                            "key '\(key)' already names the \(event) at ledger seq \(seq), about another number; nothing recorded",
                            id: id)))
                return
            case .failure(let error):
                promise.succeed(.error(ProtocolError(.ledgerUnavailable, "not recorded: \(error)", id: id)))
                return
            }
            var fields = [Fact("number", record.number.description), Fact("ledger_seq", String(receipt.seq))]
            if let key { fields.append(Fact("key", key)) }
            if let reservation { fields.append(Fact("reservation", reservation)) }
            guard !receipt.duplicate else {
                // Recorded once already: nothing new to journal.
                fields.append(Fact("duplicate", "1"))
                promise.succeed(.ok(event, id: id, fields))
                return
            }
            statistics.countLedgerWrite()
            // Recorded is recorded: the ledger is the durable record. The journal entry is its
            // numbered echo; if it is missing, the answer says so instead of pretending.
            audit.recordEvent(
                event, number: record.number, ledgerSeq: receipt.seq, requestID: id, peer: peer, reservation: reservation,
                key: key, on: eventLoop
            ).whenComplete { [fields] journaled in
                switch journaled {
                case .success(let seq): promise.succeed(.ok(event, id: id, fields + [Fact("seq", String(seq))]))
                case .failure: promise.succeed(.ok(event, id: id, fields + [Fact("audit", "unavailable")]))
                }
            }
        }
        return .write(promise.futureResult)
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
