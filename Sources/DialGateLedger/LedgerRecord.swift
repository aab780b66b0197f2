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
    /// A call or call attempt was made (for the 4 calls per 30 days rule, D223-9), with how it
    /// ended when the dialer said, and the reservation it settles when it names one.
    case attempt(number: PhoneNumber, campaign: String, at: Date, result: CallResult? = nil, reservation: String? = nil)
    /// The consumer refused during a call (for the 60 days of quiet, D223-9).
    case refusal(number: PhoneNumber, campaign: String, at: Date)
    /// A live CHECK allowed a capped call: a place under the cap, counted at once (see
    /// `CallReservation`).
    case reservation(number: PhoneNumber, campaign: String, at: Date, token: String)
    /// The reserved call was not placed: its place is free again.
    case release(number: PhoneNumber, token: String, at: Date)

    /// The number the record is about.
    public var number: PhoneNumber {
        switch self {
        case .optOut(let number, _, _), .consent(let number, _), .consentRevoked(let number, _, _, _),
            .attempt(let number, _, _, _, _), .refusal(let number, _, _), .reservation(let number, _, _, _),
            .release(let number, _, _):
            number
        }
    }

    /// The file's name for the record's type: the first field after the checksum, and the
    /// namespace of client keys (a key names one write of its type).
    public var typeName: String {
        switch self {
        case .optOut: "optout"
        case .consent: "consent"
        case .consentRevoked: "consent-revoked"
        case .attempt: "attempt"
        case .refusal: "refusal"
        case .reservation: "reserve"
        case .release: "release"
        }
    }

    /// Whether the record's own fields hold its key in the file (an attempt's last field, a
    /// reservation's token), so the codec writes no extra key field.
    var hasKeyField: Bool {
        switch self {
        case .attempt, .reservation: true
        default: false
        }
    }

    /// The client key the record is filed under: a reservation's token, an attempt's own key
    /// or else the reservation it settles (so that a repeated report of one call records
    /// once), any other record's `key`.
    func clientKey(_ key: String?) -> String? {
        switch self {
        case .reservation(_, _, _, let token): token
        case .attempt(_, _, _, _, let reservation): key ?? reservation
        case .release(_, let token, _): key ?? token
        default: key
        }
    }

    /// When it happened (for a consent, when it was given).
    public var date: Date {
        switch self {
        case .optOut(_, let at, _), .consentRevoked(_, _, _, let at), .attempt(_, _, let at, _, _), .refusal(_, _, let at),
            .reservation(_, _, let at, _), .release(_, _, let at):
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
        case .attempt(let number, let campaign, let at, let result, let reservation):
            return .attempt(
                number: number, campaign: campaign, at: at.atMillisecondPrecision, result: result, reservation: reservation)
        case .refusal(let number, let campaign, let at):
            return .refusal(number: number, campaign: campaign, at: at.atMillisecondPrecision)
        case .reservation(let number, let campaign, let at, let token):
            return .reservation(number: number, campaign: campaign, at: at.atMillisecondPrecision, token: token)
        case .release(let number, let token, let at):
            return .release(number: number, token: token, at: at.atMillisecondPrecision)
        }
    }
}

extension Date {
    /// Rounded to the millisecond, the precision of the ledger file.
    var atMillisecondPrecision: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
