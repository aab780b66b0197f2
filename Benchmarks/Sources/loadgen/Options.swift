/// What one run of the load generator does, from its command line (parsed by hand: the
/// benchmarks package stays small, so `scripts/test`'s smoke step builds it quickly).
struct Options {
    enum Wire: String {
        /// dialgated: a reply is right when it starts with its `--expect` text followed by a
        /// space or the end of the line (`DENY internal-optout` matches `DENY internal-optout class=…`).
        case dialgate
        /// Redis's inline protocol: the reply line is exactly its `--expect` (`:1`, `:0`).
        case redis
        /// A line echo: the reply is exactly the request line.
        case echo
    }

    var socket = ""
    var proto = Wire.dialgate
    var requests: [String] = []
    var expects: [String] = []
    var connections = 1
    var depth = 1
    /// Requests in all, over every connection (0: no limit), and seconds to run (0: no limit):
    /// the run stops sending at the first reached, and ends once every answer is in.
    var total = 0
    var duration = 0.0
    var threads = 1
    var label = "run"
    /// `{n}` in a request is replaced by `start + (k mod count)`, k counting requests from
    /// `sequenceOffset` on: distinct numbers, for CHECKs that each take a place under the cap.
    var sequenceStart = 0
    var sequenceCount = 1
    var sequenceOffset = 0
    var percentilesFile: String?
    var showWrong = 5
    /// A run that gets no answer for this long fails (a wedged server).
    var stallSeconds = 30.0

    static let usage = """
        usage: loadgen --socket PATH --protocol dialgate|redis|echo --request LINE [--request LINE…]
                       [--expect TEXT…] [--connections N] [--depth P] [--requests TOTAL] [--duration SECONDS]
                       [--threads T] [--label NAME] [--sequence START:COUNT] [--sequence-offset K]
                       [--percentiles FILE] [--show-wrong N] [--stall-seconds S]

        N connections each keep P requests in flight (a closed loop: an answer lets the next request go).
        Requests cycle through the --request lines in order; --expect gives each one's expected reply
        (one --expect for all, or one per --request; echo needs none). Every reply is checked. Latency
        runs from a request's write to its answer's read, into an HdrHistogram. Prints one line:
        loadgen label=… requests=… wrong=… rps=… p50_us=… p99_us=… p999_us=… and exits 1 if any reply
        was wrong or missing.
        """

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var index = 0
        func value(_ name: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.count else { throw UsageError("\(name) needs a value") }
            return arguments[index]
        }
        func integer(_ name: String) throws(UsageError) -> Int {
            let text = try value(name)
            guard let number = Int(text.replacingUnderscores()), number >= 0 else {
                throw UsageError("\(name) wants a whole number, not \(text)")
            }
            return number
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--socket": options.socket = try value(argument)
            case "--protocol":
                let text = try value(argument)
                guard let proto = Wire(rawValue: text) else { throw UsageError("unknown protocol \(text)") }
                options.proto = proto
            case "--request": options.requests.append(try value(argument))
            case "--expect": options.expects.append(try value(argument))
            case "--connections": options.connections = try integer(argument)
            case "--depth": options.depth = try integer(argument)
            case "--requests": options.total = try integer(argument)
            case "--duration":
                let text = try value(argument)
                guard let seconds = Double(text), seconds > 0 else { throw UsageError("--duration wants seconds, not \(text)") }
                options.duration = seconds
            case "--threads": options.threads = try integer(argument)
            case "--label": options.label = try value(argument)
            case "--sequence":
                let text = try value(argument)
                let parts = text.split(separator: ":")
                guard parts.count == 2, let start = Int(parts[0]), let count = Int(parts[1]), count > 0 else {
                    throw UsageError("--sequence wants START:COUNT, not \(text)")
                }
                options.sequenceStart = start
                options.sequenceCount = count
            case "--sequence-offset": options.sequenceOffset = try integer(argument)
            case "--percentiles": options.percentilesFile = try value(argument)
            case "--show-wrong": options.showWrong = try integer(argument)
            case "--stall-seconds":
                let text = try value(argument)
                guard let seconds = Double(text), seconds > 0 else { throw UsageError("--stall-seconds wants seconds") }
                options.stallSeconds = seconds
            case "-h", "--help": throw UsageError(nil)
            default: throw UsageError("unknown argument \(argument)")
            }
            index += 1
        }
        guard !options.socket.isEmpty else { throw UsageError("--socket is required") }
        guard !options.requests.isEmpty else { throw UsageError("at least one --request is required") }
        for request in options.requests where request.utf8.contains(where: { $0 == 10 || $0 == 13 }) {
            throw UsageError("a request is one line: \(request)")
        }
        switch options.proto {
        case .echo:
            guard options.expects.isEmpty else { throw UsageError("echo checks a reply against its request: no --expect") }
        case .dialgate, .redis:
            guard options.expects.count == 1 || options.expects.count == options.requests.count else {
                throw UsageError("give one --expect, or one per --request (\(options.requests.count))")
            }
        }
        guard options.connections >= 1, options.depth >= 1, options.threads >= 1 else {
            throw UsageError("--connections, --depth and --threads must be at least 1")
        }
        guard options.total > 0 || options.duration > 0 else {
            throw UsageError("give --requests, --duration, or both (the run stops at the first reached)")
        }
        guard options.total == 0 || options.total >= options.connections else {
            throw UsageError("--requests must be at least --connections")
        }
        options.threads = min(options.threads, options.connections)
        return options
    }

    /// The expected reply of request template `index` (dialgate, redis).
    func expect(_ index: Int) -> String {
        expects.count == 1 ? expects[0] : expects[index]
    }
}

struct UsageError: Error {
    var message: String?
    init(_ message: String?) { self.message = message }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(filter { $0 != "_" })
    }
}
