import Crypto
import DialGateCore
import DialGateProtocol
import DialGateSystemd
import Foundation
import Synchronization

/// The journal record of every decision, written before the answer leaves the daemon.
///
/// Numbers are written as a keyed pseudonym (HMAC-SHA-256 under a key kept in the state
/// directory) unless configured otherwise, so that the journal minimises personal data while
/// an auditor holding the key can still find every entry about one number. Each entry carries
/// a sequence number that counts up by one per decision for the life of the process, with a
/// random run id: a missing entry shows as a gap.
///
/// Text that comes from clients, lists or the configuration (campaign, request id, facts,
/// event fields) is written in its visible form (`Response.visible`): a control character, a
/// Unicode line break or a bidi control shows as `\uXXXX`, so a field reads as one line, in
/// the order it is stored.
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
        public var dryRun: Bool
        public var snapshot: String
        public var listsAsOf: String
    }

    /// A per-process identifier, so that sequence numbers of two runs are not confused.
    public let run: String
    private let pseudonymizer: Pseudonymizer
    private let mode: NumberMode
    private let sequence = Mutex<UInt64>(0)

    public init(pseudonymizer: Pseudonymizer, mode: NumberMode) {
        self.pseudonymizer = pseudonymizer
        self.mode = mode
        self.run = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// The last sequence number written.
    public var lastSequence: UInt64 { sequence.withLock { $0 } }

    /// Writes the decision's entry and returns its sequence number. The sequence number is
    /// taken only when the journal accepted the entry, so the numbers stay consecutive.
    /// - Throws: when the journal refused the entry; the caller must then deny.
    public func record(_ decision: Decision, _ context: Context) throws -> UInt64 {
        try sequence.withLock { last in
            let seq = last + 1
            var entry = JournalEntry.dialgated(message(decision, context), id: AuditMessageID.decision)
            entry.append("DIALGATE_SEQ", String(seq))
            entry.append("DIALGATE_RUN", run)
            entry.append("DIALGATE_VERDICT", decision.verdict.rawValue)
            entry.append("DIALGATE_REASON", decision.reason.rawValue)
            entry.append("DIALGATE_RULE", Response.visible(decision.rule))
            if let regime = decision.regime { entry.append("DIALGATE_REGIME", regime.rawValue) }
            entry.append("DIALGATE_CAMPAIGN", Response.visible(context.campaign))
            appendNumber(context, to: &entry)
            entry.append("DIALGATE_AT", ISOInstant.format(context.at))
            if context.dryRun { entry.append("DIALGATE_DRY_RUN", "1") }
            entry.append("DIALGATE_SNAPSHOT", context.snapshot)
            entry.append("DIALGATE_LISTS_ASOF", context.listsAsOf)
            if !decision.facts.isEmpty {
                entry.append("DIALGATE_FACTS", Response.fieldText(decision.facts))
            }
            if let id = context.requestID { entry.append("DIALGATE_REQUEST_ID", Response.visible(id)) }
            if let peer = context.peer {
                entry.append("DIALGATE_PEER_PID", String(peer.pid))
                entry.append("DIALGATE_PEER_UID", String(peer.uid))
            }
            try Journal.send(entry)
            last = seq
            return seq
        }
    }

    /// Records a ledger event (opt-out, consent, attempt, refusal) in the journal too, so the
    /// audit trail tells the whole story. Best effort: the ledger itself is the durable record.
    public func recordEvent(_ event: String, number: PhoneNumber, fields: [Fact], requestID: String?, peer: PeerCredentials?) {
        var entry = JournalEntry.dialgated("\(event) recorded for \(display(number))", id: AuditMessageID.ledgerRecord)
        entry.append("DIALGATE_RUN", run)
        entry.append("DIALGATE_EVENT", event)
        entry.append("DIALGATE_NUMBER_HMAC", pseudonymizer.pseudonym(for: number))
        if mode == .clear { entry.append("DIALGATE_NUMBER", number.description) }
        for field in fields {
            entry.append("DIALGATE_" + field.key.uppercased().replacingOccurrences(of: "-", with: "_"), Response.visible(field.value))
        }
        if let requestID { entry.append("DIALGATE_REQUEST_ID", Response.visible(requestID)) }
        if let peer {
            entry.append("DIALGATE_PEER_PID", String(peer.pid))
            entry.append("DIALGATE_PEER_UID", String(peer.uid))
        }
        try? Journal.send(entry)
    }

    private func appendNumber(_ context: Context, to entry: inout JournalEntry) {
        if let number = context.number {
            entry.append("DIALGATE_NUMBER_HMAC", pseudonymizer.pseudonym(for: number))
            if mode == .clear { entry.append("DIALGATE_NUMBER", number.description) }
        }
        if let error = context.numberError { entry.append("DIALGATE_NUMBER_ERROR", Response.visible(error)) }
    }

    private func display(_ number: PhoneNumber) -> String {
        mode == .clear ? number.description : "number " + pseudonymizer.pseudonym(for: number)
    }

    private func message(_ decision: Decision, _ context: Context) -> String {
        let who = context.number.map(display) ?? "an invalid number"
        return "\(decision.verdict.rawValue) \(decision.reason.rawValue): \(who), campaign \(Response.visible(context.campaign))"
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
