import CSystemd

/// Tells the service manager how the daemon is doing: the `sd_notify` protocol.
///
/// The unit is `Type=notify` (systemd 252 has no `notify-reload`): systemd waits for `ready()`
/// before it calls the service started, shows `status(_:)` in `systemctl status`, restarts the
/// daemon when `watchdog()` pings stop, and reads `reloading()` then `ready()` as one reload.
/// When the daemon is not run by systemd (`NOTIFY_SOCKET` unset) every call does nothing and
/// returns false, so the same code runs by hand and under systemd.
public struct SystemdNotifier: Sendable {
    /// The watchdog timeout systemd enforces (`WatchdogSec=`), nil when no watchdog is set for
    /// this process. Read once, at initialisation.
    public let watchdogInterval: Duration?

    /// How often to call `watchdog()`: half the timeout, as sd_watchdog_enabled(3) advises, so
    /// one late ping does not get the daemon killed.
    public var recommendedPingInterval: Duration? {
        watchdogInterval.map { $0 / 2 }
    }

    /// Reads the watchdog settings systemd passed (`WATCHDOG_USEC`, `WATCHDOG_PID`).
    ///
    /// A malformed watchdog environment counts as no watchdog: the daemon runs either way.
    public init() {
        var microseconds: UInt64 = 0
        // unset_environment 0: the environment stays for child processes and later readers.
        if sd_watchdog_enabled(0, &microseconds) > 0 {
            watchdogInterval = .microseconds(Int64(clamping: microseconds))
        } else {
            watchdogInterval = nil
        }
    }

    /// Start-up or reload finished: the daemon answers queries (`READY=1`).
    @discardableResult
    public func ready() throws(SystemdError) -> Bool {
        try send("READY=1")
    }

    /// A reload started (`RELOADING=1` with the `MONOTONIC_USEC=` systemd requires); call
    /// `ready()` when it ends, whether it succeeded or kept the previous lists.
    @discardableResult
    public func reloading() throws(SystemdError) -> Bool {
        try send("RELOADING=1\nMONOTONIC_USEC=\(Monotonic.nowMicroseconds())")
    }

    /// The one-line status `systemctl status` shows (`STATUS=`). Control characters become
    /// spaces, so a status built from file names cannot inject another assignment.
    @discardableResult
    public func status(_ text: String) throws(SystemdError) -> Bool {
        try send("STATUS=" + SingleLine.sanitized(text))
    }

    /// The daemon is alive (`WATCHDOG=1`); call every `recommendedPingInterval`.
    @discardableResult
    public func watchdog() throws(SystemdError) -> Bool {
        try send("WATCHDOG=1")
    }

    /// Graceful shutdown began (`STOPPING=1`).
    @discardableResult
    public func stopping() throws(SystemdError) -> Bool {
        try send("STOPPING=1")
    }

    /// Sends `raw` as is: newline-separated `KEY=value` assignments (see sd_notify(3)).
    ///
    /// - Returns: true when the message was sent, false when no service manager listens
    ///   (`NOTIFY_SOCKET` unset).
    /// - Throws: `SystemdError.failed` when the notification socket refused the message.
    @discardableResult
    public func send(_ raw: String) throws(SystemdError) -> Bool {
        // unset_environment 0: every later notification needs NOTIFY_SOCKET again.
        try SystemdError.check(sd_notify(0, raw), "sd_notify") > 0
    }
}
