import CEpoll
import Histogram

#if canImport(Glibc)
import Glibc
#endif

/// Nanoseconds on the monotonic clock.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
}

/// One connection: its requests in flight (when each was written, which one it was), what is
/// still to write, and what was read of an unfinished reply.
final class Connection {
    let fd: Int32
    /// Its place in its worker's list, the epoll event's data.
    let index: Int
    let depth: Int
    /// Requests this connection may still send; `Int.max` in a timed run.
    var quota: Int
    var output = OutputBuffer(capacity: 16 * 1024)
    let input: UnsafeMutablePointer<UInt8>
    let inputCapacity = 256 * 1024
    var inputLength = 0
    /// A ring of the requests in flight, oldest first: answers come back in request order.
    let sentAt: UnsafeMutablePointer<UInt64>
    let sequence: UnsafeMutablePointer<Int>
    var head = 0
    var inFlight = 0
    var waitingToWrite = false
    var finished = false

    init(fd: Int32, index: Int, depth: Int, quota: Int) {
        self.fd = fd
        self.index = index
        self.depth = depth
        self.quota = quota
        input = .allocate(capacity: inputCapacity)
        sentAt = .allocate(capacity: depth)
        sequence = .allocate(capacity: depth)
    }

    deinit {
        input.deallocate()
        sentAt.deallocate()
        sequence.deallocate()
        output.free()
        close(fd)
    }
}

/// What one worker thread measured.
struct Tally {
    var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000_000, numberOfSignificantValueDigits: .three)
    var right = 0
    var wrong = 0
    /// Requests written whose answer never came (the server closed the connection).
    var lost = 0
    var wrongSamples: [String] = []
    var failure: String?
    var firstSequence = Int.max
    var lastSequence = -1

    mutating func add(_ other: Tally) {
        histogram.add(other.histogram)
        right += other.right
        wrong += other.wrong
        lost += other.lost
        wrongSamples += other.wrongSamples
        failure = failure ?? other.failure
        firstSequence = min(firstSequence, other.firstSequence)
        lastSequence = max(lastSequence, other.lastSequence)
    }
}

/// One thread's share of the connections, driven by its own epoll: each connection keeps
/// `depth` requests in flight, writing one more for each answer it reads, until its quota is
/// sent or the run's time is up, and then until every answer is in.
final class Worker: @unchecked Sendable {
    let connections: [Connection]
    let requests: Requests
    let deadline: UInt64?
    let stallNanoseconds: UInt64
    let showWrong: Int
    /// The next request number this worker sends, and the step to the one after: workers
    /// interleave their numbers, so every request of a run has its own.
    var nextSequence: Int
    let stride: Int
    var tally = Tally()
    private let epoll: Int32

    init(connections: [Connection], requests: Requests, options: Options, deadline: UInt64?, firstSequence: Int, stride: Int) {
        self.connections = connections
        self.requests = requests
        self.deadline = deadline
        self.stallNanoseconds = UInt64(options.stallSeconds * 1e9)
        self.showWrong = options.showWrong
        self.nextSequence = firstSequence
        self.stride = stride
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
    }

    deinit { close(epoll) }

    func run() {
        var active = 0
        for connection in connections {
            var event = epoll_event()
            event.events = EPOLLIN.rawValue
            event.data.u64 = UInt64(connection.index)
            guard epoll_ctl(epoll, EPOLL_CTL_ADD, connection.fd, &event) == 0 else {
                tally.failure = "epoll_ctl: errno \(errno)"
                return
            }
            active += 1
        }
        for connection in connections { refill(connection, active: &active) }
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: 256)
        defer { events.deallocate() }
        var lastProgress = monotonicNanoseconds()
        while active > 0 && tally.failure == nil {
            let count = epoll_wait(epoll, events, 256, 100)
            if count < 0 {
                if errno == EINTR { continue }
                tally.failure = "epoll_wait: errno \(errno)"
                break
            }
            let now = monotonicNanoseconds()
            if count == 0 {
                // No answer for a while: a timed run may have to stop sending, and a wedged
                // server fails the run rather than hang it.
                if now - lastProgress > stallNanoseconds {
                    tally.failure = "no answer for \(stallNanoseconds / 1_000_000_000) s"
                    break
                }
                for connection in connections where !connection.finished { refill(connection, active: &active) }
                continue
            }
            lastProgress = now
            for index in 0..<Int(count) {
                let event = events[index]
                let connection = connections[Int(event.data.u64)]
                if connection.finished { continue }
                if event.events & EPOLLOUT.rawValue != 0 { flush(connection, active: &active) }
                if event.events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
                    read(connection, active: &active)
                }
                if !connection.finished { refill(connection, active: &active) }
            }
        }
    }

    /// Writes requests until `depth` are in flight, unless the quota is spent or time is up;
    /// a connection with nothing in flight and nothing more to send is finished.
    private func refill(_ connection: Connection, active: inout Int) {
        var now: UInt64 = 0
        if connection.inFlight < connection.depth && connection.quota > 0 {
            now = monotonicNanoseconds()
            if let deadline, now >= deadline { connection.quota = 0 }
        }
        var wrote = false
        while connection.inFlight < connection.depth && connection.quota > 0 {
            let k = nextSequence
            nextSequence += stride
            tally.firstSequence = min(tally.firstSequence, k)
            tally.lastSequence = max(tally.lastSequence, k)
            requests.append(k, to: &connection.output)
            let slot = (connection.head + connection.inFlight) % connection.depth
            connection.sentAt[slot] = now
            connection.sequence[slot] = k
            connection.inFlight += 1
            connection.quota -= 1
            wrote = true
        }
        if wrote && !connection.waitingToWrite { flush(connection, active: &active) }
        if connection.inFlight == 0 && connection.quota == 0 && connection.output.isEmpty { finish(connection, active: &active) }
    }

    private func flush(_ connection: Connection, active: inout Int) {
        while !connection.output.isEmpty {
            let written = write(
                connection.fd, connection.output.base + connection.output.start,
                connection.output.end - connection.output.start)
            if written < 0 && errno == EINTR { continue }
            if written < 0 && errno == EAGAIN {
                if !connection.waitingToWrite {
                    connection.waitingToWrite = true
                    modify(connection, events: EPOLLIN.rawValue | EPOLLOUT.rawValue)
                }
                return
            }
            if written <= 0 {
                fail(connection, "write: errno \(errno)", active: &active)
                return
            }
            connection.output.start += written
        }
        connection.output.start = 0
        connection.output.end = 0
        if connection.waitingToWrite {
            connection.waitingToWrite = false
            modify(connection, events: EPOLLIN.rawValue)
        }
    }

    private func read(_ connection: Connection, active: inout Int) {
        let room = connection.inputCapacity - connection.inputLength
        let count = Glibc.read(connection.fd, connection.input + connection.inputLength, room)
        if count < 0 {
            if errno == EAGAIN || errno == EINTR { return }
            fail(connection, "read: errno \(errno)", active: &active)
            return
        }
        if count == 0 {
            fail(connection, "the server closed the connection with \(connection.inFlight) answers to come", active: &active)
            return
        }
        let now = monotonicNanoseconds()
        let end = connection.inputLength + count
        var start = 0
        let base = connection.input
        while start < end {
            guard let newline = memchr(base + start, 10, end - start) else { break }
            let lineEnd = UnsafeMutablePointer<UInt8>(newline.assumingMemoryBound(to: UInt8.self)) - base
            var length = lineEnd - start
            if length > 0 && base[start + length - 1] == 13 { length -= 1 }
            let reply = UnsafeBufferPointer(start: base + start, count: length)
            start = lineEnd + 1
            guard connection.inFlight > 0 else {
                fail(connection, "an answer to no request: \(String(decoding: reply, as: UTF8.self))", active: &active)
                return
            }
            let slot = connection.head
            connection.head = (connection.head + 1) % connection.depth
            connection.inFlight -= 1
            tally.histogram.record(max(1, now &- connection.sentAt[slot]))
            let k = connection.sequence[slot]
            if requests.isRight(reply, for: k) {
                tally.right += 1
            } else {
                tally.wrong += 1
                if tally.wrongSamples.count < showWrong {
                    tally.wrongSamples.append(
                        "request \(String(decoding: requests.line(k), as: UTF8.self)) got \(String(decoding: reply, as: UTF8.self))")
                }
            }
        }
        if start < end {
            if start == 0 && end == connection.inputCapacity {
                fail(connection, "an answer longer than \(connection.inputCapacity) bytes", active: &active)
                return
            }
            memmove(base, base + start, end - start)
        }
        connection.inputLength = end - start
    }

    private func modify(_ connection: Connection, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = UInt64(connection.index)
        epoll_ctl(epoll, EPOLL_CTL_MOD, connection.fd, &event)
    }

    private func fail(_ connection: Connection, _ why: String, active: inout Int) {
        tally.lost += connection.inFlight
        connection.inFlight = 0
        connection.quota = 0
        tally.failure = tally.failure ?? why
        finish(connection, active: &active)
    }

    private func finish(_ connection: Connection, active: inout Int) {
        guard !connection.finished else { return }
        connection.finished = true
        epoll_ctl(epoll, EPOLL_CTL_DEL, connection.fd, nil)
        active -= 1
    }
}
