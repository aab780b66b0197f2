extension Policy {
    /// The decisions for when the gate cannot decide soundly: each a DENY naming what is
    /// missing, never an ALLOW. They sit with the other rules so that every rule text the
    /// gate answers is written in one place.

    /// No list snapshot could be loaded: whether the number is on Bloctel is unknown.
    public static func listsUnavailable(_ problem: String) -> Decision {
        Decision(.listsUnavailable, rule: "fail closed: no list snapshot loaded", facts: [Fact("problem", problem)])
    }

    /// The ledger could not be opened, or cannot record: attempts, refusals and runtime
    /// opt-outs and consents are unknown or would go uncounted.
    public static func ledgerUnavailable(_ problem: String) -> Decision {
        Decision(
            .ledgerUnavailable, rule: "fail closed: the ledger cannot record (C. consom. D223-9 counts need it)",
            facts: [Fact("problem", problem)])
    }

    /// The journal did not take the decision's entry: the company could not prove the call
    /// was allowed.
    public static func auditUnavailable(_ problem: String) -> Decision {
        Decision(.auditUnavailable, rule: "C. consom. L223-1 (proof of compliance)", facts: [Fact("error", problem)])
    }
}

extension Policy {
    /// The decision was ready only after the client's deadline (`deadline-ms=`): the client
    /// has stopped waiting (its softswitch failed the call), so whatever the rules said, it is
    /// answered and journaled as no permission, and any place it reserved is freed.
    public static func deadlineExceeded(waited milliseconds: Int, deadline: Int) -> Decision {
        Decision(
            .deadlineExceeded, rule: "fail closed: answered after the client's deadline",
            facts: [Fact("waited_ms", String(milliseconds)), Fact("deadline_ms", String(deadline))])
    }
}
