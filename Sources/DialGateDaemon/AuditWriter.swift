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

    /// One entry on its way: the state moves once from `queued` or `sending` to an end, and
    /// whoever makes that move completes the promise, so it is completed exactly once.
    final class Pending: Sendable {
        static let queued: UInt8 = 0, sending: UInt8 = 1, done: UInt8 = 2, expired: UInt8 = 3
        /// The deadline passed while the entry was inside the sink: answered as a failure,
        /// and journaled as abandoned if the sink took it after all.
        static let expiredWhileSending: UInt8 = 4

        let entry: EncodedJournalEntry
        let promise: EventLoopPromise<UInt64>
        let state = Atomic<UInt8>(Pending.queued)

        init(entry: EncodedJournalEntry, promise: EventLoopPromise<UInt64>) {
            self.entry = entry
            self.promise = promise
        }

        /// Called when the deadline passes; fails the promise unless the entry is done.
        func expire(after deadline: Duration) {
            if state.compareExchange(expected: Self.queued, desired: Self.expired, ordering: .acquiringAndReleasing).exchanged
                || state.compareExchange(
                    expected: Self.sending, desired: Self.expiredWhileSending, ordering: .acquiringAndReleasing
                ).exchanged
            {
                promise.fail(Failure.deadlinePassed(deadline))
            }
        }
    }

    private struct Queue {
        var entries: [Pending] = []
        var awake = false
        var closed = false
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
    private let finished = DispatchSemaphore(value: 0)
    private let started = Atomic<Bool>(false)

    init(sink: AuditSink, run: String, deadline: Duration, maxQueued: Int = 10_000) {
        self.sink = sink
        self.run = run
        self.deadline = deadline
        self.maxQueued = maxQueued
    }

    /// The last sequence number the journal took.
    var lastSequence: UInt64 { sequence.load(ordering: .acquiring) }

    /// Starts the writer thread (once).
    func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        let thread = Thread { [self] in loop() }
        thread.name = "dialgate-audit"
        thread.start()
    }

    /// Queues `entry`; the future gives its sequence number once the journal took it, or fails
    /// (deadline passed, journal stalled or refusing, queue full, closed). Completes on
    /// `eventLoop`'s promise; the deadline is scheduled there.
    /// - Parameter deadline: a shorter deadline than the writer's (the client's own), if any.
    func submit(_ entry: JournalEntry, on eventLoop: EventLoop, deadline shorter: Duration? = nil) -> EventLoopFuture<UInt64> {
        let promise = eventLoop.makePromise(of: UInt64.self)
        let encoded: EncodedJournalEntry
        do {
            encoded = try EncodedJournalEntry(entry)
        } catch {
            promise.fail(Failure.refused("\(error)"))
            return promise.futureResult
        }
        // Fast refusal while the journal is stuck: waiting a whole deadline per decision
        // would only hold the dialer's call longer for the same DENY.
        let since = sendingSince.load(ordering: .relaxed)
        if since != 0 {
            let stuck = Duration.nanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- since))
            if stuck > deadline {
                promise.fail(Failure.stalled(stuck))
                return promise.futureResult
            }
        }
        let pending = Pending(entry: encoded, promise: promise)
        let outcome: (signal: Bool, failure: Failure?) = queue.withLock { queue in
            guard !queue.closed else { return (false, .closed) }
            guard queue.entries.count < maxQueued else { return (false, .queueFull(queue.entries.count)) }
            queue.entries.append(pending)
            guard !queue.awake else { return (false, nil) }
            queue.awake = true
            return (true, nil)
        }
        if let failure = outcome.failure {
            promise.fail(failure)
            return promise.futureResult
        }
        if outcome.signal { wakeup.signal() }
        let deadline = min(self.deadline, shorter ?? self.deadline)
        let timeout = eventLoop.scheduleTask(in: TimeAmount(deadline)) {
            pending.expire(after: deadline)
        }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        return promise.futureResult
    }

    /// Sends what is queued (unless expired), stops the thread. Idempotent.
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
        while true {
            wakeup.wait()
            while true {
                let taken: [Pending]? = queue.withLock { queue in
                    if queue.entries.isEmpty {
                        queue.awake = false
                        return queue.closed ? nil : []
                    }
                    var entries: [Pending] = []
                    swap(&entries, &queue.entries)
                    return entries
                }
                guard let entries = taken else {
                    finished.signal()
                    return
                }
                if entries.isEmpty { break }
                for pending in entries { send(pending) }
            }
        }
    }

    private func send(_ pending: Pending) {
        guard
            pending.state.compareExchange(expected: Pending.queued, desired: Pending.sending, ordering: .acquiringAndReleasing)
                .exchanged
        else { return }  // expired in the queue: never sent, no number taken
        let seq = sequence.load(ordering: .relaxed) + 1
        var entry = pending.entry
        entry.append(AuditField.seq, String(seq))
        entry.append(AuditField.run, run)
        let result = sendTimed(entry)
        switch result {
        case .success:
            sequence.store(seq, ordering: .releasing)
            if pending.state.compareExchange(expected: Pending.sending, desired: Pending.done, ordering: .acquiringAndReleasing)
                .exchanged
            {
                pending.promise.succeed(seq)
            } else {
                journalAbandoned(seq)
            }
        case .failure(let error):
            if pending.state.compareExchange(expected: Pending.sending, desired: Pending.done, ordering: .acquiringAndReleasing)
                .exchanged
            {
                pending.promise.fail(Failure.refused("\(error)"))
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
}

extension TimeAmount {
    /// The same span as a NIO time amount, to the nanosecond.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
