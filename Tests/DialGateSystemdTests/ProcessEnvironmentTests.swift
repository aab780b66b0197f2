import Foundation
import Testing

/// The suites that set systemd's environment variables (NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*)
/// in this test process: libsystemd reads them from the environment only, so these tests set
/// them, one test at a time (`.serialized`), and restore them afterwards.
@Suite("Process environment", .serialized)
enum ProcessEnvironmentTests {
    /// Runs `body` with `variables` set (nil: unset), then restores what was there before.
    @discardableResult
    static func withEnvironment<T>(_ variables: [String: String?], _ body: () throws -> T) throws -> T {
        var saved: [String: String?] = [:]
        for (name, value) in variables {
            saved[name] = ProcessInfo.processInfo.environment[name]
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
        defer {
            for (name, value) in saved {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
        return try body()
    }
}
