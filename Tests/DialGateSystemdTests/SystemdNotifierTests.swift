import DialGateSystemd
import Foundation
import Testing

/// The notify protocol as systemd receives it: each call is one datagram on NOTIFY_SOCKET.
///
/// The notifying side runs as a child of this test binary with NOTIFY_SOCKET or WATCHDOG_* set
/// (see `TestSupport.runChild`); this side plays systemd and reads what arrived.
@Suite("SystemdNotifier")
struct SystemdNotifierTests {
    private static let suite = "SystemdNotifierTests"

    @Test("each notification arrives as the datagram systemd expects, in order")
    func datagrams() throws {
        let listener = try NotifyListener()
        defer { listener.close() }
        let before = Monotonic.nowMicroseconds()
        try TestSupport.runChild(suite: Self.suite, name: "childNotifies", environment: ["NOTIFY_SOCKET": listener.path])
        let after = Monotonic.nowMicroseconds()

        #expect(try listener.receive() == "READY=1")
        let reloading = try listener.receive().split(separator: "\n")
        #expect(reloading.first == "RELOADING=1")
        #expect(reloading.count == 2 && reloading[1].hasPrefix("MONOTONIC_USEC="))
        // The stamp is CLOCK_MONOTONIC, the clock systemd compares it with: it lies between
        // readings of that clock taken here before and after the child ran.
        let stamp = try #require(UInt64(reloading.last?.dropFirst("MONOTONIC_USEC=".count) ?? ""))
        #expect((before...after).contains(stamp))
        #expect(try listener.receive() == "READY=1")
        #expect(try listener.receive() == "STATUS=serving 3 lists")
        #expect(try listener.receive() == "STATUS=bad file READY=1  STOPPING=1")
        #expect(try listener.receive() == "WATCHDOG=1")
        #expect(try listener.receive() == "EXTEND_TIMEOUT_USEC=5000000")
        #expect(try listener.receive() == "STOPPING=1")
        #expect(listener.isEmpty)
    }

    @Test(
        "(child run) notifications are sent and reported sent",
        .enabled(if: TestSupport.isChild(for: "childNotifies"), "runs only as a child of datagrams")
    )
    func childNotifies() throws {
        let notifier = SystemdNotifier()
        #expect(try notifier.ready())
        #expect(try notifier.reloading())
        #expect(try notifier.ready())
        #expect(try notifier.status("serving 3 lists"))
        // A status cannot inject another assignment: control characters become spaces.
        #expect(try notifier.status("bad file\nREADY=1\r\nSTOPPING=1"))
        #expect(try notifier.watchdog())
        #expect(try notifier.send("EXTEND_TIMEOUT_USEC=5000000"))
        #expect(try notifier.stopping())
    }

    @Test("without NOTIFY_SOCKET every notification does nothing and says so")
    func noServiceManager() throws {
        try TestSupport.runChild(suite: Self.suite, name: "childWithoutServiceManager", environment: ["NOTIFY_SOCKET": nil])
    }

    @Test(
        "(child run) without NOTIFY_SOCKET nothing is sent",
        .enabled(if: TestSupport.isChild(for: "childWithoutServiceManager"), "runs only as a child of noServiceManager")
    )
    func childWithoutServiceManager() throws {
        let notifier = SystemdNotifier()
        #expect(try notifier.ready() == false)
        #expect(try notifier.reloading() == false)
        #expect(try notifier.status("x") == false)
        #expect(try notifier.watchdog() == false)
        #expect(try notifier.stopping() == false)
    }

    @Test("a notification socket nobody listens on is reported, not ignored")
    func deadSocket() throws {
        let listener = try NotifyListener()
        listener.close()
        try TestSupport.runChild(suite: Self.suite, name: "childNotifiesNobody", environment: ["NOTIFY_SOCKET": listener.path])
    }

    @Test(
        "(child run) notifying a socket that is gone throws",
        .enabled(if: TestSupport.isChild(for: "childNotifiesNobody"), "runs only as a child of deadSocket")
    )
    func childNotifiesNobody() {
        #expect(throws: SystemdError.self) { try SystemdNotifier().ready() }
    }

    @Test("the watchdog interval is WATCHDOG_USEC, and pings are advised at half of it")
    func watchdogInterval() throws {
        // No WATCHDOG_PID: then the watchdog applies to whichever process reads it.
        try TestSupport.runChild(
            suite: Self.suite, name: "childWithWatchdog",
            environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": nil]
        )
    }

    @Test(
        "(child run) a 30 s watchdog is read as 30 s, pinged every 15 s",
        .enabled(if: TestSupport.isChild(for: "childWithWatchdog"), "runs only as a child of watchdogInterval")
    )
    func childWithWatchdog() {
        let notifier = SystemdNotifier()
        #expect(notifier.watchdogInterval == .seconds(30))
        #expect(notifier.recommendedPingInterval == .seconds(15))
    }

    @Test("a watchdog meant for another process, or none, gives no interval")
    func noWatchdog() throws {
        try TestSupport.runChild(
            suite: Self.suite, name: "childWithoutWatchdog",
            environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]
        )
        try TestSupport.runChild(
            suite: Self.suite, name: "childWithoutWatchdog",
            environment: ["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]
        )
    }

    @Test(
        "(child run) no watchdog for this process",
        .enabled(if: TestSupport.isChild(for: "childWithoutWatchdog"), "runs only as a child of noWatchdog")
    )
    func childWithoutWatchdog() {
        #expect(SystemdNotifier().watchdogInterval == nil)
        #expect(SystemdNotifier().recommendedPingInterval == nil)
    }
}

/// A datagram socket standing in for systemd's notification socket.
private final class NotifyListener {
    let path: String
    private var fd: Int32

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("dialgate-notify-\(UUID().uuidString).sock").path
        fd = try TestSupport.unixSocket(type: Int32(SOCK_DGRAM.rawValue), boundTo: path)
    }

    /// The next datagram. The child has exited, and a Unix datagram is queued at the receiver
    /// before sendmsg returns, so every datagram is already here: a non-blocking read.
    func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        guard count >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Whether no datagram is waiting.
    var isEmpty: Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK)) < 0 && errno == EAGAIN
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
        unlink(path)
    }
}
