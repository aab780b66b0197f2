/// `AGI(dialgate-agi,<campaign>[,<number>])` before Dial(): asks the gate whether the number
/// (the second argument, else the channel's extension) may be called now for the campaign,
/// under the channel's uniqueid as the CHECK's `key=` (so an ALLOW's reservation is named by
/// it), and sets the `DIALGATE_*` variables. Fails closed: anything but one well-formed
/// `ALLOW` within the deadline is `DIALGATE_VERDICT=DENY`.
struct CheckCall {
    let session: AGISession
    let gate: GateConnection
    let deadlineMilliseconds: Int
    let campaign: String
    let number: String?

    func run() throws(AGISession.Ending) {
        let incomplete = CheckVerdict.incomplete
        try session.set("DIALGATE_VERDICT", incomplete.verdict)
        try session.set("DIALGATE_CLASS", incomplete.answerClass)
        try session.set("DIALGATE_REASON", incomplete.reason)
        let started = ContinuousClock.now
        var verdict = decide()
        let elapsed = started.duration(to: .now)
        if verdict.number.isEmpty { verdict.number = dialled ?? "" }
        for (name, value) in verdict.variables(campaign: campaign) { try session.set(name, value) }
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        let summary =
            "\(verdict.verdict) \(verdict.reason) class=\(verdict.answerClass) for \(verdict.number) campaign=\(campaign)"
        if verdict.allowed || verdict.answerClass != "unavailable" {
            try session.verbose("dialgate: \(summary) in \(milliseconds) ms", level: 3)
        } else {
            try session.verbose("dialgate: \(summary), fail closed after \(milliseconds) ms: \(verdict.detail)", level: 1)
        }
    }

    /// The number to check: the argument when the dialplan gives one, else the extension.
    private var dialled: String? {
        if let number, !number.isEmpty { return number }
        if let exten = session.environment["agi_extension"], !exten.isEmpty { return exten }
        return nil
    }

    private func decide() -> CheckVerdict {
        guard !campaign.isEmpty else { return .failClosed("bad-usage", "no campaign: AGI(dialgate-agi,<campaign>[,<number>])") }
        guard let number = dialled else {
            return .failClosed("bad-usage", "no number: neither a second argument nor agi_extension")
        }
        let key = Self.key(session.environment["agi_uniqueid"])
        let answer = gate.exchange(within: Deadline(milliseconds: deadlineMilliseconds)) { remaining in
            WireRequest.check(
                number: number, campaign: campaign, key: key,
                deadlineMilliseconds: Deadline.gateShare(ofRemaining: remaining))
        }
        switch answer {
        case .success(let line): return CheckVerdict(answer: line)
        case .failure(let failure): return .failClosed(failure.reason, failure.detail)
        }
    }

    /// The channel's uniqueid as a request key, when it is one (1 to 64 bytes); without it the
    /// gate names the reservation itself.
    static func key(_ uniqueid: String?) -> String? {
        guard let uniqueid, !uniqueid.isEmpty, uniqueid.utf8.count <= 64 else { return nil }
        return uniqueid
    }
}
