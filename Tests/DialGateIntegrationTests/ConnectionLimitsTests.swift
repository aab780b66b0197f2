import DialGateClient
import DialGateTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Bounded resources per connection")
struct ConnectionLimitsTests {
    /// The daemon's resident memory now and at its peak (VmRSS, VmHWM), in bytes.
    static func memory(of pid: pid_t) throws -> (resident: Int, peak: Int) {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func kilobytes(_ key: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }),
                let value = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
            else { return 0 }
            return value * 1024
        }
        return (kilobytes("VmRSS"), kilobytes("VmHWM"))
    }

    @Test(
        "a client that pipelines without ever reading cannot grow the daemon's memory: its peak stays within 16 MB of its idle size, and it still answers afterwards",
        arguments: [("PING", 4, 1_000_000), ("STATS", 1, 300_000)])
    func aClientThatNeverReadsCannotGrowTheDaemonsMemory(request: String, connections: Int, perConnection: Int) async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            #expect(try daemon.ask("STATS").hasPrefix("STATS "))
            // The daemon's own background work (the first read-back of its trail, which maps
            // journal files) has run once before the baseline, and the baseline is its peak:
            // what grows from here is what the client made it hold.
            Thread.sleep(forTimeInterval: 6)
            let idle = try Self.memory(of: daemon.process.pid)
            let payload = Array(String(repeating: request + "\n", count: perConnection).utf8)
            var clients = try (0..<connections).map { _ in try RawConnection(path: daemon.socketPath) }
            let accepted = Mutex(0)
            DispatchQueue.concurrentPerform(iterations: connections) { [clients] index in
                let bytes = clients[index].sendWithoutReading(payload, for: 10)
                accepted.withLock { $0 += bytes }
            }
            let loaded = try Self.memory(of: daemon.process.pid)
            let growth = loaded.peak - max(idle.peak, idle.resident)
            print(
                "\(connections) connection(s) x \(perConnection) unread \(request): the daemon took "
                    + "\(accepted.withLock { $0 }) of \(connections * payload.count) bytes; RSS idle \(idle.resident >> 10) KiB, "
                    + "peak (VmHWM) \(loaded.peak >> 10) KiB, growth \(growth >> 10) KiB; RSS now \(loaded.resident >> 10) KiB")
            // Pushing back, the daemon holds well under 1 MB for them; main's, reading
            // everything and piling up the answers, grew 40-50 MB in these 10 s.
            #expect(growth < 16 << 20)
            // Once they close, their connections are gone and the daemon answers as before.
            clients.removeAll()
            let open = try eventually(within: 30, every: 0.05) { () -> String? in
                let count = RunningDaemon.field("connections", in: try daemon.ask("STATS"))
                return count == "1" ? count : nil
            }
            #expect(open == "1")
            #expect(try daemon.ask("PING") == "PONG class=done")
        }
    }

    @Test("a client that trickles one byte a second and never completes a request is closed after the idle timeout, without a word")
    func aTrickleOfBytesDoesNotKeepAConnectionOpen() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(
                configure: { RunningDaemon.setting($0, key: "idle-timeout-seconds", raw: "2") }, lists: TestLists.standard)
            let connection = try RawConnection(path: daemon.socketPath)
            var sent = 0
            var hangUp: [UInt8]?
            // A line of 20 bytes at one a second would take 20 s; the timeout is 2 s.
            for byte in Array("CHECK 0612345678 cam".utf8) {
                guard connection.send(byte: byte) else { break }
                sent += 1
                hangUp = connection.hangUp(within: 1)
                if hangUp != nil { break }
            }
            print("trickling client: hung up after \(sent) bytes at one a second (idle timeout 2 s)")
            #expect(hangUp == [])
            #expect(sent < 20)
            #expect(try daemon.ask("PING") == "PONG class=done")
        }
    }

    @Test("with max-connections-per-uid = N, root's N+1st connection is refused ERR overload naming the limit, while another user still gets in")
    func oneUsersConnectionsAreLimitedOthersStillGetIn() async throws {
        try await onOwnThread {
            let limit = 3
            let daemon = try RunningDaemon(
                configure: {
                    let config = RunningDaemon.setting($0, key: "max-connections-per-uid", raw: "\(limit)")
                    return RunningDaemon.setting(config, key: "socket-mode", value: "0666")
                },
                lists: TestLists.standard)
            // nobody must reach the socket through the scratch directory (mkdtemp makes it 0700).
            chmod(daemon.directory, 0o711)
            let first = try daemon.client()
            // Wait until the start-up probe's connection is gone, so exactly one is open.
            while RunningDaemon.field("connections", in: try first.ask("STATS")) != "1" { usleep(10_000) }
            let others = try (1..<limit).map { _ in try daemon.client() }
            for connection in [first] + others { #expect(try connection.ask("PING") == "PONG class=done") }

            let refused = try daemon.client()
            let answer = try refused.readLine()
            #expect(answer?.hasPrefix("ERR overload ") == true)
            #expect(answer?.contains("max-connections-per-uid \(limit)") == true)
            #expect(try refused.readLine() == nil)

            let (status, output) = try ChildProcess.run([
                "/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "/bin/sh", "-c", "printf 'PING\\n' | /usr/bin/socat - UNIX-CONNECT:\(daemon.socketPath)",
            ])
            #expect(status == 0)
            #expect(output == "PONG class=done\n")
            // Root's own connections are still served.
            #expect(try first.ask("PING") == "PONG class=done")
        }
    }
}
