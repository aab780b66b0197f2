import DialGateProtocol

/// What a check tells the dialplan, as channel variables: the gate's answer read the way
/// Protocol.md tells a hook to read one (dial only on a first word of exactly `ALLOW`, which
/// comes with `class=allowed`), or a DENY of `class=unavailable` naming why there was no usable
/// answer. Nothing but that one well-formed ALLOW ever sets `DIALGATE_VERDICT=ALLOW`.
struct CheckVerdict: Equatable {
    var allowed: Bool
    /// `allowed`, `denied`, `later` or `unavailable`.
    var answerClass: String
    /// The gate's reason token, or the hook's own for a fail-closed DENY (`gate-unreachable`, ...).
    var reason: String
    var reservation = ""
    /// When a `later` DENY says the call may be retried (`next=`), if it does.
    var next = ""
    var seq = ""
    /// The number as the gate answered it (E.164), or as it was asked.
    var number = ""
    /// An `ERR`'s code, when the gate refused the request.
    var error = ""
    /// For the Asterisk log.
    var detail = ""

    /// A DENY that is the hook's own: the gate gave no answer a call can be placed on.
    static func failClosed(_ reason: String, _ detail: String, error: String = "") -> CheckVerdict {
        CheckVerdict(allowed: false, answerClass: "unavailable", reason: reason, error: error, detail: detail)
    }

    /// What the channel holds while a check runs, set before the gate is asked: if the
    /// program dies or is killed on the way, the dialplan sees a DENY, never an earlier ALLOW.
    static let incomplete = failClosed("check-incomplete", "the check did not finish")

    /// Reads the gate's answer line to a CHECK.
    init(answer line: String) {
        guard let answer = ResponseLine(parsing: Substring(line)) else {
            self = .failClosed("gate-malformed", "an answer that does not parse: \(line)")
            return
        }
        let answerClass = answer.fields["class"] ?? ""
        var read: CheckVerdict
        switch answer.first {
        case "ALLOW" where answer.words.count == 2 && answerClass == "allowed":
            read = CheckVerdict(allowed: true, answerClass: "allowed", reason: answer.words[1], detail: line)
        case "DENY" where answer.words.count == 2:
            // A DENY is a DENY whatever its class says; a class that is not one of a CHECK's
            // denials is read as the one that promises least.
            let known = ["denied", "later", "unavailable"].contains(answerClass)
            read = CheckVerdict(
                allowed: false, answerClass: known ? answerClass : "unavailable", reason: answer.words[1], detail: line)
        case "ERR":
            self = .failClosed("gate-error", line, error: answer.words.count > 1 ? answer.words[1] : "")
            return
        default:
            self = .failClosed("gate-malformed", "not an answer to CHECK: \(line)")
            return
        }
        read.reservation = answer.fields["reservation"] ?? ""
        read.next = answer.fields["next"] ?? ""
        read.seq = answer.fields["seq"] ?? ""
        read.number = answer.fields["number"] ?? ""
        self = read
    }

    private init(allowed: Bool, answerClass: String, reason: String, error: String = "", detail: String) {
        self.allowed = allowed
        self.answerClass = answerClass
        self.reason = reason
        self.error = error
        self.detail = detail
    }

    var verdict: String { allowed ? "ALLOW" : "DENY" }

    /// The channel variables, every one of them each time (a channel that checks twice keeps
    /// nothing of the first answer), `DIALGATE_VERDICT` last: set after all the rest, an ALLOW
    /// is never seen beside another answer's fields.
    func variables(campaign: String) -> [(name: String, value: String)] {
        [
            ("DIALGATE_CLASS", answerClass), ("DIALGATE_REASON", reason), ("DIALGATE_RESERVATION", reservation),
            ("DIALGATE_NEXT", next), ("DIALGATE_SEQ", seq), ("DIALGATE_NUMBER", number),
            ("DIALGATE_CAMPAIGN", campaign), ("DIALGATE_ERROR", error), ("DIALGATE_VERDICT", verdict),
        ]
    }
}
