/// `AGI(dialgate-agi,<campaign>[,<number>])` before Dial(): asks the gate whether the number
/// (the second argument, else the channel's extension) may be called now for the campaign,
/// under the channel's uniqueid as the CHECK's `key=` (so an ALLOW's reservation is named by
/// it), and sets the `DIALGATE_*` variables. Fails closed: anything but one well-formed
/// `ALLOW` within the deadline is `DIALGATE_VERDICT=DENY`.
///
/// The gate reads a CHECK under a key it has seen as a retry of the same call, which keeps
/// its one place. That is right after a check that was not allowed (a timeout, a DENY): the
/// retry keeps whatever place the first may have taken unheard. After an ALLOW it would be
/// wrong: a dialplan that dials again on the same channel places a second call, which needs a
/// place of its own. So each allowed call on a channel moves the key on (`DIALGATE_CALL`:
/// the uniqueid for the first, `<uniqueid>-2` for the second, ...).
struct CheckCall {
    let session: AGISession
    let gate: GateConnection
    let deadlineMilliseconds: Int
    let campaign: String
    let number: String?

    func run() throws(AGISession.Ending) {
        let previousVerdict = try session.get("DIALGATE_VERDICT")
        let previousCall = Int(try session.get("DIALGATE_CALL") ?? "") ?? 0
        let call = previousCall == 0 || previousVerdict == "ALLOW" ? previousCall + 1 : previousCall
        let key = Self.key(session.environment["agi_uniqueid"], call: call)
        let incomplete = CheckVerdict.incomplete
        try session.set("DIALGATE_VERDICT", incomplete.verdict)
        try session.set("DIALGATE_CLASS", incomplete.answerClass)
        try session.set("DIALGATE_REASON", incomplete.reason)
        let started = ContinuousClock.now
        var verdict = decide(key: key)
        let elapsed = started.duration(to: .now)
        if verdict.number.isEmpty { verdict.number = dialled ?? "" }
        try session.set("DIALGATE_CALL", String(call))
        try session.set("DIALGATE_KEY", key ?? "")
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

    private func decide(key: String?) -> CheckVerdict {
        guard !campaign.isEmpty else { return .failClosed("bad-usage", "no campaign: AGI(dialgate-agi,<campaign>[,<number>])") }
        guard let number = dialled else {
            return .failClosed("bad-usage", "no number: neither a second argument nor agi_extension")
        }
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

    /// The request key of the channel's `call`th call: its uniqueid, with `-<call>` from the
    /// second on; nil when that is not a key (empty, over 64 bytes): the gate then names the
    /// reservation itself, and the report is keyed by it.
    static func key(_ uniqueid: String?, call: Int) -> String? {
        guard let uniqueid, !uniqueid.isEmpty else { return nil }
        let key = call > 1 ? "\(uniqueid)-\(call)" : uniqueid
        return key.utf8.count <= 64 ? key : nil
    }
}
