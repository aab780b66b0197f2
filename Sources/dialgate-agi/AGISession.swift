#if canImport(Glibc)
import Glibc
#endif

/// The program's side of Asterisk's AGI: first the `agi_*` environment Asterisk writes on
/// standard input (ended by an empty line), then one command line out on standard output and
/// one answer line back (`200 result=1 (value)`, `510 …`, `511 …`).
///
/// Asterisk tells an AGI that its channel hung up with a `HANGUP` line (FastAGI, and in place
/// of or before an answer) or SIGHUP (a local AGI, unless AGISIGHUP=no); a closed pipe means
/// Asterisk is gone.
final class AGISession {
    /// Why the dialogue ended before the program was done.
    enum Ending: Error {
        /// The channel hung up while it mattered (a check: the call will not be placed).
        case hangup
        /// Asterisk closed the pipes.
        case gone
    }

    /// The `agi_*` variables by name (`agi_uniqueid`, `agi_extension`, `agi_arg_1`, ...).
    let environment: [String: String]
    /// Whether a `HANGUP` line ends the dialogue (a check) or is only noted (a report, which
    /// runs on a hung-up channel by design and must still send what it came to send).
    let hangupEnds: Bool
    private var input: LineReader

    /// Reads the environment; nil when standard input ends before its empty line.
    init?(hangupEnds: Bool) {
        var input = LineReader(fd: 0)
        var environment: [String: String] = [:]
        while true {
            guard let line = input.next() else { return nil }
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            environment[String(line[..<colon])] = String(value)
        }
        self.environment = environment
        self.hangupEnds = hangupEnds
        self.input = input
    }

    /// `SET VARIABLE name "value"`.
    func set(_ name: String, _ value: String) throws(Ending) {
        _ = try command("SET VARIABLE \(name) \(Self.quoted(value))")
    }

    /// `GET VARIABLE name`: its value, nil when it is not set (`200 result=0`) or the command
    /// failed.
    func get(_ name: String) throws(Ending) -> String? {
        let answer = try command("GET VARIABLE \(name)")
        guard answer.hasPrefix("200 result=1"), let open = answer.firstIndex(of: "("),
            let close = answer.lastIndex(of: ")"), open < close
        else { return nil }
        return String(answer[answer.index(after: open)..<close])
    }

    /// `VERBOSE "message" level`: a line in Asterisk's console and log at that verbosity.
    func verbose(_ message: String, level: Int) throws(Ending) {
        _ = try command("VERBOSE \(Self.quoted(String(message.prefix(900)))) \(level)")
    }

    /// Sends one command line and returns its answer line, skipping the rest of a multi-line
    /// `520-` usage answer.
    private func command(_ line: String) throws(Ending) -> String {
        try write(line + "\n")
        while true {
            guard let answer = input.next() else { throw .gone }
            if answer == "HANGUP" {
                if hangupEnds { throw .hangup }
                continue
            }
            if answer.hasPrefix("520-") {
                while true {
                    guard let more = input.next() else { throw .gone }
                    if more.hasPrefix("520 ") { break }
                }
            }
            return answer
        }
    }

    private func write(_ text: String) throws(Ending) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw .gone }
            offset += n
        }
    }

    /// A command argument in double quotes as res_agi's parser reads it (a backslash escapes
    /// the next character); a line break or other control character, which would end or
    /// garble the command line, becomes a space.
    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
