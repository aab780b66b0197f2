import ArgumentParser
import DialGateClient
import DialGateProtocol

import Foundation

/// Sends one request to the daemon, prints the answer (or hands it to `show`), and exits 0
/// unless it is an error.
private func ask(_ request: String, socket: String, show: (String) throws -> Void = { print($0) }) throws {
    let answer: String
    do {
        answer = try LineClient(path: socket).ask(request)
    } catch {
        throw fail("\(error)")
    }
    if answer.hasPrefix("ERR") {
        print(answer)
        throw ExitCode(2)
    }
    try show(answer)
}

struct Ping: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check that the daemon answers (PONG).")
    @OptionGroup var socket: SocketOption
    func run() throws { try ask("PING", socket: socket.socket) }
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the daemon's counters and list state.")
    @OptionGroup var socket: SocketOption
    @Flag(name: .long, help: "One JSON object: numbers as numbers, the rest as strings (for monitoring).")
    var json = false

    func run() throws {
        try ask("STATS", socket: socket.socket) { answer in
            guard json else { return print(answer) }
            guard let line = ResponseLine(parsing: Substring(answer)) else { throw fail("unreadable answer: \(answer)") }
            var object: [String: Any] = [:]
            for (key, value) in line.fields {
                if let integer = Int(value) {
                    object[key] = integer
                } else if let number = Double(value), number.isFinite, value.first?.isNumber == true {
                    object[key] = number
                } else {
                    object[key] = value
                }
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reload configuration and lists now; a bad file keeps the previous ones serving (exit 2).")
    @OptionGroup var socket: SocketOption
    func run() throws { try ask("RELOAD", socket: socket.socket) }
}
