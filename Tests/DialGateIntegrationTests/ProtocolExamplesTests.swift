import DialGateClient
import DialGateProtocol
import Foundation
import Testing

/// Protocol.md is the contract: every example in it runs here against the real daemon on the
/// bundled example configuration and lists, block after block, each block on its own connection.
@Suite("Protocol.md examples")
struct ProtocolExamplesTests {
    struct Exchange {
        var request: String
        var expected: [String]
        var line: Int
    }

    /// The ```dialgate blocks of Protocol.md: `>` lines sent, `<` lines expected.
    static func examples() throws -> [[Exchange]] {
        let text = try String(contentsOfFile: RunningDaemon.packageRoot + "/Protocol.md", encoding: .utf8)
        var blocks: [[Exchange]] = []
        var current: [Exchange]?
        for (index, raw) in text.components(separatedBy: "\n").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if current == nil {
                if line == "```dialgate" { current = [] }
                continue
            }
            if line == "```" {
                blocks.append(current!)
                current = nil
            } else if line.hasPrefix("> ") {
                current!.append(Exchange(request: String(line.dropFirst(2)), expected: [], line: index + 1))
            } else if line.hasPrefix("< ") {
                current![current!.count - 1].expected.append(String(line.dropFirst(2)))
            }
        }
        return blocks
    }

    /// Whether an answer matches an expected line: same head words; every expected field present
    /// with the same value (`*` for any); no other field unless the expected line ends in `…`.
    static func matches(_ actual: String, _ expected: String) -> Bool {
        var expected = expected
        let open = expected.hasSuffix(" …")
        if open { expected = String(expected.dropLast(2)) }
        guard let want = ResponseLine(parsing: Substring(expected)), let got = ResponseLine(parsing: Substring(actual)) else {
            return false
        }
        guard want.words == got.words else { return false }
        for (key, value) in want.fields {
            guard let actualValue = got.fields[key], value == "*" || value == actualValue else { return false }
        }
        return open || Set(want.fields.keys) == Set(got.fields.keys)
    }

    @Test("every example in Protocol.md gets the answer the document shows")
    func examplesHold() async throws {
        try await onOwnThread {
            let blocks = try Self.examples()
            #expect(blocks.count >= 8, "Protocol.md should show its commands by example")
            let daemon = try RunningDaemon()
            for block in blocks {
                let connection = try daemon.client()
                for exchange in block {
                    try connection.send(exchange.request + "\n")
                    for expected in exchange.expected {
                        let actual = try connection.readLine() ?? "<connection closed>"
                        #expect(
                            Self.matches(actual, expected),
                            "Protocol.md line \(exchange.line): \(exchange.request)\n  expected: \(expected)\n  actual:   \(actual)")
                    }
                }
            }
        }
    }

    @Test("the example matcher is strict: other heads, values or extra fields do not match")
    func matcherIsStrict() async throws {
        try await onOwnThread {
            #expect(Self.matches("ALLOW consent seq=3 rule=x", "ALLOW consent seq=* rule=x"))
            #expect(!Self.matches("DENY consent seq=3 rule=x", "ALLOW consent seq=* rule=x"))
            #expect(!Self.matches("ALLOW consent seq=3 rule=y", "ALLOW consent seq=* rule=x"))
            #expect(!Self.matches("ALLOW consent seq=3 rule=x extra=1", "ALLOW consent seq=* rule=x"))
            #expect(Self.matches("ALLOW consent seq=3 rule=x extra=1", "ALLOW consent seq=* rule=x …"))
        }
    }
}
