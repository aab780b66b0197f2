import ArgumentParser
import DialGateClient
import DialGateProtocol

/// Sends one request to the daemon, prints the answer, and exits 0 unless it is an error.
private func ask(_ request: String, socket: String) throws {
    let answer: String
    do {
        answer = try LineClient(path: socket).ask(request)
    } catch {
        throw fail("\(error)")
    }
    print(answer)
    if answer.hasPrefix("ERR") { throw ExitCode(2) }
}

struct Ping: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check that the daemon answers (PONG).")
    @OptionGroup var socket: SocketOption
    func run() throws { try ask("PING", socket: socket.socket) }
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the daemon's counters and list state.")
    @OptionGroup var socket: SocketOption
    func run() throws { try ask("STATS", socket: socket.socket) }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reload configuration and lists now; a bad file keeps the previous ones serving (exit 2).")
    @OptionGroup var socket: SocketOption
    func run() throws { try ask("RELOAD", socket: socket.socket) }
}
