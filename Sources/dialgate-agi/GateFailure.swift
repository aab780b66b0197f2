/// Why an exchange with the gate gave no answer line. In a check every one of them is a
/// fail-closed DENY (`class=unavailable`) whose `DIALGATE_REASON` is `reason`.
enum GateFailure: Error, Equatable {
    /// Nobody to ask: no socket file, no daemon listening, no permission, a path too long.
    case unreachable(String)
    /// The deadline passed while connecting, sending, or waiting for the answer.
    case timeout(String)
    /// The gate closed the connection before its answer line (a daemon stopping, an overload).
    case closed(String)
    /// Any other socket error.
    case io(String)
    /// What came back is not an answer line (not UTF-8, too long).
    case malformed(String)
    /// The request could not be written so that the gate reads it back as it was meant (a
    /// number or campaign from the dialplan with a line break, a quote the gate reads otherwise).
    case unsendable(String)

    /// The `DIALGATE_REASON` (check) or `DIALGATE_REPORT` (report) token.
    var reason: String {
        switch self {
        case .unreachable: "gate-unreachable"
        case .timeout: "gate-timeout"
        case .closed: "gate-closed"
        case .io: "gate-io-error"
        case .malformed: "gate-malformed"
        case .unsendable: "bad-argument"
        }
    }

    /// A sentence for the Asterisk log.
    var detail: String {
        switch self {
        case .unreachable(let d), .timeout(let d), .closed(let d), .io(let d), .malformed(let d), .unsendable(let d): d
        }
    }

    /// Whether trying again on a new connection, while the deadline lasts, may help: a daemon
    /// restarting refuses or drops connections for a moment. Not after a timeout (no time left)
    /// nor for a request or answer that would be the same again.
    var mayRetry: Bool {
        switch self {
        case .unreachable, .closed, .io: true
        case .timeout, .malformed, .unsendable: false
        }
    }
}
