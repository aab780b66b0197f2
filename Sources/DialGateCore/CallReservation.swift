import Foundation

/// A place under the frequency cap (D223-9), taken by a live CHECK that answered ALLOW for a
/// capped call, so that calls in flight count before they are reported.
///
/// From the moment it is recorded it counts like an attempt made at `at`. The dialer's report
/// settles it: an ATTEMPT naming it turns it into that attempt (counted once, at the
/// attempt's date); a RELEASE, within ``hold`` of `at`, frees it because the call was not
/// placed. Unreported past ``hold``, it stays counted for good: a call may have been placed,
/// and counting one too many is the safe error.
public struct CallReservation: Hashable, Sendable {
    /// How long a reservation may be freed by a RELEASE. Longer than any call setup (a
    /// softswitch's INVITE timeout is minutes at most), short enough that a dialer cannot
    /// undo a call it placed and forgot to report.
    public static let hold: TimeInterval = 600

    public enum Status: String, Hashable, Sendable {
        /// Counted as an attempt at `at`; no report yet.
        case open
        /// An ATTEMPT reported the call: counted as that attempt.
        case completed
        /// A RELEASE freed it: not counted.
        case released
    }

    /// The client's key for the call (`key=` on the CHECK, e.g. a SIP Call-ID), or one the gate
    /// made; unique within the ledger.
    public var token: String
    public var campaign: String
    public var at: Date
    public var status: Status

    public init(token: String, campaign: String, at: Date, status: Status = .open) {
        self.token = token
        self.campaign = campaign
        self.at = at
        self.status = status
    }

    /// Whether a RELEASE may still free it at `now`.
    public func mayBeReleased(at now: Date) -> Bool {
        status == .open && now.timeIntervalSince(at) <= Self.hold
    }
}

/// How a reported call ended, as the softswitch saw it (ATTEMPT `outcome=`). Every outcome
/// counts as an attempt: the cap is about calls placed, not calls answered.
public enum CallResult: String, Hashable, Sendable, CaseIterable {
    case answered
    case busy
    case noAnswer = "no-answer"
    case failed
    /// The callee declined the call (a SIP 603, a hang-up while ringing). A refusal during the
    /// call, which starts the quiet days, is reported with REFUSAL.
    case refused
}
