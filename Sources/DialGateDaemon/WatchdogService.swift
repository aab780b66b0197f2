import DialGateSystemd
import NIOCore
import ServiceLifecycle

/// Pings systemd's watchdog only after every event loop has run a task, so a wedged loop
/// stops the pings and systemd restarts the daemon (`WatchdogSec=` in the unit).
public struct WatchdogService: Service {
    private let notifier: SystemdNotifier
    private let group: EventLoopGroup

    public init(notifier: SystemdNotifier, group: EventLoopGroup) {
        self.notifier = notifier
        self.group = group
    }

    public func run() async throws {
        guard let interval = notifier.recommendedPingInterval else { return }
        let loops = Array(group.makeIterator())
        while !Task.isCancelledOrShuttingDown {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            let checks = loops.map { $0.submit {} }
            guard (try? await EventLoopFuture.andAllSucceed(checks, on: loops[0]).get()) != nil else { continue }
            _ = try? notifier.watchdog()
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { isCancelled || isShuttingDownGracefully }
}
