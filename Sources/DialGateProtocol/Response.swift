import DialGateCore

/// What a client should do with an answer, the same for every command: the `class=` field,
/// so that a hook maps an answer to an action without a table of reasons or codes.
public enum AnswerClass: String, Sendable, Equatable {
    /// CHECK: the call may be placed now.
    case allowed
    /// CHECK: not for this campaign; retrying will not help until the facts change.
    case denied
    /// CHECK: not now (hours, days, the cap, a refusal's quiet, a campaign not started).
    case later
    /// The gate cannot decide or record soundly: fail closed, try again or elsewhere.
    case unavailable
    /// PLAN: what a CHECK at that instant would be; never a permission to call.
    case plannedAllowed = "planned-allowed"
    case plannedDenied = "planned-denied"
    case plannedLater = "planned-later"
    /// A write recorded, a command done.
    case done
    /// The request was wrong (syntax, argument, role, clock): fix it; the same request will
    /// get the same answer.
    case rejected

    /// The class of a decision's answer, for a CHECK or a PLAN.
    public init(_ kind: Decision.Kind, planned: Bool) {
        switch (kind, planned) {
        case (.allowed, false): self = .allowed
        case (.denied, false): self = .denied
        case (.later, false): self = .later
        case (.allowed, true): self = .plannedAllowed
        case (.denied, true): self = .plannedDenied
        case (.later, true): self = .plannedLater
        case (.unavailable, _): self = .unavailable
        }
    }
}

extension ProtocolError.Code {
    /// What a client should do with an `ERR` of this code.
    public var answerClass: AnswerClass {
        switch self {
        case .ledgerUnavailable, .overload, .internalError: .unavailable
        default: .rejected
        }
    }
}

/// One answer line: its head word, at most one more word (`ALLOW consent`, `OK attempt`,
/// `ERR bad-argument`), then `key=value` fields, values quoted when they need it: the request
/// id first when the request had one, then the class. Always exactly one line.
public struct Response: Sendable, Equatable {
    public var words: [String]
    public var fields: [Fact]
    /// Whether the connection closes after this answer (QUIT, an overlong line).
    public var closesConnection: Bool

    public init(_ words: [String], fields: [Fact] = [], closesConnection: Bool = false) {
        self.words = words
        self.fields = fields
        self.closesConnection = closesConnection
    }

    /// An answer to a request that may carry an `id`: the id is echoed as the first field, the
    /// class comes next.
    public init(
        _ words: [String], id: String?, class answerClass: AnswerClass = .done, fields: [Fact] = [], closesConnection: Bool = false
    ) {
        var all = id.map { [Fact("id", $0)] } ?? []
        all.reserveCapacity(fields.count + 2)
        all.append(Fact("class", answerClass.rawValue))
        all += fields
        self.init(words, fields: all, closesConnection: closesConnection)
    }

    /// The line, with its LF terminator.
    public var line: String {
        var bytes: [UInt8] = []
        append(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the line, with its LF terminator, to `bytes`: what the server writes, without a
    /// string built per answer.
    public func append(to bytes: inout [UInt8]) {
        for (index, word) in words.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: " ")) }
            bytes.append(contentsOf: word.utf8)
        }
        if !fields.isEmpty {
            bytes.append(UInt8(ascii: " "))
            Self.appendFieldText(fields, to: &bytes)
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    /// `key=value` pairs as the wire writes them, values quoted when they need it; the journal
    /// uses the same form for a decision's facts.
    public static func fieldText(_ fields: [Fact]) -> String {
        var bytes: [UInt8] = []
        appendFieldText(fields, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `fieldText(fields)` to `bytes`.
    public static func appendFieldText(_ fields: [Fact], to bytes: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: " ")) }
            bytes.append(contentsOf: field.key.utf8)
            bytes.append(UInt8(ascii: "="))
            LineTokenizer.appendQuoted(field.value, to: &bytes)
        }
    }

    /// `text` with each line hazard (control character, Unicode line break, bidi control)
    /// written as the visible escape `\uXXXX`, unquoted: the form of text from clients and
    /// lists in journal fields, so that a field can neither fake a line break nor reorder
    /// what an auditor reads.
    public static func visible(_ text: String) -> String {
        LineTokenizer.escapingHazards(text)
    }

    /// `ALLOW|DENY <reason> [id=] class= rule= regime= ...facts`, or for a plan (a decision about
    /// another instant than now) `WOULD-ALLOW|WOULD-DENY`, so that a client reading the first
    /// word can never take a plan for a permission to call.
    public static func decision(_ decision: Decision, id: String?, planned: Bool = false, extra: [Fact] = []) -> Response {
        Self.decision(decision, id: id, planned: planned, extraCount: extra.count) { $0 += extra }
    }

    /// The same answer, with its extra fields (after `regime=`) appended by `extra`, at most
    /// `extraCount` of them: what the gate answers for every decision, without an array of
    /// them built first.
    public static func decision(
        _ decision: Decision, id: String?, planned: Bool, extraCount: Int, extra: (inout [Fact]) -> Void
    ) -> Response {
        // One array, in the order `init(_:id:class:fields:)` gives: id, class, then the rest.
        var fields: [Fact] = []
        fields.reserveCapacity(4 + extraCount + decision.facts.count)
        if let id { fields.append(Fact("id", id)) }
        fields.append(Fact("class", AnswerClass(decision.kind, planned: planned).rawValue))
        fields.append(Fact("rule", decision.rule))
        if let regime = decision.regime { fields.append(Fact("regime", regime.rawValue)) }
        extra(&fields)
        for fact in decision.facts where fact.key != "regime" { fields.append(fact) }
        let head = planned ? "WOULD-" + decision.verdict.rawValue : decision.verdict.rawValue
        return Response([head, decision.reason.rawValue], fields: fields)
    }

    /// `ERR <code> [id=] class= message="..."`.
    public static func error(_ error: ProtocolError, closesConnection: Bool = false) -> Response {
        Response(
            ["ERR", error.code.rawValue], id: error.id, class: error.code.answerClass,
            fields: [Fact("message", error.message)], closesConnection: closesConnection)
    }

    /// `OK <what> [id=] class=done ...fields`: `what` is the event recorded (`attempt`,
    /// `optout`, ...) or the command done (`reload`).
    public static func ok(_ what: String, id: String?, _ fields: [Fact] = []) -> Response {
        Response(["OK", what], id: id, class: .done, fields: fields)
    }
}

/// Reads answer lines back (for the `dialgate` command and the tests).
public struct ResponseLine: Sendable, Equatable {
    public var words: [String]
    public var fields: [String: String]

    public init?(parsing line: Substring) {
        var line = line
        while line.last == "\n" || line.last == "\r" { line = line.dropLast() }
        guard let tokens = try? LineTokenizer.tokenize(line) else { return nil }
        words = tokens.filter { $0.key == nil }.map(\.value)
        fields = [:]
        for token in tokens { if let key = token.key { fields[key] = token.value } }
        guard !words.isEmpty else { return nil }
    }

    public var first: String { words[0] }
}
