import Crypto
import DialGateCore
import DialGateProtocol
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
        deadline: Duration = .milliseconds(500)
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

    /// Journals the decision; the future gives its sequence number, or fails when the journal
    /// did not take it within the deadline (the caller must then deny).
    public func record(_ decision: Decision, _ context: Context, on eventLoop: EventLoop) -> EventLoopFuture<UInt64> {
        var entry = JournalEntry.dialgated(message(decision, context), id: AuditMessageID.decision)
        entry.append(AuditField.verdict, decision.verdict.rawValue)
        entry.append(AuditField.reason, decision.reason.rawValue)
        entry.append(AuditField.rule, Response.visible(decision.rule))
        if let regime = decision.regime { entry.append(AuditField.regime, regime.rawValue) }
        entry.append(AuditField.campaign, Response.visible(context.campaign))
        appendNumber(context, to: &entry)
        entry.append(AuditField.at, ISOInstant.format(context.at))
        if context.dryRun { entry.append(AuditField.dryRun, "1") }
        if let clientAt = context.clientAt { entry.append(AuditField.clientAt, ISOInstant.format(clientAt)) }
        entry.append(AuditField.snapshot, context.snapshot)
        entry.append(AuditField.listsAsOf, context.listsAsOf)
        if !decision.facts.isEmpty {
            entry.append(AuditField.facts, Response.fieldText(decision.facts))
        }
        if let id = context.requestID { entry.append(AuditField.requestID, Response.visible(id)) }
        appendPeer(context.peer, to: &entry)
        return writer.submit(entry, on: eventLoop)
    }

    /// Journals a ledger event (opt-out, consent, attempt, refusal) the ledger recorded, in
    /// the same numbered sequence as decisions, so that a missing one shows too.
    public func recordEvent(
        _ event: String, number: PhoneNumber, ledgerSeq: UInt64, requestID: String?, peer: PeerCredentials?,
        on eventLoop: EventLoop
    ) -> EventLoopFuture<UInt64> {
        var entry = JournalEntry.dialgated("\(event) recorded for \(display(number))", id: AuditMessageID.ledgerRecord)
        entry.append(AuditField.event, event)
        entry.append(AuditField.numberHMAC, pseudonymizer.pseudonym(for: number))
        if mode == .clear { entry.append(AuditField.number, number.description) }
        entry.append(AuditField.ledgerSeq, String(ledgerSeq))
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

    private func appendPeer(_ peer: PeerCredentials?, to entry: inout JournalEntry) {
        guard let peer else { return }
        entry.append(AuditField.peerPID, String(peer.pid))
        entry.append(AuditField.peerUID, String(peer.uid))
        entry.append(AuditField.peerGID, String(peer.gid))
    }

    private func appendNumber(_ context: Context, to entry: inout JournalEntry) {
        if let number = context.number {
            entry.append(AuditField.numberHMAC, pseudonymizer.pseudonym(for: number))
            if mode == .clear { entry.append(AuditField.number, number.description) }
        }
        if let error = context.numberError { entry.append(AuditField.numberError, Response.visible(error)) }
    }

    private func display(_ number: PhoneNumber) -> String {
        mode == .clear ? number.description : "number " + pseudonymizer.pseudonym(for: number)
    }

    private func message(_ decision: Decision, _ context: Context) -> String {
        let who = context.number.map(display) ?? "an invalid number"
        let head = context.dryRun ? "WOULD-\(decision.verdict.rawValue)" : decision.verdict.rawValue
        return "\(head) \(decision.reason.rawValue): \(who), campaign \(Response.visible(context.campaign))"
    }
}

/// The keyed pseudonym of a number: the first 128 bits of HMAC-SHA-256(key, "+33…"), in hex.
///
/// `@unchecked Sendable`: `SymmetricKey` is an immutable value that Crypto does not yet mark
/// Sendable; nothing here mutates it.
public struct Pseudonymizer: @unchecked Sendable {
    private let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    public func pseudonym(for number: PhoneNumber) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(number.description.utf8), using: key)
        return mac.prefix(16).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Loads an existing key (for the `dialgate pseudonym` command and the daemon).
    public static func loadKey(at path: String) throws -> SymmetricKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditKeyError(description: "cannot read the audit key \(path)")
        }
        guard data.count == 32 else {
            throw AuditKeyError(description: "\(path) holds \(data.count) bytes, expected 32: refusing to use it")
        }
        return SymmetricKey(data: data)
    }

    /// Loads the key from `path`, creating it (32 random bytes, mode 0600, written and synced
    /// before it is used) on first start. Returns whether it was created.
    public static func loadOrCreateKey(at path: String) throws -> (key: SymmetricKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try loadKey(at: path), false) }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Array($0) }
        try DurableFile.write(bytes, to: path, mode: 0o600)
        return (key, true)
    }
}

/// The audit key cannot be used.
public struct AuditKeyError: Error, CustomStringConvertible {
    public var description: String
}
