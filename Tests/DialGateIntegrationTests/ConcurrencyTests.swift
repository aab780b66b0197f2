import DialGateClient
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Many clients at once")
struct ConcurrencyTests {
    @Test("200 clients pipelining 100 CHECKs each get 20,000 correct answers, and the journal holds exactly 20,000 decisions with consecutive sequence numbers")
    func pipelinedClientsAreAllAnsweredAndAudited() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(configure: RunningDaemon.consentLiftsTheCap, lists: TestLists.standard)
            let run = try daemon.auditRun()
            let clients = 200
            let perClient = 100
            let wrong = ManagedCounter()
            let answered = ManagedCounter()
            let errors = ManagedCounter()
            DispatchQueue.concurrentPerform(iterations: clients) { client in
                do {
                    let connection = try daemon.client()
                    var batch = ""
                    for i in 0..<perClient {
                        let (number, _) = TestLists.expected[(client + i) % TestLists.expected.count]
                        batch += "CHECK \(number) campaign=fibre-promo at=\(TestLists.monday) id=\(client)-\(i)\n"
                    }
                    try connection.send(batch)
                    for i in 0..<perClient {
                        guard let line = try connection.readLine() else { break }
                        let (_, head) = TestLists.expected[(client + i) % TestLists.expected.count]
                        answered.increment()
                        if !line.hasPrefix(head + " id=\(client)-\(i) ") { wrong.increment() }
                    }
                } catch {
                    errors.increment()
                }
            }
            #expect(errors.value == 0)
            #expect(answered.value == clients * perClient)
            #expect(wrong.value == 0)

            let entries = try JournalQuery.entries(matching: "DIALGATE_RUN=\(run)", atLeast: clients * perClient)
            let decisions = entries.filter { ($0["DIALGATE_VERDICT"] as? String) != nil }
            #expect(decisions.count == clients * perClient)
            let sequence = decisions.compactMap { ($0["DIALGATE_SEQ"] as? String).flatMap(Int.init) }.sorted()
            #expect(sequence == Array(1...(clients * perClient)))
            #expect(daemon.stop() == 0)
        }
    }

    @Test("a reload under load loses no query: every pipelined CHECK is answered correctly while the lists are reloaded")
    func reloadUnderLoadLosesNoQuery() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(configure: RunningDaemon.consentLiftsTheCap, lists: TestLists.standard)
            let clients = 32
            let perClient = 200
            let wrong = ManagedCounter()
            let answered = ManagedCounter()
            let reloads = ManagedCounter()
            let done = ManagedCounter()
            let firstWrong = Mutex<String?>(nil)
            // The reloader: RELOAD commands and SIGHUPs while the clients query. A thread of its
            // own: among the clients' iterations of `concurrentPerform` it could be run only
            // once they are all done, on a machine of two cores.
            let reloaderDone = DispatchSemaphore(value: 0)
            let reloader = Thread {
                while done.value < clients {
                    if let answer = try? daemon.ask("RELOAD"), answer.hasPrefix("OK") { reloads.increment() }
                    daemon.process.send(SIGHUP)
                    usleep(5_000)
                }
                reloaderDone.signal()
            }
            reloader.start()
            let rounds = perClient / 20
            DispatchQueue.concurrentPerform(iterations: clients) { client in
                defer { done.increment() }
                guard let connection = try? daemon.client() else { return }
                for round in 0..<rounds {
                    if round == rounds - 1 {
                        // The last round waits for a reload to have been answered (30 s at most),
                        // so that at least one falls while the clients still query.
                        for _ in 0..<6_000 where reloads.value == 0 { usleep(5_000) }
                    }
                    var batch = ""
                    for i in 0..<20 {
                        let (number, _) = TestLists.expected[(client + round + i) % TestLists.expected.count]
                        batch += "CHECK \(number) campaign=fibre-promo at=\(TestLists.monday)\n"
                    }
                    try? connection.send(batch)
                    for i in 0..<20 {
                        guard let line = try? connection.readLine() else { return }
                        answered.increment()
                        let (_, head) = TestLists.expected[(client + round + i) % TestLists.expected.count]
                        if !line.hasPrefix(head + " ") {
                            wrong.increment()
                            firstWrong.withLock { $0 = $0 ?? line }
                        }
                    }
                }
            }
            reloaderDone.wait()
            #expect(answered.value == clients * perClient)
            #expect(wrong.value == 0, "first wrong answer: \(firstWrong.withLock { $0 } ?? "-")")
            #expect(reloads.value > 0)
            #expect(daemon.stop() == 0)
        }
    }
}

@Suite("Many connections open at once")
struct ManyConnectionsTests {
    @Test("2,000 connections open at the same time are all served")
    func thousandsOfConnections() async throws {
        try await onOwnThread {
            // All of them are root's: raise the per-user limit (1024 by default) above them.
            let daemon = try RunningDaemon(
                configure: { RunningDaemon.setting(RunningDaemon.consentLiftsTheCap($0), key: "max-connections-per-uid", raw: "4096") },
                lists: TestLists.standard)
            let connections = try (0..<2000).map { _ in try daemon.client() }
            for (i, connection) in connections.enumerated() {
                try connection.send("CHECK \(TestLists.expected[i % 3].number) campaign=fibre-promo at=\(TestLists.monday) id=\(i)\n")
            }
            var correct = 0
            for (i, connection) in connections.enumerated() {
                if try connection.readLine()?.hasPrefix(TestLists.expected[i % 3].head + " id=\(i) ") == true { correct += 1 }
            }
            #expect(correct == 2000)
            #expect(RunningDaemon.field("connections", in: try connections[0].ask("STATS")).flatMap(Int.init) ?? 0 >= 2000)
        }
    }
}

/// A counter shared by the client threads of a test.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() {
        lock.lock()
        count += 1
        lock.unlock()
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
