import Foundation
import Testing

/// What the systemd tests share: where the package is, running real tools, waiting for journald.
enum TestSupport {
    /// The package root, found from this file's place in Tests/DialGateSystemdTests.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The repository's systemd/ directory: units, sysusers.d, tmpfiles.d, catalog.
    static let systemdDirectory = packageRoot.appendingPathComponent("systemd")

    /// The socket journald reads native-protocol entries from.
    static let journalSocket = "/run/systemd/journal/socket"

    /// Fails the calling test with the way out when no journald runs: these tests read the real
    /// journal, and a missing journald would otherwise look like lost entries.
    static func requireJournald(sourceLocation: SourceLocation = #_sourceLocation) throws {
        var status = stat()
        let isSocket = stat(journalSocket, &status) == 0 && (status.st_mode & S_IFMT) == S_IFSOCK
        try #require(
            isSocket,
            "journald is not running (\(journalSocket) is missing): run scripts/test, which starts /lib/systemd/systemd-journald",
            sourceLocation: sourceLocation
        )
    }

    /// The outcome of a finished process.
    struct Outcome {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `executable` with `arguments` to completion and returns what it printed.
    static func run(_ executable: String, _ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read both to the end before waiting, so a full pipe cannot stall the child.
        let errorData = ReadLater(error.fileHandleForReading)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.wait(), as: UTF8.self)
        )
    }

    /// Asks `attempt` every 100 ms until it returns a value, for at most `limit`: journald
    /// stores entries asynchronously, after `Journal.send` returned. Nil when it never did.
    static func poll<T>(for limit: Duration = .seconds(10), _ attempt: () throws -> T?) async throws -> T? {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            if let value = try attempt() { return value }
            if clock.now >= deadline { return nil }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dialgate-systemd-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}

/// Reads a pipe to its end on another thread, so stdout and stderr drain together.
private final class ReadLater: @unchecked Sendable {
    // Written once by the reading thread before the semaphore signals; read after waiting.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
