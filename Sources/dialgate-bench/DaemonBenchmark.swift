import ArgumentParser
import DialGateClient
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `dialgate-bench daemon`: decisions per second and latency of the real daemon over its Unix
/// socket, with every decision written to the journal, for 1 connection asking one request at
/// a time and for 32 connections pipelining 64. PING over the same connections is the
/// baseline measured in the same run: the ratio says what a decision (lookup, policy,
/// journal write) costs over a bare round trip on this machine.
struct DaemonBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon", abstract: "Measure the daemon: decisions/s and p50/p99 latency, against PING.")

    @Option(help: "The dialgated binary to run.")
    var binary = ".build/release/dialgated"

    @Option(help: "Requests for the one-connection scenarios.")
    var serialRequests = 20_000

    @Option(help: "Requests per connection for the pipelined scenarios.")
    var pipelinedRequests = 6_400

    @Option(help: "Connections for the pipelined scenarios.")
    var connections = 32

    @Option(help: "Pipeline depth for the pipelined scenarios.")
    var depth = 64

    func run() throws {
        let daemon = try BenchDaemon(binary: binary)
        defer { daemon.stop() }
        // A number of the example internal opt-out list: denied at any hour, so the figure does
        // not depend on the clock (a CHECK's `at=` must be within the clock tolerance of now).
        let check = "CHECK 0199000010 campaign=fibre-promo"
        print("dialgated benchmark: journal on (every CHECK is one journal entry), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("scenario                          requests/s     p50 µs     p99 µs")
        let pingSerial = try measure(daemon, request: "PING", connections: 1, depth: 1, perConnection: serialRequests)
        report("PING, 1 connection, 1 in flight", pingSerial)
        let checkSerial = try measure(daemon, request: check, connections: 1, depth: 1, perConnection: serialRequests)
        report("CHECK, 1 connection, 1 in flight", checkSerial)
        let pingPipelined = try measure(daemon, request: "PING", connections: connections, depth: depth, perConnection: pipelinedRequests)
        report("PING, \(connections) conn × \(depth) pipelined", pingPipelined)
        let checkPipelined = try measure(daemon, request: check, connections: connections, depth: depth, perConnection: pipelinedRequests)
        report("CHECK, \(connections) conn × \(depth) pipelined", checkPipelined)
        print(String(format: "ratio CHECK/PING throughput: %.2f (1 in flight), %.2f (pipelined)",
                     checkSerial.rate / pingSerial.rate, checkPipelined.rate / pingPipelined.rate))
    }

    struct Result {
        var rate: Double
        var p50: Double
        var p99: Double
    }

    private func report(_ name: String, _ result: Result) {
        print(name.padding(toLength: 34, withPad: " ", startingAt: 0)
            + String(format: "%10.0f %10.1f %10.1f", result.rate, result.p50, result.p99))
    }

    /// Each connection sends `depth` requests, reads their answers, and repeats; a request's
    /// latency runs from its batch's send to its answer's arrival.
    private func measure(_ daemon: BenchDaemon, request: String, connections: Int, depth: Int, perConnection: Int) throws -> Result {
        // Each connection is used by exactly one of the concurrentPerform iterations.
        nonisolated(unsafe) let clients = try (0..<connections).map { _ in try LineClient(path: daemon.socket) }
        let batch = String(repeating: request + "\n", count: depth)
        let expected = request == "PING" ? "PONG" : "DENY internal-optout "
        nonisolated(unsafe) let latencies = UnsafeMutableBufferPointer<Double>.allocate(capacity: connections * perConnection)
        defer { latencies.deallocate() }
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: connections) { c in
            let client = clients[c]
            var done = 0
            while done < perConnection {
                let sent = DispatchTime.now().uptimeNanoseconds
                try! client.send(batch)
                for _ in 0..<depth {
                    guard let line = try! client.readLine(), line.hasPrefix(expected) else { fatalError("bad answer") }
                    latencies[c * perConnection + done] = Double(DispatchTime.now().uptimeNanoseconds - sent) / 1000
                    done += 1
                }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let sorted = latencies.sorted()
        return Result(
            rate: Double(sorted.count) / seconds, p50: sorted[sorted.count / 2], p99: sorted[sorted.count * 99 / 100])
    }
}

/// The daemon under test, on the example configuration and lists in a scratch directory.
final class BenchDaemon {
    let directory: String
    let socket: String
    private let process = Process()

    init(binary: String) throws {
        var template = Array("/tmp/dialgate-bench-XXXXXX".utf8CString)
        directory = String(cString: mkdtemp(&template)!)
        socket = directory + "/dialgate.sock"
        let fm = FileManager.default
        try fm.copyItem(atPath: "examples/lists", toPath: directory + "/lists")
        var config = try String(contentsOfFile: "examples/dialgate.toml", encoding: .utf8)
        for (key, value) in [("socket", socket), ("lists", directory + "/lists"), ("state", directory + "/state")] {
            config = config.replacingOccurrences(
                of: "(?m)^\(key) = .*$", with: "\(key) = \"\(value)\"", options: .regularExpression)
        }
        try config.write(toFile: directory + "/dialgate.toml", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--config", directory + "/dialgate.toml"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<600 {
            if let client = try? LineClient(path: socket), (try? client.ask("PING"))?.hasPrefix("PONG") == true { return }
            usleep(50_000)
        }
        throw ValidationError("dialgated did not start")
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
