import DialGateProtocol

#if canImport(Glibc)
import Glibc
#endif

/// `AGI(dialgate-agi,report)` after the call (a hangup handler, or the `h` extension): reads
/// what the check left (`DIALGATE_VERDICT`, `DIALGATE_NUMBER`, `DIALGATE_CAMPAIGN`,
/// `DIALGATE_RESERVATION`) and Dial()'s `DIALSTATUS`, and sends the ATTEMPT or RELEASE that
/// `CallReport` decides, under the check's key (`DIALGATE_KEY`: the uniqueid, see `CheckCall`)
/// so that a report sent twice records once. Sets `DIALGATE_REPORT` (`attempt`, `release`,
/// `none`, or why it failed).
///
/// A report that does not get through within the deadline is given up: the place an ALLOW
/// took counts as an attempt for good after 10 minutes anyway (Protocol.md, "Calls in
/// flight"), the safe error.
struct ReportCall {
    let session: AGISession
    let gate: GateConnection
    let deadlineMilliseconds: Int

    func run() throws(AGISession.Ending) {
        let verdict = try session.get("DIALGATE_VERDICT")
        let reservation = try session.get("DIALGATE_RESERVATION")
        let status = try session.get("DIALSTATUS")
        let number = try session.get("DIALGATE_NUMBER") ?? ""
        let campaign = try session.get("DIALGATE_CAMPAIGN") ?? ""
        // Set empty when the check had no key to give (the gate named the reservation).
        let checked = try session.get("DIALGATE_KEY")
        let key = checked.map { $0.isEmpty ? nil : $0 } ?? CheckCall.key(session.environment["agi_uniqueid"], call: 1)
        let report = CallReport.decide(verdict: verdict, reservation: reservation, dialStatus: status)
        if case .nothing(let why) = report {
            try session.set("DIALGATE_REPORT", "none")
            try session.verbose("dialgate: nothing to report: \(why)", level: 3)
            return
        }
        guard !number.isEmpty, !campaign.isEmpty else {
            try session.set("DIALGATE_REPORT", "none")
            try session.verbose(
                "dialgate: a call was placed (DIALSTATUS=\(status ?? "")) but no check ran on this channel "
                    + "(no DIALGATE_NUMBER or DIALGATE_CAMPAIGN): nothing reported", level: 1)
            return
        }
        let (result, error, detail) = deliver(report, number: number, campaign: campaign, key: key)
        try session.set("DIALGATE_REPORT", result)
        try session.set("DIALGATE_REPORT_ERROR", error)
        let ok = result == "attempt" || result == "release"
        try session.verbose("dialgate: report \(result) for \(number) (DIALSTATUS=\(status ?? "")): \(detail)", level: ok ? 3 : 1)
    }

    /// Sends the report until it is acknowledged or the deadline passes, on a new connection
    /// each time (same key, so a repeat records once): the `OK`'s word, or why not.
    private func deliver(_ report: CallReport, number: String, campaign: String, key: String?) -> (
        result: String, error: String, detail: String
    ) {
        let deadline = Deadline(milliseconds: deadlineMilliseconds)
        var report = report
        while true {
            let exchange = gate.exchange(within: deadline) { _ in
                switch report {
                case .attempt(let outcome, let reservation):
                    WireRequest.attempt(number: number, campaign: campaign, reservation: reservation, outcome: outcome, key: key)
                case .release(let reservation): WireRequest.release(number: number, reservation: reservation, key: key)
                case .nothing: nil
                }
            }
            switch exchange {
            case .failure(let failure):
                guard failure.mayRetry, pause(before: deadline) else { return (failure.reason, "", failure.detail) }
            case .success(let line):
                guard let answer = ResponseLine(parsing: Substring(line)) else { return ("gate-malformed", "", line) }
                let word = answer.words.count > 1 ? answer.words[1] : ""
                let answerClass = answer.fields["class"]
                if answer.first == "OK", answerClass == "done", !word.isEmpty { return (word, "", line) }
                guard answer.first == "ERR" else { return ("gate-malformed", "", line) }
                let code = word
                // The gate holds no such place (never taken, or forgotten): the call still
                // counts, as a plain attempt under the same key.
                if code == "unknown-reservation", case .attempt(let outcome, .some) = report {
                    report = .attempt(outcome: outcome, reservation: nil)
                    continue
                }
                guard answerClass == "unavailable", pause(before: deadline) else { return ("gate-error", code, line) }
            }
        }
    }

    /// Waits a moment before trying again; false when the deadline leaves no time for it.
    private func pause(before deadline: Deadline) -> Bool {
        let left = deadline.remainingMilliseconds
        guard left > 25 else { return false }
        usleep(25_000)
        return true
    }
}
