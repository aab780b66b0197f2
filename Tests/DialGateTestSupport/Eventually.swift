import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Calls `attempt` until it returns a value, every `interval` seconds for at most `seconds`
/// (at least once), blocking the calling thread: what a test does while a daemon, journald or
/// a systemd gets to a state it cannot be told about. The value, or nil when time ran out.
public func eventually<T>(within seconds: Double, every interval: Double = 0.1, _ attempt: () throws -> T?) rethrows -> T? {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if let value = try attempt() { return value }
        guard Date() < deadline else { return nil }
        usleep(useconds_t(interval * 1_000_000))
    }
}

/// Checks `condition` every `interval` seconds for at most `seconds` (at least once); true
/// once it held.
public func eventually(within seconds: Double, every interval: Double = 0.1, _ condition: () throws -> Bool) rethrows -> Bool {
    try eventually(within: seconds, every: interval) { try condition() ? true : nil } ?? false
}
