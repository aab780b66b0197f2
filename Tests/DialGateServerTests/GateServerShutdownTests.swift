import DialGateClient
import Foundation
import Logging
import NIOPosix
import ServiceLifecycleTestKit
import Testing

@testable import DialGateServer

@Suite("The server's graceful shutdown")
struct GateServerShutdownTests {
    @Test("on graceful shutdown the server stops accepting, answers what each connection sent, closes it, then returns")
    func gracefulShutdownAnswersThenReturns() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dialgate-server-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/dialgate.sock"
        let responder = ScriptedResponder()
        let (listening, isListening) = AsyncStream.makeStream(of: Void.self)
        let server = GateServer(
            group: group, address: .path(path, mode: 0o600, group: nil), responder: responder, limits: ConnectionLimits(),
            logger: Logger(label: "test")
        ) { isListening.yield() }

        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await server.run() }
                for await _ in listening { break }
                let client = try LineClient(path: path)
                try client.send("PING id=1\nOPTOUT 0612345678 id=2\nPING id=3\n")
                while responder.pendingCount == 0 { try await Task.sleep(for: .milliseconds(5)) }

                trigger.triggerGracefulShutdown()
                // The listener closes: a new client is refused while the old one is still served.
                var refused = false
                for _ in 0..<200 where !refused {
                    refused = (try? LineClient(path: path)) == nil
                    if !refused { try await Task.sleep(for: .milliseconds(10)) }
                }
                #expect(refused)
                responder.completeOldest(id: "2")
                #expect(try client.readLine() == "PONG id=1 class=done")
                #expect(try client.readLine() == "OK optout id=2 class=done")
                #expect(try client.readLine() == "PONG id=3 class=done")
                #expect(try client.readLine() == nil, "the connection closes once it is answered")
                try await tasks.waitForAll()
            }
        }
        #expect(!FileManager.default.fileExists(atPath: path), "the socket file is removed")
        try await group.shutdownGracefully()
    }
}
