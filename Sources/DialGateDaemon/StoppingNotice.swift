import DialGateSystemd
import ServiceLifecycle

/// Tells systemd `STOPPING=1` as soon as graceful shutdown begins, while the server is still
/// answering what is in flight.
struct StoppingNotice: Service {
    let notifier: SystemdNotifier

    func run() async throws {
        try? await gracefulShutdown()
        _ = try? notifier.stopping()
    }
}
