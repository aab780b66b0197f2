import DialGateSystemd
import Foundation
import Testing

extension ProcessEnvironmentTests {
    /// Socket activation's hand-over, as far as it can run inside a test process. The real
    /// hand-over (systemd-socket-activate running the daemon) is the daemon's integration test:
    /// here, putting a socket at fd 3 could close a descriptor the test runner owns.
    @Suite("ListenFDs")
    struct ListenFDsTests {
        @Test("without socket activation there is no inherited descriptor")
        func notActivated() throws {
            try ProcessEnvironmentTests.withEnvironment(["LISTEN_PID": nil, "LISTEN_FDS": nil, "LISTEN_FDNAMES": nil]) { () throws in
                #expect(try ListenFDs.takeInherited().descriptors.isEmpty)
            }
        }

        @Test("descriptors passed to another process are not taken, and the variables are removed")
        func meantForAnotherProcess() throws {
            try ProcessEnvironmentTests.withEnvironment(["LISTEN_PID": "1", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "dialgate"]) { () throws in
                #expect(try ListenFDs.takeInherited().descriptors.isEmpty)
                #expect(getenv("LISTEN_PID") == nil)
                #expect(getenv("LISTEN_FDS") == nil)
                #expect(getenv("LISTEN_FDNAMES") == nil)
            }
        }

        @Test("descriptors are found by the name systemd gave them")
        func byName() {
            let fds = ListenFDs(descriptors: [.init(fd: 3, name: "dialgate"), .init(fd: 4, name: "admin"), .init(fd: 5, name: "dialgate")])
            #expect(fds.descriptors(named: "dialgate") == [3, 5])
            #expect(fds.descriptors(named: "other").isEmpty)
        }
    }
}

/// `ListenFDs.isUnixSocket` tells a listening Unix stream socket from everything else.
@Suite("Unix socket check")
struct UnixSocketCheckTests {
    @Test("a listening Unix stream socket is recognised, with its path")
    func listeningStream() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dialgate-\(UUID().uuidString).sock").path
        let fd = try boundSocket(type: Int32(SOCK_STREAM.rawValue), path: path, listen: true)
        defer { close(fd); unlink(path) }
        #expect(try ListenFDs.isUnixSocket(fd))
        #expect(try ListenFDs.isUnixSocket(fd, path: path))
        #expect(try ListenFDs.isUnixSocket(fd, path: path + ".other") == false)
        #expect(try ListenFDs.isUnixSocket(fd, type: .datagram, listening: nil) == false)
    }

    @Test("a datagram socket is not a stream socket, and a non-listening socket not a listener")
    func otherSockets() throws {
        let datagram = try boundSocket(type: Int32(SOCK_DGRAM.rawValue), path: nil, listen: false)
        defer { close(datagram) }
        #expect(try ListenFDs.isUnixSocket(datagram) == false)
        #expect(try ListenFDs.isUnixSocket(datagram, type: .datagram, listening: nil))
        let stream = try boundSocket(type: Int32(SOCK_STREAM.rawValue), path: nil, listen: false)
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

    private func boundSocket(type: Int32, path: String?, listen shouldListen: Bool) throws -> Int32 {
        let fd = socket(AF_UNIX, type, 0)
        try #require(fd >= 0)
        if let path {
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            try #require(bound == 0)
        }
        if shouldListen { try #require(listen(fd, 1) == 0) }
        return fd
    }
}
