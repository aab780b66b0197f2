import DialGateAudit
import DialGateCore
import DialGateProtocol
import DialGateServer
import DialGateSystemd
import Foundation
import NIOCore

/// The journal record of every decision, written before the answer leaves the daemon.
///
/// Numbers are written as a keyed pseudonym (HMAC-SHA-256 under a key kept in the state
/// directory) unless configured otherwise, so that the journal minimises personal data while
/// an auditor holding the key can still find every entry about one number. Every entry
/// (decisions, ledger events, refused requests) carries a sequence number that counts up by
/// one for the life of the process, with a random run id: a missing entry shows as a gap.
///
/// Text that comes from clients, lists or the configuration (campaign, request id, rule,
/// facts) is written in its visible form (`Response.visible`): a control character, a Unicode
/// line break or a bidi control shows as `\uXXXX`, so a field reads as one line, in the order
/// it is stored.
///
/// Entries are built on the caller's thread, outside any lock, and handed to one
/// ``AuditWriter`` thread that numbers and sends them, so a stalled journald never blocks an
/// event loop: the caller gets a failure once the deadline passes, and denies.
public final class AuditTrail: Sendable {
    public typealias NumberMode = AuditSettings.NumberMode

    /// What a decision was about, beyond the decision itself.
    public struct Context: Sendable {
        public var campaign: String
        public var number: PhoneNumber?
        public var numberError: String?
        public var requestID: String?
        public var peer: PeerCredentials?
        public var at: Date
        /// A PLAN: a decision about `at`, not a permission to call now.
        public var dryRun: Bool
        /// The instant a live CHECK's client gave, when it gave one.
        public var clientAt: Date?
        public var snapshot: String
        public var listsAsOf: String
        /// The place under the cap the decision took or kept, if any.
        public var reservation: String? = nil
        /// The client's `deadline-ms=`, if it gave one.
        public var deadlineMilliseconds: Int? = nil
    }

    /// A per-process identifier, so that sequence numbers of two runs are not confused.
    public let run: String
    private let pseudonymizer: Pseudonymizer
    private let mode: NumberMode
    private let writer: AuditWriter

    /// - Parameters:
    ///   - sink: where entries go (the journal; a failing one in tests).
    ///   - deadline: how long a decision may wait for the journal to take its entry before it
    ///     is answered `DENY audit-unavailable`.
    public init(
        pseudonymizer: Pseudonymizer, mode: NumberMode, sink: AuditSink = SystemdJournalSink(),
        deadline: Duration = .milliseconds(1000)
    ) {
        self.pseudonymizer = pseudonymizer
        self.mode = mode
        self.run = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        self.writer = AuditWriter(sink: sink, run: run, deadline: deadline)
        writer.start()
    }

    deinit {
        writer.close()
    }

    /// The last sequence number the journal took.
    public var lastSequence: UInt64 { writer.lastSequence }

    /// How long an entry may wait for the journal.
    public var deadline: Duration { writer.deadline }

    /// Sends what is queued and stops the writer thread. Later entries fail.
    public func close() {
        writer.close()
    }

    /// Journals the decision; `completion` gets its sequence number, or the failure when the
    /// journal did not take it within the deadline, or within `deadline` when that is shorter
    /// (the caller must then deny). It runs on `eventLoop`, before `record` returns when the
    /// failure is known at once (the queue is full, the journal stalled).
    func record(
        _ decision: Decision, _ context: Context, on eventLoop: EventLoop, deadline: Duration? = nil,
        completion: @escaping AuditWriter.Completion
    ) {
        // One HMAC per entry, for the message and the field alike.
        let pseudonym = context.number.map { pseudonymizer.mac(for: $0) }
        // Built straight into the bytes journald takes: no `JournalEntry` of strings first.
        // Room for a decision entry (about 1,000 bytes) and the writer's sequence number and run.
        var entry = EncodedJournalEntry(capacity: 1280)
        let campaign = Response.visible(context.campaign)
        entry.append("MESSAGE") { appendMessage(decision, context, campaign: campaign, pseudonym: pseudonym, to: &$0) }
        entry.appendDialgatedFields(id: AuditMessageID.decision, priority: .info)
        entry.append(AuditField.verdict, decision.verdict.rawValue)
        entry.append(AuditField.reason, decision.reason.rawValue)
        entry.append(AuditField.rule, Response.visible(decision.rule))
        if let regime = decision.regime { entry.append(AuditField.regime, regime.rawValue) }
        entry.append(AuditField.campaign, campaign)
        appendNumber(context, pseudonym: pseudonym, to: &entry)
        entry.append(AuditField.at) { ISOInstant.append(context.at, to: &$0) }
        if context.dryRun { entry.append(AuditField.dryRun, "1") }
        if let clientAt = context.clientAt { entry.append(AuditField.clientAt) { ISOInstant.append(clientAt, to: &$0) } }
        entry.append(AuditField.snapshot, context.snapshot)
        entry.append(AuditField.listsAsOf, context.listsAsOf)
        if !decision.facts.isEmpty {
            entry.append(AuditField.facts) { Response.appendFieldText(decision.facts, to: &$0) }
        }
        if let reservation = context.reservation { entry.append(AuditField.reservation, Response.visible(reservation)) }
        if let milliseconds = context.deadlineMilliseconds { entry.append(AuditField.deadlineMilliseconds, String(milliseconds)) }
        if let id = context.requestID { entry.append(AuditField.requestID, Response.visible(id)) }
        appendPeer(context.peer, to: &entry)
        writer.submit(entry, on: eventLoop, deadline: deadline, completion: completion)
    }

    /// Journals a ledger event (opt-out, consent, attempt, refusal) the ledger recorded, in
    /// the same numbered sequence as decisions, so that a missing one shows too.
    ///
    /// - Parameters:
    ///   - reservation: the place under the cap the record takes part in (a release, an
    ///     attempt settling one).
    ///   - key: the client's key of the write.
    ///   - note: why the gate itself wrote it, when no client asked (a place freed because its
    ///     ALLOW could not be given).
    public func recordEvent(
        _ event: String, number: PhoneNumber, ledgerSeq: UInt64, requestID: String?, peer: PeerCredentials?,
        reservation: String? = nil, key: String? = nil, note: String? = nil, on eventLoop: EventLoop
    ) -> EventLoopFuture<UInt64> {
        let pseudonym = pseudonymizer.pseudonym(for: number)
        let who = mode == .clear ? number.description : "number " + pseudonym
        var entry = JournalEntry.dialgated(
            "\(event) recorded for \(who)" + (note.map { ": " + $0 } ?? ""), id: AuditMessageID.ledgerRecord)
        entry.append(AuditField.event, event)
        entry.append(AuditField.numberHMAC, pseudonym)
        if mode == .clear { entry.append(AuditField.number, number.description) }
        entry.append(AuditField.ledgerSeq, String(ledgerSeq))
        if let reservation { entry.append(AuditField.reservation, Response.visible(reservation)) }
        if let key { entry.append(AuditField.key, Response.visible(key)) }
        if let note { entry.append(AuditField.problem, note) }
        if let requestID { entry.append(AuditField.requestID, Response.visible(requestID)) }
        appendPeer(peer, to: &entry)
        return writer.submit(entry, on: eventLoop)
    }

    /// Journals a request refused for want of a role: who asked (from the kernel), what, and
    /// which role it needed.
    public func recordForbidden(
        command: String, role: String, requestID: String?, peer: PeerCredentials?, on eventLoop: EventLoop
    ) -> EventLoopFuture<UInt64> {
        let who = peer.map { "uid \($0.uid)" } ?? "an unknown peer"
        var entry = JournalEntry.dialgated(
            "\(command) refused: \(who) lacks the \(role) role", id: AuditMessageID.forbidden, priority: .warning)
        entry.append(AuditField.command, command)
        entry.append(AuditField.role, role)
        if let requestID { entry.append(AuditField.requestID, Response.visible(requestID)) }
        appendPeer(peer, to: &entry)
        return writer.submit(entry, on: eventLoop)
    }

    private func appendPeer(_ peer: PeerCredentials?, to entry: inout some JournalFields) {
        guard let peer else { return }
        entry.append(AuditField.peerPID, String(peer.pid))
        entry.append(AuditField.peerUID, String(peer.uid))
        entry.append(AuditField.peerGID, String(peer.gid))
    }

    private func appendNumber(_ context: Context, pseudonym: NumberPseudonym?, to entry: inout EncodedJournalEntry) {
        if let number = context.number, let pseudonym {
            entry.append(AuditField.numberHMAC) { pseudonym.append(to: &$0) }
            if mode == .clear { entry.append(AuditField.number, number.description) }
        }
        if let error = context.numberError { entry.append(AuditField.numberError, Response.visible(error)) }
    }

    /// The entry's MESSAGE, `DENY internal-optout: number 3f…, campaign fibre-promo`
    /// (`WOULD-` before a plan's verdict), written straight into the entry's bytes.
    private func appendMessage(
        _ decision: Decision, _ context: Context, campaign: String, pseudonym: NumberPseudonym?, to bytes: inout [UInt8]
    ) {
        if context.dryRun { bytes.append(contentsOf: "WOULD-".utf8) }
        bytes.append(contentsOf: decision.verdict.rawValue.utf8)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: decision.reason.rawValue.utf8)
        bytes.append(contentsOf: ": ".utf8)
        if mode == .clear, let number = context.number {
            bytes.append(contentsOf: number.description.utf8)
        } else if mode != .clear, let pseudonym {
            bytes.append(contentsOf: "number ".utf8)
            pseudonym.append(to: &bytes)
        } else {
            bytes.append(contentsOf: "an invalid number".utf8)
        }
        bytes.append(contentsOf: ", campaign ".utf8)
        bytes.append(contentsOf: campaign.utf8)
    }
}
