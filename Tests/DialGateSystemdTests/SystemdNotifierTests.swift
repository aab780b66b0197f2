import DialGateSystemd
import Foundation
import Testing

extension ProcessEnvironmentTests {
    /// The notify protocol as systemd receives it: each call is one datagram on NOTIFY_SOCKET.
    @Suite("SystemdNotifier")
    struct SystemdNotifierTests {
        @Test("each notification arrives as the datagram systemd expects")
        func datagrams() throws {
            let listener = try NotifyListener()
            defer { listener.close() }
            try ProcessEnvironmentTests.withEnvironment(["NOTIFY_SOCKET": listener.path]) { () throws in
                let notifier = SystemdNotifier()
                #expect(try notifier.ready())
                #expect(try listener.receive() == "READY=1")
                #expect(try notifier.status("serving 3 lists"))
                #expect(try listener.receive() == "STATUS=serving 3 lists")
                #expect(try notifier.watchdog())
                #expect(try listener.receive() == "WATCHDOG=1")
                #expect(try notifier.stopping())
                #expect(try listener.receive() == "STOPPING=1")
                #expect(try notifier.send("EXTEND_TIMEOUT_USEC=5000000"))
                #expect(try listener.receive() == "EXTEND_TIMEOUT_USEC=5000000")
            }
        }

        @Test("a reload start carries RELOADING=1 and the CLOCK_MONOTONIC time it started")
        func reloading() throws {
            let listener = try NotifyListener()
            defer { listener.close() }
            try ProcessEnvironmentTests.withEnvironment(["NOTIFY_SOCKET": listener.path]) { () throws in
                let before = Monotonic.nowMicroseconds()
                #expect(try SystemdNotifier().reloading())
                let after = Monotonic.nowMicroseconds()
                let lines = try listener.receive().split(separator: "\n")
                #expect(lines.count == 2)
                #expect(lines.first == "RELOADING=1")
                let stamp = try #require(lines.last.flatMap { $0.split(separator: "=").last }.flatMap { UInt64($0) })
                #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
                #expect((before...after).contains(stamp))
            }
        }

        @Test("a status text cannot inject another assignment: newlines become spaces")
        func statusInjection() throws {
            let listener = try NotifyListener()
            defer { listener.close() }
            try ProcessEnvironmentTests.withEnvironment(["NOTIFY_SOCKET": listener.path]) { () throws in
                #expect(try SystemdNotifier().status("bad file\nREADY=1\r\nSTOPPING=1"))
                #expect(try listener.receive() == "STATUS=bad file READY=1  STOPPING=1")
            }
        }

        @Test("without NOTIFY_SOCKET every notification does nothing and says so")
        func noServiceManager() throws {
            try ProcessEnvironmentTests.withEnvironment(["NOTIFY_SOCKET": nil]) { () throws in
                let notifier = SystemdNotifier()
                #expect(try notifier.ready() == false)
                #expect(try notifier.reloading() == false)
                #expect(try notifier.status("x") == false)
                #expect(try notifier.watchdog() == false)
                #expect(try notifier.stopping() == false)
            }
        }

        @Test("a notification socket nobody listens on is reported, not ignored")
        func deadSocket() throws {
            let listener = try NotifyListener()
            listener.close()
            try ProcessEnvironmentTests.withEnvironment(["NOTIFY_SOCKET": listener.path]) { () throws in
                #expect(throws: SystemdError.self) { try SystemdNotifier().ready() }
            }
        }

        @Test("the watchdog interval is WATCHDOG_USEC, and pings are advised at half of it")
        func watchdogInterval() throws {
            try ProcessEnvironmentTests.withEnvironment(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": String(getpid())]) { () throws in
                let notifier = SystemdNotifier()
                #expect(notifier.watchdogInterval == .seconds(30))
                #expect(notifier.recommendedPingInterval == .seconds(15))
            }
        }

        @Test("a watchdog meant for another process, or none, gives no interval")
        func noWatchdog() throws {
            try ProcessEnvironmentTests.withEnvironment(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]) { () throws in
                #expect(SystemdNotifier().watchdogInterval == nil)
            }
            try ProcessEnvironmentTests.withEnvironment(["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) { () throws in
                #expect(SystemdNotifier().watchdogInterval == nil)
                #expect(SystemdNotifier().recommendedPingInterval == nil)
            }
        }
    }
}

/// A datagram socket standing in for systemd's notification socket.
private final class NotifyListener {
    let path: String
    private var fd: Int32

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("dialgate-notify-\(UUID().uuidString).sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// The next datagram. sd_notify's sendmsg on a Unix socket queues it before returning, so
    /// it is already here: a non-blocking read, no waiting.
    func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        guard count >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
        unlink(path)
    }
}
