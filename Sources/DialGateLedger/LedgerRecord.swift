import DialGateCore
import Foundation

/// One thing that happened at runtime and that the policy must remember: the unit the ledger
/// appends, makes durable and replays.
///
/// There is deliberately no record that takes a number off the internal do-not-call list: the
/// right to object (GDPR art. 21) is not something the dialer can undo.
public enum LedgerRecord: Hashable, Sendable {
    /// The consumer said "do not call me again": the number goes on the company's own
    /// do-not-call list, for every campaign and regime, forever. `source` says who recorded it
    /// (an agent id, a softswitch, an import file).
    case optOut(number: PhoneNumber, at: Date, source: String)
    /// The consumer consented, with the proof the professional must be able to show.
    case consent(number: PhoneNumber, ConsentRecord)
    /// The consumer withdrew consents of `kind` covering `scope` (`*`: every scope) given up
    /// to `at`.
    case consentRevoked(number: PhoneNumber, scope: String, kind: ConsentRecord.Kind, at: Date)
    /// A call or call attempt was made (for the 4 calls per 30 days rule, D223-9).
    case attempt(number: PhoneNumber, campaign: String, at: Date)
    /// The consumer refused during a call (for the 60 days of quiet, D223-9).
    case refusal(number: PhoneNumber, campaign: String, at: Date)

    /// The number the record is about.
    public var number: PhoneNumber {
        switch self {
        case .optOut(let number, _, _), .consent(let number, _), .consentRevoked(let number, _, _, _),
            .attempt(let number, _, _), .refusal(let number, _, _):
            number
        }
    }

    /// When it happened (for a consent, when it was given).
    public var date: Date {
        switch self {
        case .optOut(_, let at, _), .consentRevoked(_, _, _, let at), .attempt(_, _, let at), .refusal(_, _, let at):
            at
        case .consent(_, let consent):
            consent.givenAt
        }
    }

    /// The same record with its dates at the millisecond precision the file keeps, so that
    /// what is in memory after an append equals what a replay rebuilds.
    var atFilePrecision: LedgerRecord {
        switch self {
        case .optOut(let number, let at, let source):
            return .optOut(number: number, at: at.atMillisecondPrecision, source: source)
        case .consent(let number, var consent):
            consent.givenAt = consent.givenAt.atMillisecondPrecision
            consent.revokedAt = consent.revokedAt?.atMillisecondPrecision
            return .consent(number: number, consent)
        case .consentRevoked(let number, let scope, let kind, let at):
            return .consentRevoked(number: number, scope: scope, kind: kind, at: at.atMillisecondPrecision)
        case .attempt(let number, let campaign, let at):
            return .attempt(number: number, campaign: campaign, at: at.atMillisecondPrecision)
        case .refusal(let number, let campaign, let at):
            return .refusal(number: number, campaign: campaign, at: at.atMillisecondPrecision)
        }
    }
}

extension Date {
    /// Rounded to the millisecond, the precision of the ledger file.
    var atMillisecondPrecision: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
