import ArgumentParser
import DialGateClient
import Foundation

/// `dialgate-bench writes`: what pipelined reports cost the ledger. Each connection sends all
/// its ATTEMPTs before reading an answer; the figures are writes/s and the fdatasyncs they
/// took (STATS `ledger_fsyncs`): with group commit on and across connections, a pipeline's
/// writes share syncs instead of taking one each.
struct WritesBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writes", abstract: "Measure pipelined ATTEMPTs: writes/s and fdatasyncs per write.")

    @Option(help: "The dialgated binary to run.")
    var binary = ".build/release/dialgated"

    @Option(help: "Writes in all, per scenario.")
    var writes = 800

    func run() throws {
        let daemon = try BenchDaemon(binary: binary)
        defer { daemon.stop() }
        print("dialgated ledger benchmark: \(writes) pipelined ATTEMPTs per scenario, state on \(daemon.directory)")
        print("scenario                      writes/s   fdatasyncs   writes/fdatasync")
        var first = 0
        for connections in [1, 8, 32] {
            let (rate, syncs) = try measure(daemon, connections: connections, offset: first)
            first += writes
            print(
                "\(connections) conn × \(writes / connections) pipelined".padding(toLength: 28, withPad: " ", startingAt: 0)
                    + String(format: "%10.0f %12d %18.1f", rate, syncs, Double(writes) / Double(max(syncs, 1))))
        }
    }

    private func fsyncs(_ daemon: BenchDaemon) throws -> Int {
        let stats = try LineClient(path: daemon.socket).ask("STATS")
        let field = stats.split(separator: " ").first { $0.hasPrefix("ledger_fsyncs=") }
        return field.flatMap { Int($0.dropFirst("ledger_fsyncs=".count)) } ?? 0
    }

    private func measure(_ daemon: BenchDaemon, connections: Int, offset: Int) throws -> (rate: Double, fsyncs: Int) {
        let perConnection = writes / connections
        nonisolated(unsafe) let clients = try (0..<connections).map { _ in try LineClient(path: daemon.socket) }
        let before = try fsyncs(daemon)
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: connections) { c in
            var batch = ""
            for i in 0..<perConnection {
                let n = offset + c * perConnection + i
                batch += "ATTEMPT +336\(String(format: "%08d", n)) campaign=fibre-promo\n"
            }
            try! clients[c].send(batch)
            for _ in 0..<perConnection {
                guard let line = try! clients[c].readLine(), line.hasPrefix("OK ") else { fatalError("a write was not recorded") }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (Double(perConnection * connections) / seconds, try fsyncs(daemon) - before)
    }
}
