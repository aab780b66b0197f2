import Foundation
import Testing

/// The shipped systemd units, account and directory declarations pass systemd's own checks.
@Suite("systemd unit files")
struct UnitFileTests {
    /// The two units in a temporary directory, ExecStart and ExecReload pointing at /bin/true.
    ///
    /// `systemd-analyze verify` fails a unit whose ExecStart binary does not exist, and
    /// /usr/bin/dialgated is not installed where the tests run. The rewrite changes only those
    /// paths; every other line is checked as shipped. (verify does not resolve User= or
    /// SocketGroup=: accounts are resolved when the service starts. The sysusers test below
    /// checks that the accounts the units name are declared.)
    private func unitsForChecking() throws -> URL {
        let directory = try TestSupport.temporaryDirectory()
        for name in ["dialgate.service", "dialgate.socket"] {
            var text = try String(contentsOf: TestSupport.systemdDirectory.appendingPathComponent(name), encoding: .utf8)
            text = text.replacingOccurrences(of: "ExecStart=/usr/bin/dialgated ", with: "ExecStart=/bin/true ")
            text = text.replacingOccurrences(of: "ExecReload=+/usr/bin/dialgate ", with: "ExecReload=+/bin/true ")
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory
    }

    @Test("systemd-analyze verify accepts the service and the socket without a warning about them")
    func verify() throws {
        let directory = try unitsForChecking()
        defer { try? FileManager.default.removeItem(at: directory) }
        let service = directory.appendingPathComponent("dialgate.service").path
        let socket = directory.appendingPathComponent("dialgate.socket").path
        let outcome = try TestSupport.run("/usr/bin/systemd-analyze", ["verify", service, socket])
        #expect(outcome.status == 0, "systemd-analyze verify: \(outcome.standardError)")
        let complaints = (outcome.standardOutput + outcome.standardError)
            .split(separator: "\n").filter { $0.contains("dialgate.") }
        #expect(complaints.isEmpty, "\(complaints)")
    }

    @Test("systemd-analyze security rates the service's exposure below 2.0")
    func exposure() throws {
        let directory = try unitsForChecking()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try TestSupport.run(
            "/usr/bin/systemd-analyze",
            ["security", "--offline=yes", "--no-pager", directory.appendingPathComponent("dialgate.service").path]
        )
        // Its exit status is non-zero only above --threshold (default 100): read the score.
        let line = try #require(
            outcome.standardOutput.split(separator: "\n").first { $0.contains("Overall exposure level") },
            "no score in: \(outcome.standardOutput) \(outcome.standardError)"
        )
        // "→ Overall exposure level for dialgate.service: 0.3 SAFE 😀"
        let afterColon = try #require(line.split(separator: ":").last)
        let score = try #require(afterColon.split(separator: " ").first.flatMap { Double($0) }, "\(line)")
        #expect(score < 2.0, "\(line)")
    }

    @Test("sysusers declares the accounts the units run as and hand the socket to")
    func accounts() throws {
        let root = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        let sysusers = TestSupport.systemdDirectory.appendingPathComponent("sysusers.d/dialgate.conf").path
        let outcome = try TestSupport.run("/usr/bin/systemd-sysusers", ["--root=\(root.path)", sysusers])
        #expect(outcome.status == 0, "systemd-sysusers: \(outcome.standardError)")

        let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
        let group = try String(contentsOf: root.appendingPathComponent("etc/group"), encoding: .utf8)
        let user = try #require(passwd.split(separator: "\n").first { $0.hasPrefix("dialgate:") })
        #expect(user.hasSuffix(":/var/lib/dialgate:/usr/sbin/nologin"))
        let groups = Dictionary(uniqueKeysWithValues: group.split(separator: "\n").map { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            return (String(fields[0]), fields.last.map(String.init) ?? "")
        })
        let service = try String(contentsOf: TestSupport.systemdDirectory.appendingPathComponent("dialgate.service"), encoding: .utf8)
        let socket = try String(contentsOf: TestSupport.systemdDirectory.appendingPathComponent("dialgate.socket"), encoding: .utf8)
        for named in Self.values(of: ["Group", "SupplementaryGroups"], in: service) + Self.values(of: ["SocketGroup"], in: socket) {
            #expect(groups[named] != nil, "group \(named) used by a unit is not declared")
        }
        #expect(Self.values(of: ["User"], in: service) == ["dialgate"])
        // The daemon reads the lists ops drop: it is a member of their group.
        #expect(groups["dialgate-ops"]?.split(separator: ",").contains("dialgate") == true)
    }

    @Test("tmpfiles makes the list directory writable by ops and the state private")
    func directories() throws {
        let root = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        let sysusers = TestSupport.systemdDirectory.appendingPathComponent("sysusers.d/dialgate.conf").path
        let tmpfiles = TestSupport.systemdDirectory.appendingPathComponent("tmpfiles.d/dialgate.conf").path
        // The directories name the accounts, which tmpfiles resolves in the root's /etc.
        #expect(try TestSupport.run("/usr/bin/systemd-sysusers", ["--root=\(root.path)", sysusers]).status == 0)
        let outcome = try TestSupport.run("/usr/bin/systemd-tmpfiles", ["--root=\(root.path)", "--create", tmpfiles])
        #expect(outcome.status == 0, "systemd-tmpfiles: \(outcome.standardError)")

        let state = try attributes(root, "var/lib/dialgate")
        #expect(state.mode == 0o751)
        let lists = try attributes(root, "var/lib/dialgate/lists")
        #expect(lists.mode == 0o2770)
        #expect(lists.owner == "dialgate" && lists.group == "dialgate-ops")
        // The unit's StateDirectoryMode= must match, or systemd changes the mode at each start.
        let service = try String(contentsOf: TestSupport.systemdDirectory.appendingPathComponent("dialgate.service"), encoding: .utf8)
        #expect(Self.values(of: ["StateDirectoryMode"], in: service) == ["0751"])
        #expect(try attributes(root, "etc/dialgate").mode == 0o755)
    }

    /// Mode and owner names of `path` under `root`, names looked up in the root's /etc.
    private func attributes(_ root: URL, _ path: String) throws -> (mode: Int, owner: String, group: String) {
        var status = stat()
        try #require(stat(root.appendingPathComponent(path).path, &status) == 0, "\(path) was not created")
        let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
        let group = try String(contentsOf: root.appendingPathComponent("etc/group"), encoding: .utf8)
        func name(_ id: UInt32, in table: String) -> String {
            for line in table.split(separator: "\n") {
                let fields = line.split(separator: ":", omittingEmptySubsequences: false)
                if fields.count > 2, fields[2] == "\(id)" { return String(fields[0]) }
            }
            return "\(id)"
        }
        return (Int(status.st_mode & 0o7777), name(status.st_uid, in: passwd), name(status.st_gid, in: group))
    }

    /// The values of `keys` in a unit file (space-separated lists split, `-` prefixes kept).
    private static func values(of keys: [String], in unit: String) -> [String] {
        unit.split(separator: "\n").flatMap { line -> [String] in
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, keys.contains(String(parts[0])) else { return [] }
            return parts[1].split(separator: " ").map(String.init)
        }
    }
}
