import DialGateAudit
import DialGateConfig
import DialGateCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What `dialgated --check-config` verifies beyond the file's syntax: that a daemon started on
/// this configuration would serve, rather than start and deny everything. The lists load, the
/// state directory can hold the ledger and the audit key, the socket group and every `[access]`
/// grant name real groups and users, and an existing audit key is usable.
public enum ConfigurationCheck {
    /// One thing found: a problem makes the check fail; a note only informs.
    public struct Finding: Sendable, CustomStringConvertible {
        public var isProblem: Bool
        public var text: String

        public var description: String { (isProblem ? "problem: " : "ok: ") + text }
    }

    /// Checks `configuration` against this machine, as it stands now.
    public static func run(_ configuration: Configuration, now: Date = Date()) -> [Finding] {
        var findings: [Finding] = []
        func ok(_ text: String) { findings.append(Finding(isProblem: false, text: text)) }
        func problem(_ text: String) { findings.append(Finding(isProblem: true, text: text)) }
        let daemon = configuration.daemon

        switch directory(daemon.lists) {
        case .missing: problem("list directory \(daemon.lists) does not exist: the daemon would deny every call (lists-unavailable)")
        case .notDirectory: problem("list directory \(daemon.lists) is not a directory")
        case .directory:
            switch daemon.listLoader.load(previous: nil, now: now) {
            case .success(let load):
                ok("lists in \(daemon.lists): \(load.snapshot.files.count) files, \(load.snapshot.totalNumbers) records"
                    + (load.warnings.isEmpty ? "" : ", \(load.warnings.count) warnings"))
            case .failure(let failure):
                problem("lists in \(daemon.lists) refused: \(failure)")
            }
        }

        switch directory(daemon.state) {
        case .directory:
            if access(daemon.state, W_OK | X_OK) == 0 {
                ok("state directory \(daemon.state)")
            } else {
                problem("state directory \(daemon.state) is not writable by this user (uid \(getuid())); the daemon's user must own it")
            }
        case .notDirectory: problem("state directory \(daemon.state) is not a directory")
        case .missing:
            let parent = (daemon.state as NSString).deletingLastPathComponent
            if directory(parent) == .directory {
                ok("state directory \(daemon.state) will be created at start")
            } else {
                problem("state directory \(daemon.state) does not exist, nor does \(parent)")
            }
        }

        if let group = daemon.socketGroup {
            if getgrnam(group) == nil { problem("socket-group '\(group)' is not a group of this machine") } else { ok("socket group \(group)") }
        }

        do {
            _ = try AccessControl(resolving: configuration.access)
            ok("[access] grants")
        } catch {
            problem("[access]: \(error)")
        }

        let key = configuration.audit.keyFile
        if FileManager.default.fileExists(atPath: key) {
            do {
                _ = try Pseudonymizer.loadKey(at: key)
                ok("audit key \(key)")
            } catch {
                problem("audit key: \(error)")
            }
        } else {
            ok("audit key \(key) will be created at start")
        }
        return findings
    }

    private enum Entry { case missing, notDirectory, directory }

    private static func directory(_ path: String) -> Entry {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        return isDirectory.boolValue ? .directory : .notDirectory
    }
}
