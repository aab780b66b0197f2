import DialGateCore
import Foundation

/// One request line from a client, parsed: the command and the request id to echo.
///
/// The grammar is in Protocol.md; this type is its executable form.
public struct Request: Sendable, Equatable {
    /// The client's correlation token (`id=`), echoed in the answer.
    public var id: String?
    /// The client's key for a write (`key=`), e.g. a SIP Call-ID: the same key twice records
    /// once (see `Ledger.append(_:key:)`). On a CHECK, it names the reservation an ALLOW takes.
    public var key: String?
    public var command: Command

    public init(id: String? = nil, key: String? = nil, command: Command) {
        self.id = id
        self.key = key
        self.command = command
    }

    /// The longest `id=` and `key=`.
    public static let maxTokenLength = 64
}

/// What a client can ask. One case per verb of Protocol.md.
public enum Command: Sendable, Equatable {
    /// May this number be called now, for this campaign? The only answer a call may be placed on.
    case check(Check)
    /// Would this number be allowed at `at` (default: now)? For schedulers and replays; the
    /// answer's head (`WOULD-ALLOW`, `WOULD-DENY`) is never a permission to call.
    case plan(Check)
    /// The dialer placed a call or call attempt (counts toward 4 per 30 days).
    case attempt(CallOutcome)
    /// The consumer refused during a call (60 days of quiet).
    case refusal(CallOutcome)
    /// The person asked not to be called again: the company's own do-not-call list.
    case optOut(number: PhoneNumber, source: String, at: Date?)
    /// A consent was collected, with its proof; `givenAt` nil means now, by the gate's clock.
    case consent(number: PhoneNumber, kind: ConsentRecord.Kind, scope: String, proof: String, givenAt: Date?)
    /// A consent was withdrawn.
    case revoke(number: PhoneNumber, kind: ConsentRecord.Kind, scope: String, at: Date?)
    /// The call a CHECK reserved a place for was not placed: free the place.
    case release(number: PhoneNumber, reservation: String)
    case ping
    case version
    case stats
    case reload
    case quit

    public struct Check: Sendable, Equatable {
        /// The number as parsed, or why it could not be: an unparsable number is still a
        /// decision (`DENY invalid-number`), audited like any other.
        public var number: Result<PhoneNumber, PhoneNumberError>
        /// The number as the client wrote it.
        public var numberText: String
        public var campaign: String
        public var channel: Campaign.Channel?
        /// For a PLAN, the instant decided for (`nil`: now). For a CHECK, the client's own
        /// clock, which must agree with the gate's within the tolerance; the decision is for now.
        public var at: Date?
        /// How long the client waits for the answer, from when the gate reads the request
        /// (`deadline-ms=`): a decision ready later is no permission to call.
        public var deadlineMilliseconds: Int?
    }

    public struct CallOutcome: Sendable, Equatable {
        public var number: PhoneNumber
        public var campaign: String
        public var at: Date?
        /// How the call ended (ATTEMPT only).
        public var result: CallResult?
        /// The reservation the attempt settles (ATTEMPT only).
        public var reservation: String?

        public init(
            number: PhoneNumber, campaign: String, at: Date? = nil, result: CallResult? = nil, reservation: String? = nil
        ) {
            self.number = number
            self.campaign = campaign
            self.at = at
            self.result = result
            self.reservation = reservation
        }
    }
}

/// A request the daemon cannot act on: a stable error code and a human explanation.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable codes of `ERR` answers (see Protocol.md).
    public enum Code: String, Sendable {
        case unknownCommand = "unknown-command"
        case missingArgument = "missing-argument"
        case unknownArgument = "unknown-argument"
        case badArgument = "bad-argument"
        case invalidNumber = "invalid-number"
        case badSyntax = "bad-syntax"
        case badEncoding = "bad-encoding"
        case lineTooLong = "line-too-long"
        case empty
        /// The peer's user and groups do not hold the role the command needs.
        case forbidden
        /// A write names a campaign the configuration does not declare.
        case unknownCampaign = "unknown-campaign"
        /// An instant is further from the gate's clock than the rules allow (a CHECK's `at=`
        /// beyond the tolerance, a write dated in the future or before any rule's window).
        case clockSkew = "clock-skew"
        /// The ledger could not record the event: nothing was acknowledged.
        case ledgerUnavailable = "ledger-unavailable"
        /// A write's `key=` already names a write of that command about another number.
        case keyConflict = "key-conflict"
        /// A RELEASE or ATTEMPT names a reservation the ledger does not hold for the number.
        case unknownReservation = "unknown-reservation"
        /// A RELEASE names a reservation already settled: reported, freed, or held past the
        /// time after which it counts as an attempt for good.
        case reservationSettled = "reservation-settled"
        case reloadFailed = "reload-failed"
        case overload
        /// The daemon could not produce an answer (a fault of its own): neither a decision nor
        /// a claim that a write was or was not recorded.
        case internalError = "internal-error"
    }

    public var code: Code
    public var message: String
    /// The request id, when the line got far enough to tell it.
    public var id: String?

    public init(_ code: Code, _ message: String, id: String? = nil) {
        self.code = code
        self.message = message
        self.id = id
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension Request {
    /// The verbs the daemon understands, as `VERSION` lists them.
    public static var verbs: [String] { Command.Verb.allCases.map(\.rawValue) }

    /// Parses one line (without its line terminator; a trailing CR is ignored).
    public init(parsing line: Substring) throws(ProtocolError) {
        var line = line
        if line.last == "\r" { line = line.dropLast() }
        let tokens: [LineTokenizer.Token]
        do {
            tokens = try LineTokenizer.tokenize(line)
        } catch {
            throw Self.syntaxError(error)
        }
        try self.init(tokens: consume tokens)
    }

    /// Parses one line given as the bytes the server read, when it is printable ASCII without
    /// a quote (what hooks send): the same request, or the same error, as `init(parsing:)`
    /// gives its text, without building the line as a string first. `nil` for any other line
    /// (a quote, a control character, a CR, a byte over 0x7E), which `init(parsing:)` reads.
    public static func parsingPlain(_ line: UnsafeRawBufferPointer) -> Result<Request, ProtocolError>? {
        guard let tokens = LineTokenizer.plainTokens(line.assumingMemoryBound(to: UInt8.self)) else { return nil }
        switch tokens {
        case .failure(let error): return .failure(syntaxError(error))
        case .success(let tokens): return Result { () throws(ProtocolError) in try Request(tokens: tokens) }
        }
    }

    private static func syntaxError(_ error: LineTokenizer.Failure) -> ProtocolError {
        switch error {
        case .unterminatedQuote(let p): ProtocolError(.badSyntax, "unterminated quote at character \(p)")
        case .hazard(let hazard, let scalar, let p):
            ProtocolError(.badSyntax, "\(hazard.name) \(LineHazard.codePoint(scalar)) at character \(p)")
        case .emptyKey(let p): ProtocolError(.badSyntax, "'=' without a key at character \(p)")
        case .badEscape(let p): ProtocolError(.badSyntax, "\\u needs four hex digits naming a character at character \(p)")
        }
    }

    /// The request the line's tokens make. The tokens are read in place (the verb's words
    /// and arguments taken out of them as they are used), with no dictionary or word list
    /// built per request: this runs for every line a client sends.
    private init(tokens remaining: consuming [LineTokenizer.Token]) throws(ProtocolError) {
        guard let first = remaining.first else { throw ProtocolError(.empty, "empty request") }
        var id: String?
        var clientKey: String?
        // `id=` and `key=` out first, in line order, so that an error names the id seen so far.
        // The other tokens move down over them in one pass, so a long line costs its length.
        var kept = 0
        var seen = remaining.count > Self.linearScanLimit ? Set<String>() : nil
        for index in remaining.indices {
            if let key = remaining[index].key {
                if key == "id" {
                    id = remaining[index].value
                    continue
                }
                if key == "key" {
                    guard clientKey == nil else { throw ProtocolError(.badArgument, "key given twice", id: id) }
                    clientKey = remaining[index].value
                    continue
                }
                let repeated =
                    if seen != nil { !seen!.insert(key).inserted } else { remaining[..<kept].contains { $0.key == key } }
                guard !repeated else { throw ProtocolError(.badArgument, "\(key) given twice", id: id) }
            }
            if kept != index { remaining.swapAt(kept, index) }
            kept += 1
        }
        remaining.removeLast(remaining.count - kept)
        if let id, id.isEmpty || id.utf8.count > Self.maxTokenLength {
            throw ProtocolError(.badArgument, "id must be 1 to \(Self.maxTokenLength) characters")
        }
        if let clientKey, clientKey.isEmpty || clientKey.utf8.count > Self.maxTokenLength {
            throw ProtocolError(.badArgument, "key must be 1 to \(Self.maxTokenLength) characters", id: id)
        }
        guard first.key == nil else { throw ProtocolError(.badSyntax, "a request starts with a command", id: id) }
        let verb = remaining.removeFirst().value.uppercased()
        var parser = ArgumentReader(verb: verb, tokens: consume remaining, id: id)
        self.id = id
        self.command = try parser.command()
        if clientKey != nil, !command.verb.takesKey {
            throw ProtocolError(.unknownArgument, "\(verb) takes no argument 'key'", id: id)
        }
        self.key = clientKey
    }

    /// Up to this many tokens, a repeated argument is found by looking back along the line;
    /// beyond it (a line of thousands of arguments), with a set, so a long line costs its
    /// length and not its square.
    private static let linearScanLimit = 16
}

/// Reads a verb's positional words and `key=value` arguments, rejecting what it does not use.
/// Both are the line's tokens after the verb, each taken out as it is used: what is left at
/// the end was not understood.
private struct ArgumentReader {
    let verb: String
    /// Words (no key) and arguments, in line order, each at most once by key.
    var tokens: [LineTokenizer.Token]
    let id: String?

    mutating func command() throws(ProtocolError) -> Command {
        let command: Command
        guard let known = Command.Verb(rawValue: verb) else {
            throw ProtocolError(.unknownCommand, "unknown command '\(verb)'; VERSION lists the commands", id: id)
        }
        switch known {
        case .check, .plan:
            let text = try word("number")
            let number: Result<PhoneNumber, PhoneNumberError>
            do { number = .success(try PhoneNumber(parsing: text)) } catch { number = .failure(error) }
            let check = Command.Check(
                number: number, numberText: text, campaign: try required("campaign"), channel: try channel(),
                at: try instant("at"), deadlineMilliseconds: known == .check ? try deadline() : nil)
            command = known == .check ? .check(check) : .plan(check)
        case .attempt:
            command = .attempt(
                Command.CallOutcome(
                    number: try number(), campaign: try required("campaign"), at: try instant("at"), result: try result(),
                    reservation: try token("reservation")))
        case .refusal:
            command = .refusal(
                Command.CallOutcome(number: try number(), campaign: try required("campaign"), at: try instant("at")))
        case .release:
            let number = try number()
            guard let reservation = try token("reservation") else {
                throw ProtocolError(.missingArgument, "RELEASE needs reservation=", id: id)
            }
            command = .release(number: number, reservation: reservation)
        case .optOut:
            command = .optOut(number: try number(), source: optional("source") ?? "dialer", at: try instant("at"))
        case .consent:
            command = .consent(
                number: try number(), kind: try kind(), scope: optional("scope") ?? "*", proof: try required("proof"),
                givenAt: try instant("given-at"))
        case .revoke:
            command = .revoke(number: try number(), kind: try kind(), scope: optional("scope") ?? "*", at: try instant("at"))
        case .ping: command = .ping
        case .version: command = .version
        case .stats: command = .stats
        case .reload: command = .reload
        case .quit: command = .quit
        }
        if let extra = tokens.first(where: { $0.key == nil }) {
            throw ProtocolError(.badSyntax, "unexpected word '\(extra.value)' after \(verb)", id: id)
        }
        if let key = tokens.compactMap(\.key).min() {
            throw ProtocolError(.unknownArgument, "\(verb) takes no argument '\(key)'", id: id)
        }
        return command
    }

    mutating func word(_ name: String) throws(ProtocolError) -> String {
        guard let word = take(where: { $0.key == nil }) else {
            throw ProtocolError(.missingArgument, "\(verb) needs a \(name)", id: id)
        }
        return word
    }

    mutating func number() throws(ProtocolError) -> PhoneNumber {
        let text = try word("number")
        do {
            return try PhoneNumber(parsing: text)
        } catch {
            throw ProtocolError(.invalidNumber, "'\(text)': \(error)", id: id)
        }
    }

    /// Takes the argument `key` out, if the line gave it.
    mutating func optional(_ key: String) -> String? {
        take { $0.key == key }
    }

    /// Takes the first token `matching` out and gives its value: a word or an argument used.
    private mutating func take(where matching: (LineTokenizer.Token) -> Bool) -> String? {
        guard let index = tokens.firstIndex(where: matching) else { return nil }
        return tokens.remove(at: index).value
    }

    mutating func required(_ key: String) throws(ProtocolError) -> String {
        guard let value = optional(key), !value.isEmpty else {
            throw ProtocolError(.missingArgument, "\(verb) needs \(key)=", id: id)
        }
        return value
    }

    mutating func instant(_ key: String) throws(ProtocolError) -> Date? {
        guard let text = optional(key) else { return nil }
        guard let date = ISOInstant.parse(text) else {
            throw ProtocolError(
                .badArgument, "\(key)='\(text)' is not an ISO-8601 date-time with Z or an offset", id: id)
        }
        // The ledger keeps instants of 1970...9999 only: refused here, a write of another year
        // would be accepted, then answered `ERR ledger-unavailable` as if the disk had failed.
        guard ISOInstant.isWithinSupportedYears(date) else {
            throw ProtocolError(.badArgument, "\(key)='\(text)' is outside the years 1970...9999 (UTC)", id: id)
        }
        return date
    }

    mutating func channel() throws(ProtocolError) -> Campaign.Channel? {
        guard let text = optional("channel") else { return nil }
        guard let channel = Campaign.Channel(rawValue: text) else {
            throw ProtocolError(.badArgument, "channel='\(text)' is not voice, sms or email", id: id)
        }
        return channel
    }

    /// `deadline-ms=`: 1 to 60000 milliseconds.
    mutating func deadline() throws(ProtocolError) -> Int? {
        guard let text = optional("deadline-ms") else { return nil }
        guard let value = Int(text), (1...60_000).contains(value), text.allSatisfy(\.isASCII) else {
            throw ProtocolError(.badArgument, "deadline-ms='\(text)' is not a number of milliseconds from 1 to 60000", id: id)
        }
        return value
    }

    mutating func result() throws(ProtocolError) -> CallResult? {
        guard let text = optional("outcome") else { return nil }
        guard let result = CallResult(rawValue: text) else {
            let known = CallResult.allCases.map(\.rawValue).joined(separator: ", ")
            throw ProtocolError(.badArgument, "outcome='\(text)' is not one of \(known)", id: id)
        }
        return result
    }

    /// A token argument (`reservation=`): 1 to 64 characters, like `id=` and `key=`.
    mutating func token(_ key: String) throws(ProtocolError) -> String? {
        guard let text = optional(key) else { return nil }
        guard !text.isEmpty, text.utf8.count <= Request.maxTokenLength else {
            throw ProtocolError(.badArgument, "\(key) must be 1 to \(Request.maxTokenLength) characters", id: id)
        }
        return text
    }

    mutating func kind() throws(ProtocolError) -> ConsentRecord.Kind {
        guard let text = optional("kind") else { return .prospecting }
        guard let kind = ConsentRecord.Kind(rawValue: text) else {
            throw ProtocolError(.badArgument, "kind='\(text)' is not prospecting, callback or off-hours", id: id)
        }
        return kind
    }
}
