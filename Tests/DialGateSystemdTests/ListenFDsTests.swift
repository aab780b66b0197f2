import DialGateSystemd
import Foundation
import Testing

/// Socket activation's hand-over: the daemon finds the socket systemd opened for it at fd 3.
///
/// The taking side runs as a child of this test binary, started the way systemd would start
/// the daemon (systemd-socket-activate) or with the LISTEN_* environment a test sets.
@Suite("ListenFDs")
struct ListenFDsTests {
    private static let suite = "ListenFDsTests"
    /// Tells the activated child which path its socket should be bound to.
    private static let pathVariable = "DIALGATE_TEST_SOCKET_PATH"

    @Test("a socket passed by socket activation is taken at fd 3 with its name, and the variables removed")
    func socketActivated() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("dialgate.sock").path
        try TestSupport.runChild(
            suite: Self.suite, name: "childActivated",
            environment: [Self.pathVariable: path],
            // systemd-socket-activate passes on only the variables named with -E.
            launcher: ["/usr/bin/systemd-socket-activate", "--listen=\(path)", "--fdname=dialgate",
                       "-E", TestSupport.childVariable, "-E", Self.pathVariable],
            duringRun: {
                // Like systemd, it starts the service at the first connection: make one. The
                // path appears at bind(), before listen(): until then a connect is refused.
                let connected = try TestSupport.pollBlocking { () -> Int32? in
                    guard FileManager.default.fileExists(atPath: path) else { return nil }
                    do {
                        return try TestSupport.connectStream(to: path)
                    } catch POSIXError.ECONNREFUSED {
                        return nil
                    }
                }
                let fd = try #require(connected, "systemd-socket-activate did not listen on \(path) within 10 s")
                close(fd)
            }
        )
    }

    @Test(
        "(child run) the activated socket is fd 3, named dialgate, a listening Unix stream socket",
        .enabled(if: TestSupport.isChild(for: "childActivated"), "runs only as a child of socketActivated")
    )
    func childActivated() throws {
        let path = try #require(ProcessInfo.processInfo.environment[Self.pathVariable])
        let inherited = try ListenFDs.takeInherited()
        #expect(inherited.descriptors == [.init(fd: 3, name: "dialgate")])
        #expect(inherited.descriptors(named: "dialgate") == [3])
        #expect(try ListenFDs.isUnixSocket(3, path: path))
        #expect(getenv("LISTEN_PID") == nil && getenv("LISTEN_FDS") == nil && getenv("LISTEN_FDNAMES") == nil)
        // Taken once: a second look finds nothing, so no child process could take it too.
        #expect(try ListenFDs.takeInherited().descriptors.isEmpty)
    }

    @Test("without socket activation there is no inherited descriptor")
    func notActivated() throws {
        try TestSupport.runChild(
            suite: Self.suite, name: "childNotActivated",
            environment: ["LISTEN_PID": nil, "LISTEN_FDS": nil, "LISTEN_FDNAMES": nil]
        )
    }

    @Test(
        "(child run) no descriptor without LISTEN_FDS",
        .enabled(if: TestSupport.isChild(for: "childNotActivated"), "runs only as a child of notActivated")
    )
    func childNotActivated() throws {
        #expect(try ListenFDs.takeInherited().descriptors.isEmpty)
    }

    @Test("descriptors passed to another process are not taken, and the variables are removed")
    func meantForAnotherProcess() throws {
        try TestSupport.runChild(
            suite: Self.suite, name: "childOfAnotherProcess",
            environment: ["LISTEN_PID": "1", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "dialgate"]
        )
    }

    @Test(
        "(child run) LISTEN_PID of another process gives no descriptor",
        .enabled(if: TestSupport.isChild(for: "childOfAnotherProcess"), "runs only as a child of meantForAnotherProcess")
    )
    func childOfAnotherProcess() throws {
        #expect(try ListenFDs.takeInherited().descriptors.isEmpty)
        #expect(getenv("LISTEN_PID") == nil && getenv("LISTEN_FDS") == nil && getenv("LISTEN_FDNAMES") == nil)
    }

    @Test("descriptors are found by the name systemd gave them")
    func byName() {
        let fds = ListenFDs(descriptors: [.init(fd: 3, name: "dialgate"), .init(fd: 4, name: "admin"), .init(fd: 5, name: "dialgate")])
        #expect(fds.descriptors(named: "dialgate") == [3, 5])
        #expect(fds.descriptors(named: "other").isEmpty)
    }
}

/// `ListenFDs.isUnixSocket` tells a listening Unix stream socket from everything else.
@Suite("Unix socket check")
struct UnixSocketCheckTests {
    @Test("a listening Unix stream socket is recognised, with its path")
    func listeningStream() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dialgate-\(UUID().uuidString).sock").path
        let fd = try TestSupport.unixSocket(type: Int32(SOCK_STREAM.rawValue), boundTo: path, listening: true)
        defer { close(fd); unlink(path) }
        #expect(try ListenFDs.isUnixSocket(fd))
        #expect(try ListenFDs.isUnixSocket(fd, path: path))
        #expect(try ListenFDs.isUnixSocket(fd, path: path + ".other") == false)
        #expect(try ListenFDs.isUnixSocket(fd, type: .datagram, listening: nil) == false)
    }

    @Test("a datagram socket is not a stream socket, and a non-listening socket not a listener")
    func otherSockets() throws {
        let datagram = try TestSupport.unixSocket(type: Int32(SOCK_DGRAM.rawValue))
        defer { close(datagram) }
        #expect(try ListenFDs.isUnixSocket(datagram) == false)
        #expect(try ListenFDs.isUnixSocket(datagram, type: .datagram, listening: nil))
        let stream = try TestSupport.unixSocket(type: Int32(SOCK_STREAM.rawValue))
        defer { close(stream) }
        #expect(try ListenFDs.isUnixSocket(stream) == false)
        #expect(try ListenFDs.isUnixSocket(stream, listening: false))
    }

    @Test("a pipe is not a socket, and a descriptor that is not open is an error")
    func notASocket() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        #expect(try ListenFDs.isUnixSocket(ends[0], type: .any, listening: nil) == false)
        // Far above any descriptor limit, so never open (a just-closed one could be reused by a
        // test running in parallel).
        #expect(throws: SystemdError.failed(function: "sd_is_socket_unix", errno: EBADF)) {
            try ListenFDs.isUnixSocket(Int32.max - 1)
        }
    }
}
