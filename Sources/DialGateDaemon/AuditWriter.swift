import DialGateAudit
import DialGateSystemd
import Foundation
import NIOCore
import Synchronization

/// The one thread that hands audit entries to the journal, so that no event loop ever blocks
/// on journald, and the place where each entry gets its sequence number.
///
/// `sd_journal_sendv` blocks while journald's socket queue is full (a stalled or stopped
/// journald). Done on an event loop, that stalls every connection of the loop, PING included.
/// Here it stalls only this thread: each submitted entry carries a deadline, and an entry the
/// journal has not taken by then is answered as a failure (the gate then says
/// `DENY audit-unavailable`) while the daemon keeps answering everything else.
///
/// Sequence numbers (`DIALGATE_SEQ`) are taken in sending order and only for entries the
/// journal took, so a run's numbers are consecutive and a missing entry shows as a gap. An
/// entry that expired before it was sent is never sent. One that was already being sent when
/// its deadline passed may still reach the journal after its answer was a failure: the writer
/// then journals an `auditAbandoned` entry naming its number, so the trail never shows an
/// ALLOW without saying it was not the answer.
///
/// Once it has sent what was queued, the writer looks for more for `idleLook` before it
/// sleeps, yielding its core between looks. One request at a time, the next entry arrives
/// within that time, and neither the event loop (waking a sleeping writer) nor the writer
/// (being woken) pays for a sleep: measured, twice the requests a second at one connection
/// (Benchmarks/README.md). Under load the writer is never idle, and an idle daemon spends
/// that short look once after its last entry.
final class AuditWriter: Sendable {
    /// Why an entry was not taken.
    enum Failure: Error, CustomStringConvertible {
        case deadlinePassed(Duration)
        case stalled(Duration)
        case queueFull(Int)
        case closed
        case refused(String)

        var description: String {
            switch self {
            case .deadlinePassed(let deadline): "the journal did not take the entry within \(deadline)"
            case .stalled(let duration): "the journal has not taken an entry for \(duration)"
            case .queueFull(let count): "\(count) audit entries are already waiting for the journal"
            case .closed: "the audit trail is closed"
            case .refused(let why): "the journal refused the entry: \(why)"
            }
        }
    }

    /// What a submitter is told, on its event loop: the entry's sequence number, or why the
    /// journal did not take it. A closure rather than a future: a future is one more
    /// allocation, and one more callback, for every decision.
    typealias Completion = @Sendable (Result<UInt64, Failure>) -> Void

    /// One entry on its way: the state moves once from `queued` or `sending` to an end, and
    /// whoever makes that move completes it, so it is completed exactly once.
    final class Pending: Sendable {
        static let queued: UInt8 = 0, sending: UInt8 = 1, done: UInt8 = 2, expired: UInt8 = 3
        /// The deadline passed while the entry was inside the sink: answered as a failure,
        /// and journaled as abandoned if the sink took it after all.
        static let expiredWhileSending: UInt8 = 4

        /// Handed over at submit; from then on only the writer thread touches it (appending
        /// the sequence number and run in place, without copying the entry's bytes).
        nonisolated(unsafe) var entry: EncodedJournalEntry
        /// Where `completion` runs.
        let loop: EventLoop
        let completion: Completion
        /// When it expires, in `DispatchTime` uptime nanoseconds.
        let expiresAt: UInt64
        let deadline: Duration
        let state = Atomic<UInt8>(Pending.queued)

        init(entry: EncodedJournalEntry, loop: EventLoop, completion: @escaping Completion, expiresAt: UInt64, deadline: Duration) {
            self.entry = entry
            self.loop = loop
            self.completion = completion
            self.expiresAt = expiresAt
            self.deadline = deadline
        }

        /// Whether it still waits for an end (queued or inside the sink).
        var isOpen: Bool {
            let now = state.load(ordering: .relaxed)
            return now == Self.queued || now == Self.sending
        }

        /// Completes it with `result` on its event loop (the caller made the state's move).
        func complete(_ result: Result<UInt64, Failure>) {
            let completion = self.completion
            loop.execute { completion(result) }
        }

        /// Called once the deadline passed; fails it unless the entry is done.
        func expire() {
            if state.compareExchange(expected: Self.queued, desired: Self.expired, ordering: .acquiringAndReleasing).exchanged
                || state.compareExchange(
                    expected: Self.sending, desired: Self.expiredWhileSending, ordering: .acquiringAndReleasing
                ).exchanged
            {
                complete(.failure(.deadlinePassed(deadline)))
            }
        }
    }

    private struct Queue {
        /// Submitted, not yet taken by the writer thread.
        var entries: [Pending] = []
        /// The batch the writer thread took and is sending, so that the deadline thread can
        /// expire its entries while the sink is stuck on one of them.
        var sending: [Pending] = []
        var awake = false
        var closed = false
        /// The writer thread has sent its last entry: the deadline thread stops.
        var finished = false
        /// The earliest `expiresAt` of the open entries, or `UInt64.max`: when the deadline
        /// thread must look next. Kept under the lock, by submitters and by that thread.
        var earliestExpiry = UInt64.max
    }

    let run: String
    let deadline: Duration
    private let sink: AuditSink
    private let maxQueued: Int
    private let queue = Mutex(Queue())
    private let sequence = Atomic<UInt64>(0)
    /// When the entry now inside the sink went in (`DispatchTime` nanoseconds), 0 when none is.
    private let sendingSince = Atomic<UInt64>(0)
    private let wakeup = DispatchSemaphore(value: 0)
    private let deadlineWakeup = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let started = Atomic<Bool>(false)
    /// How many entries are queued (`Queue.entries.count`, stored under the lock): what the
    /// idle writer looks at without taking the lock.
    private let queuedCount = Atomic<Int>(0)

    /// Entries whose deadlines fall within this span of each other are expired by one look of
    /// the deadline thread: under a stall, the queue is not scanned once per entry.
    private static let expiryGrain: UInt64 = 1_000_000
    /// Successful entries are answered to their event loops in groups of at most this many, so
    /// a long batch does not hold its first answers until its last entry is sent.
    private static let completionGroup = 64
    /// How long the writer looks for another entry before it sleeps (see the type's doc).
    /// 100 µs covers a client's turn-around here; 300 µs was no better.
    private static let idleLook: UInt64 = 100_000

    init(sink: AuditSink, run: String, deadline: Duration, maxQueued: Int = 10_000) {
        self.sink = sink
        self.run = run
        self.deadline = deadline
        self.maxQueued = maxQueued
    }

    /// The last sequence number the journal took.
    var lastSequence: UInt64 { sequence.load(ordering: .acquiring) }

    /// Starts the writer thread and the deadline thread (once).
    func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        // Named from inside, at most 15 bytes: see LedgerWriter.start.
        let writer = Thread { [self] in
            Thread.current.name = "dialgate-audit"
            loop()
        }
        writer.start()
        let deadlines = Thread { [self] in
            Thread.current.name = "audit-deadlines"
            expireLoop()
        }
        deadlines.start()
    }

    /// Queues `entry`; the future gives its sequence number once the journal took it, or fails
    /// (deadline passed, journal stalled or refusing, queue full, closed).
    func submit(_ entry: JournalEntry, on eventLoop: EventLoop) -> EventLoopFuture<UInt64> {
        let promise = eventLoop.makePromise(of: UInt64.self)
        do {
            submit(try EncodedJournalEntry(entry), on: eventLoop, deadline: nil) { promise.completeWith($0.mapError { $0 }) }
        } catch {
            promise.fail(Failure.refused("\(error)"))
        }
        return promise.futureResult
    }

    /// Queues an entry already encoded; `completion` gets its sequence number once the journal
    /// took it, or the failure (deadline passed, journal stalled or refusing, queue full,
    /// closed). It runs on `eventLoop`; a failure known at once runs before `submit` returns.
    ///
    /// No timer is scheduled per entry (a timer's scheduling and cancelling cost more than
    /// the rest of the hand-off): the deadline thread expires what is late, and successes are
    /// handed back to each event loop in groups.
    /// - Parameter deadline: a shorter deadline than the writer's (the client's own), if any.
    func submit(
        _ encoded: EncodedJournalEntry, on eventLoop: EventLoop, deadline shorter: Duration?,
        completion: @escaping Completion
    ) {
        let now = DispatchTime.now().uptimeNanoseconds
        // Fast refusal while the journal is stuck: waiting a whole deadline per decision
        // would only hold the dialer's call longer for the same DENY.
        let since = sendingSince.load(ordering: .relaxed)
        // (`since` may be a little after `now`: the writer thread took its own clock since.)
        if since != 0, now > since {
            let stuck = Duration.nanoseconds(Int64(now - since))
            if stuck > deadline {
                completion(.failure(.stalled(stuck)))
                return
            }
        }
        let deadline = min(self.deadline, shorter ?? self.deadline)
        let pending = Pending(
            entry: encoded, loop: eventLoop, completion: completion, expiresAt: now &+ Self.nanoseconds(deadline),
            deadline: deadline)
        let outcome: (signal: Bool, earlier: Bool, failure: Failure?) = queue.withLock { queue in
            guard !queue.closed else { return (false, false, .closed) }
            guard queue.entries.count < maxQueued else { return (false, false, .queueFull(queue.entries.count)) }
            queue.entries.append(pending)
            queuedCount.store(queue.entries.count, ordering: .relaxed)
            let earlier = pending.expiresAt < queue.earliestExpiry
            if earlier { queue.earliestExpiry = pending.expiresAt }
            guard !queue.awake else { return (false, earlier, nil) }
            queue.awake = true
            return (true, earlier, nil)
        }
        if let failure = outcome.failure {
            completion(.failure(failure))
            return
        }
        if outcome.signal { wakeup.signal() }
        if outcome.earlier { deadlineWakeup.signal() }
    }

    /// Sends what is queued (unless expired), stops the threads. Idempotent.
    func close() {
        let signal: Bool? = queue.withLock { queue in
            guard !queue.closed else { return nil }
            queue.closed = true
            guard !queue.awake else { return false }
            queue.awake = true
            return true
        }
        guard let signal, started.load(ordering: .relaxed) else { return }
        if signal { wakeup.signal() }
        finished.wait()
    }

    private func loop() {
        var completions = Completions()
        while true {
            wakeup.wait()
            while true {
                lookBeforeSleeping()
                let taken: [Pending]? = queue.withLock { queue in
                    queue.sending = []
                    if queue.entries.isEmpty {
                        queue.awake = false
                        if queue.closed { queue.finished = true }
                        return queue.closed ? nil : []
                    }
                    var entries: [Pending] = []
                    swap(&entries, &queue.entries)
                    queuedCount.store(0, ordering: .relaxed)
                    queue.sending = entries
                    return entries
                }
                guard let entries = taken else {
                    deadlineWakeup.signal()
                    finished.signal()
                    return
                }
                if entries.isEmpty { break }
                for pending in entries {
                    send(pending, completions: &completions)
                    if completions.count >= Self.completionGroup { handConfirmed(&completions) }
                }
                handConfirmed(&completions)
            }
        }
    }

    /// Waits up to `idleLook` for an entry while none is queued, yielding the core between
    /// looks (a bare spin would take it from the event loop and the client on a small machine,
    /// and measured slower than sleeping). Submitters see the writer awake meanwhile, so they
    /// queue without waking it.
    private func lookBeforeSleeping() {
        guard queuedCount.load(ordering: .relaxed) == 0 else { return }
        let until = DispatchTime.now().uptimeNanoseconds &+ Self.idleLook
        while queuedCount.load(ordering: .relaxed) == 0, DispatchTime.now().uptimeNanoseconds < until {
            sched_yield()
        }
    }

    /// Gives the group's answers once the sink confirms it took their entries (one look for
    /// the group, not one per entry); fails them all when it cannot. Their sequence numbers
    /// stay used: the read-back then finds them missing, which is what the journal holds.
    private func handConfirmed(_ completions: inout Completions) {
        guard completions.count > 0 else { return }
        do {
            try sink.confirmDelivered()
            completions.hand()
        } catch {
            completions.fail(Failure.refused("\(error)"))
        }
    }

    /// Expires entries whose deadline passed, waking when the earliest open one is due.
    private func expireLoop() {
        while true {
            let (earliest, done) = queue.withLock { ($0.earliestExpiry, $0.finished) }
            if done { return }
            if earliest == UInt64.max {
                deadlineWakeup.wait()
            } else {
                _ = deadlineWakeup.wait(timeout: DispatchTime(uptimeNanoseconds: earliest))
            }
            let now = DispatchTime.now().uptimeNanoseconds
            // Whatever falls due within the grain is expired a little late, by one look.
            let due = now &+ Self.expiryGrain
            let late: [Pending] = queue.withLock { queue in
                guard queue.earliestExpiry <= now else { return [] }
                var late: [Pending] = []
                var earliest = UInt64.max
                queue.entries.removeAll { pending in
                    if pending.expiresAt <= due {
                        late.append(pending)
                        return true
                    }
                    earliest = min(earliest, pending.expiresAt)
                    return false
                }
                queuedCount.store(queue.entries.count, ordering: .relaxed)
                for pending in queue.sending where pending.isOpen {
                    if pending.expiresAt <= due { late.append(pending) } else { earliest = min(earliest, pending.expiresAt) }
                }
                queue.earliestExpiry = earliest
                return late
            }
            for pending in late { pending.expire() }
        }
    }

    /// Successes waiting to be handed back to their event loops, grouped by loop: one task
    /// per loop and group instead of one cross-thread hop per entry.
    private struct Completions {
        private var groups: [(loop: EventLoop, entries: [(Completion, UInt64)])] = []
        private(set) var count = 0

        mutating func add(_ pending: Pending, _ seq: UInt64) {
            count += 1
            if let index = groups.firstIndex(where: { $0.loop === pending.loop }) {
                groups[index].entries.append((pending.completion, seq))
            } else {
                groups.append((pending.loop, [(pending.completion, seq)]))
            }
        }

        mutating func hand() {
            finish { seq in .success(seq) }
        }

        /// Fails every entry of the group instead: their delivery could not be confirmed.
        mutating func fail(_ failure: Failure) {
            finish { _ in .failure(failure) }
        }

        private mutating func finish(_ result: @escaping @Sendable (UInt64) -> Result<UInt64, Failure>) {
            guard count > 0 else { return }
            for group in groups where !group.entries.isEmpty {
                let entries = group.entries
                group.loop.execute {
                    for (completion, seq) in entries { completion(result(seq)) }
                }
            }
            groups.removeAll(keepingCapacity: true)
            count = 0
        }
    }

    private func send(_ pending: Pending, completions: inout Completions) {
        guard
            pending.state.compareExchange(expected: Pending.queued, desired: Pending.sending, ordering: .acquiringAndReleasing)
                .exchanged
        else { return }  // expired in the queue: never sent, no number taken
        let seq = sequence.load(ordering: .relaxed) + 1
        pending.entry.append(AuditField.seq, String(seq))
        pending.entry.append(AuditField.run, run)
        let result = sendTimed(pending.entry)
        switch result {
        case .success:
            sequence.store(seq, ordering: .releasing)
            if pending.state.compareExchange(expected: Pending.sending, desired: Pending.done, ordering: .acquiringAndReleasing)
                .exchanged
            {
                completions.add(pending, seq)
            } else {
                journalAbandoned(seq)
            }
        case .failure(let error):
            if pending.state.compareExchange(expected: Pending.sending, desired: Pending.done, ordering: .acquiringAndReleasing)
                .exchanged
            {
                pending.complete(.failure(.refused("\(error)")))
            }
        }
    }

    private func sendTimed(_ entry: EncodedJournalEntry) -> Result<Void, any Error> {
        sendingSince.store(max(1, DispatchTime.now().uptimeNanoseconds), ordering: .relaxed)
        defer { sendingSince.store(0, ordering: .relaxed) }
        return Result { try sink.send(entry) }
    }

    /// Says in the journal that entry `seq` reached it after its answer had already been a
    /// failure, so its verdict was not what the client got.
    private func journalAbandoned(_ seq: UInt64) {
        let next = seq + 1
        var entry = JournalEntry.dialgated(
            "audit entry \(seq) reached the journal after its deadline; it was answered DENY audit-unavailable",
            id: AuditMessageID.auditAbandoned, priority: .warning)
        entry.append(AuditField.abandonedSeq, String(seq))
        entry.append(AuditField.seq, String(next))
        entry.append(AuditField.run, run)
        guard let encoded = try? EncodedJournalEntry(entry) else { return }
        if case .success = sendTimed(encoded) { sequence.store(next, ordering: .releasing) }
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds / 1_000_000_000))
    }
}
