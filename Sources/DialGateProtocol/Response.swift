import DialGateCore

/// One answer line: leading words (`ALLOW consent`, `OK`, `ERR bad-argument`) then
/// `key=value` fields, values quoted when they need it. Always exactly one line.
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

    /// An answer to a request that may carry an `id`: the id is echoed as the first field.
    public init(_ words: [String], id: String?, fields: [Fact] = [], closesConnection: Bool = false) {
        self.init(words, fields: (id.map { [Fact("id", $0)] } ?? []) + fields, closesConnection: closesConnection)
    }

    /// The line, with its LF terminator.
    public var line: String {
        var out = words.joined(separator: " ")
        if !fields.isEmpty { out += " " + Self.fieldText(fields) }
        return out + "\n"
    }

    /// `key=value` pairs as the wire writes them, values quoted when they need it; the journal
    /// uses the same form for a decision's facts.
    public static func fieldText(_ fields: [Fact]) -> String {
        fields.map { "\($0.key)=\(LineTokenizer.quote($0.value))" }.joined(separator: " ")
    }

    /// `text` with each line hazard (control character, Unicode line break, bidi control)
    /// written as the visible escape `\uXXXX`, unquoted: the form of text from clients and
    /// lists in journal fields, so that a field can neither fake a line break nor reorder
    /// what an auditor reads.
    public static func visible(_ text: String) -> String {
        LineTokenizer.escapingHazards(text)
    }

    /// `ALLOW|DENY <reason> [id=] rule= regime= ...facts`, or for a plan (a decision about
    /// another instant than now) `WOULD-ALLOW|WOULD-DENY`, so that a client reading the first
    /// word can never take a plan for a permission to call.
    public static func decision(_ decision: Decision, id: String?, planned: Bool = false, extra: [Fact] = []) -> Response {
        var fields = [Fact("rule", decision.rule)]
        if let regime = decision.regime { fields.append(Fact("regime", regime.rawValue)) }
        fields += extra
        fields += decision.facts.filter { $0.key != "regime" }
        let head = planned ? "WOULD-" + decision.verdict.rawValue : decision.verdict.rawValue
        return Response([head, decision.reason.rawValue], id: id, fields: fields)
    }

    /// `ERR <code> [id=] message="..."`.
    public static func error(_ error: ProtocolError, closesConnection: Bool = false) -> Response {
        Response(
            ["ERR", error.code.rawValue], id: error.id, fields: [Fact("message", error.message)],
            closesConnection: closesConnection)
    }

    /// `OK [id=] ...fields`.
    public static func ok(id: String?, _ fields: [Fact] = []) -> Response {
        Response(["OK"], id: id, fields: fields)
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
