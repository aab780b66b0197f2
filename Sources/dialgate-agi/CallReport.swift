/// What the report after a call sends the gate, from what the check left on the channel and
/// Dial()'s `DIALSTATUS`: an ATTEMPT with its outcome, a RELEASE, or nothing.
///
/// When in doubt, an ATTEMPT: one attempt too many costs the number one of its places under
/// the cap for 30 days; one too few could let a fifth call through. So a RELEASE is sent only
/// when no call can have left: Dial() never ran on this channel (`DIALSTATUS` unset) or refused
/// its own arguments (`INVALIDARGS`). `CHANUNAVAIL` and `CANCEL` are attempts: Asterisk reports
/// a callee's SIP 603 Decline or 480 after ringing as `CHANUNAVAIL`, and `CANCEL` (our side hung
/// up while dialling) may come after the consumer's phone rang.
enum CallReport: Equatable {
    /// `ATTEMPT … [reservation=] [outcome=]`: a call was placed.
    case attempt(outcome: String?, reservation: String?)
    /// `RELEASE … reservation=`: the place the ALLOW took, for a call that was not placed.
    case release(reservation: String)
    /// Nothing happened that the gate counts.
    case nothing(why: String)

    /// `verdict`, `reservation`: the check's `DIALGATE_VERDICT` and `DIALGATE_RESERVATION`;
    /// `dialStatus`: `DIALSTATUS` (nil or empty when Dial() did not run).
    static func decide(verdict: String?, reservation: String?, dialStatus: String?) -> CallReport {
        let reservation = reservation.flatMap { $0.isEmpty ? nil : $0 }
        let status = dialStatus ?? ""
        let allowed = verdict == "ALLOW"
        if status.isEmpty || status == "INVALIDARGS" {
            let notDialled = status.isEmpty ? "Dial() did not run" : "Dial() refused its arguments (INVALIDARGS)"
            guard allowed else { return .nothing(why: "\(notDialled) and the check did not allow the call") }
            guard let reservation else { return .nothing(why: "\(notDialled) and the ALLOW took no place") }
            return .release(reservation: reservation)
        }
        // A call placed without an ALLOW (a dialplan that dials on `unavailable`) counts all the
        // same; it has no place to settle.
        return .attempt(outcome: outcome(of: status), reservation: allowed ? reservation : nil)
    }

    /// The ATTEMPT's `outcome=` for a `DIALSTATUS`; nil (no outcome given) for a status that
    /// does not say how the call went.
    static func outcome(of dialStatus: String) -> String? {
        switch dialStatus {
        case "ANSWER": "answered"
        case "BUSY": "busy"
        case "NOANSWER": "no-answer"
        case "CONGESTION", "CHANUNAVAIL": "failed"
        default: nil  // CANCEL, DONTCALL, TORTURE, and whatever a later Asterisk adds
        }
    }
}
