import Dispatch
import Foundation
import Synchronization

/// The ledger's one writer: a dedicated thread that turns queued appends into group commits
/// (one `write` and one `fdatasync` for everything queued meanwhile); and the compactions,
/// which run on their caller's thread and hold the writer back only for their last step.
///
/// A thread of its own, because `fdatasync` blocks for milliseconds and must neither hold an
/// event loop nor one of the few cooperative-pool threads. Callers suspend on a continuation
/// that the writer resumes once their record is on disk and in memory.
final class LedgerWriter: Sendable {
    /// The file as the writer sees it. Held (locked) for a whole commit, and by a compaction
    /// for its last step only (the tail, the marker, the rename): appends queue up meanwhile
    /// and go in the next commit.
    struct Disk: Sendable {
        var log: LedgerFile
        var size: UInt64
        var nextSeq: UInt64
        /// Set when a write or sync failed; appends then fail until a retry succeeds.
        var failure: String?
        /// Whether a retry may clear `failure`: not after a compaction failed past its
        /// rename, when which file holds the ledger is unknown.
        var recoverable = true
        /// Set by ``LedgerWriter/close()``: a compaction still running then gives up.
        var closed = false
    }

    /// Work for the writer, in arrival order.
    enum Job: Sendable {
        case append(LedgerRecord, key: String?, Completion)
    }

    typealias Completion = @Sendable (Result<LedgerReceipt, LedgerError>) -> Void

    private struct Queue: Sendable {
        var jobs: [Job] = []
        /// The writer was signalled and has not yet found the queue empty: no need to signal.
        var awake = false
        var closed = false
    }

    let directory: LedgerDirectory
    let disk: Mutex<Disk>
    let state: Mutex<LedgerState>
    /// The disk side of the stats, published after each commit, so STATS never waits behind
    /// an fdatasync or a compaction holding `disk`.
    let figures: Mutex<LedgerStats>
    private let queue = Mutex(Queue())
    private let wakeup = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// False from a failed write or sync until a retry succeeds: read on every decision.
    let healthy = Atomic<Bool>(true)
    private let faults: LedgerFaults?
    /// How long the writer sleeps between retries of a failed ledger.
    private let retryWait: DispatchTimeInterval
    /// Told when the ledger fails (with why) and when it recovers (nil).
    let onHealthChange = Mutex<(@Sendable (String?) -> Void)?>(nil)
    /// One compaction at a time: two would write the same temporary file. Held for a whole
    /// compaction, by the compaction's thread only; the writer never takes it.
    private let compactions = Mutex(())
    /// Called (tests only) on the compaction's thread after each copy pass, with the pass's
    /// number, while appends go on: a test appends from there to show they do not wait.
    let onCompactionPass = Mutex<(@Sendable (Int) -> Void)?>(nil)

    /// Above this many bytes appended during a copy pass (some 800 lines, a millisecond or two
    /// to decode and copy), the compaction copies them in another pass rather than while
    /// holding appends back.
    static let lockedTailLimit: UInt64 = 64 << 10
    /// At most this many passes without the lock. Each pass copies what was appended during
    /// the last, so the tail shrinks quickly while appends come slower than the copy goes;
    /// appends faster than that would keep a compaction going forever, so the tail is then
    /// copied under the lock, whatever its size.
    static let copyPasses = 8

    init(
        directory: LedgerDirectory, log: LedgerFile, size: UInt64, nextSeq: UInt64, state: LedgerState,
        faults: LedgerFaults? = nil, retryInterval: Duration = .seconds(1)
    ) {
        self.faults = faults
        let (seconds, attoseconds) = retryInterval.components
        self.retryWait = .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        self.directory = directory
        self.disk = Mutex(Disk(log: log, size: size, nextSeq: nextSeq))
        self.state = Mutex(state)
        var figures = LedgerStats()
        figures.bytes = size
        figures.lastSeq = nextSeq - 1
        self.figures = Mutex(figures)
    }

    /// Starts the writer thread.
    func start() {
        // Named from inside: on Linux a name set before `start()` never reaches the thread
        // (`top -H`, perf and gdb showed Dispatch's name). At most 15 bytes (the kernel's limit).
        let thread = Thread { [self] in
            Thread.current.name = "dialgate-ledger"
            run()
        }
        thread.start()
    }

    /// Queues a job; fails at once when the ledger is closed.
    func submit(_ job: Job) {
        let outcome: (signal: Bool, rejected: Bool) = queue.withLock { queue in
            guard !queue.closed else { return (false, true) }
            queue.jobs.append(job)
            guard !queue.awake else { return (false, false) }
            queue.awake = true
            return (true, false)
        }
        if outcome.rejected {
            switch job {
            case .append(_, _, let completion): completion(.failure(.closed))
            }
        }
        if outcome.signal { wakeup.signal() }
    }

    /// Refuses new jobs, lets the writer finish the queued ones, waits for it, closes the file.
    /// Idempotent.
    func close() {
        let signal: Bool? = queue.withLock { queue in
            guard !queue.closed else { return nil }
            queue.closed = true
            guard !queue.awake else { return false }
            queue.awake = true
            return true
        }
        guard let signal else { return }
        if signal { wakeup.signal() }
        finished.wait()
        // Under the lock, so that a compaction's last step never runs on closed descriptors.
        disk.withLock { disk in
            disk.closed = true
            disk.log.close()
            directory.close()
        }
    }

    private func run() {
        while true {
            if healthy.load(ordering: .relaxed) {
                wakeup.wait()
            } else if wakeup.wait(timeout: .now() + retryWait) == .timedOut
            {
                // Nothing queued, but the ledger failed: try again, so the gate stops denying
                // as soon as the disk is back, even if no write comes.
                disk.withLock { retry(&$0) }
                continue
            }
            while true {
                let taken: [Job]? = queue.withLock { queue in
                    if queue.jobs.isEmpty {
                        queue.awake = false
                        return queue.closed ? nil : []
                    }
                    var jobs: [Job] = []
                    swap(&jobs, &queue.jobs)
                    return jobs
                }
                guard let jobs = taken else {
                    finished.signal()
                    return
                }
                if jobs.isEmpty { break }
                perform(jobs)
            }
        }
    }

    /// Everything queued goes in one commit.
    private func perform(_ jobs: [Job]) {
        var batch: [Item] = []
        for job in jobs {
            switch job {
            case .append(let record, let key, let completion):
                batch.append(Item(record: record, key: record.clientKey(key), completion: completion))
            }
        }
        commit(batch)
    }

    private struct Item {
        var record: LedgerRecord
        var key: String?
        var completion: Completion
    }

    /// One group commit: encode, one write, one fdatasync, apply to memory, then acknowledge.
    ///
    /// A record whose client key names a write already recorded (in the file or earlier in
    /// this batch) is not written again: it is answered with that write's sequence number.
    private func commit(_ batch: [Item]) {
        guard !batch.isEmpty else { return }
        var results = [Result<LedgerReceipt, LedgerError>](repeating: .failure(.closed), count: batch.count)
        disk.withLock { disk in
            retry(&disk)
            if let failure = disk.failure {
                results = results.map { _ in .failure(.unavailable(failure)) }
                return
            }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(batch.count * 96)
            var accepted: [(index: Int, record: LedgerRecord, key: String?, seq: UInt64)] = []
            var batchKeys: [String: LedgerState.KeyedWrite] = [:]
            // Repeats of a key first written in this batch: acknowledged only if it is.
            var repeatsInBatch: [Int] = []
            for (index, item) in batch.enumerated() {
                let seq = disk.nextSeq + UInt64(accepted.count)
                if let key = item.key {
                    let name = LedgerState.keyName(type: item.record.typeName, key: key)
                    if batchKeys[name] != nil { repeatsInBatch.append(index) }
                    if let earlier = batchKeys[name] ?? state.withLock({ $0.keyedWrite(type: item.record.typeName, key: key) }) {
                        results[index] =
                            earlier.number == item.record.number
                            ? .success(LedgerReceipt(seq: earlier.seq, duplicate: true))
                            : .failure(.keyReused(key: key, seq: earlier.seq, number: earlier.number))
                        continue
                    }
                    batchKeys[name] = LedgerState.KeyedWrite(seq: seq, number: item.record.number)
                }
                do throws(LedgerError) {
                    try LedgerCodec.encode(seq: seq, .record(item.record, key: item.key), into: &buffer)
                    accepted.append((index, item.record, item.key, seq))
                    results[index] = .success(LedgerReceipt(seq: seq, duplicate: false))
                } catch {
                    if let key = item.key { batchKeys[LedgerState.keyName(type: item.record.typeName, key: key)] = nil }
                    results[index] = .failure(error)  // this record only; the batch goes on
                }
            }
            guard !accepted.isEmpty else { return }

            func fail(_ error: LedgerError) {
                for item in accepted { results[item.index] = .failure(error) }
                for index in repeatsInBatch { results[index] = .failure(error) }
            }
            do throws(LedgerError) {
                try faults?.check(.write, path: disk.log.path)
                try disk.log.write(buffer)
            } catch {
                // Nothing of this batch was acknowledged. The ledger fails until a retry shows
                // the disk takes writes again (a full disk may get room): until then the gate
                // denies, since the attempts it cannot record would go uncounted.
                markFailed(&disk, error)
                fail(error)
                return
            }
            let clock = ContinuousClock()
            let start = clock.now
            do throws(LedgerError) {
                try faults?.check(.sync, path: disk.log.path)
                try disk.log.dataSync()
            } catch {
                // After a failed fdatasync the kernel may have dropped the dirty pages and will
                // not report it again: the file's content is unknown from here on.
                markFailed(&disk, error)
                fail(error)
                return
            }
            let latency = clock.now - start
            disk.size += UInt64(buffer.count)
            disk.nextSeq += UInt64(accepted.count)
            figures.withLock { [disk] figures in
                figures.fsyncs += 1
                figures.commits += 1
                figures.appends += UInt64(accepted.count)
                figures.lastFsyncLatency = latency
                figures.maxFsyncLatency = max(figures.maxFsyncLatency ?? latency, latency)
                figures.bytes = disk.size
                figures.lastSeq = disk.nextSeq - 1
            }
            // Memory follows the disk while the disk is still held, so a compaction never sees
            // one without the other.
            state.withLock { state in
                for item in accepted { state.apply(item.record.atFilePrecision, key: item.key, seq: item.seq) }
            }
        }
        for (index, item) in batch.enumerated() {
            item.completion(results[index])
        }
    }

    /// Rewrites the file without expired attempts and refusals, on the calling thread, holding
    /// appends back only for the last step.
    ///
    /// 1. Without the disk lock: copy the kept lines of the file as acknowledged when the
    ///    compaction began (a snapshot size S) into `ledger.log.compact`, building the new
    ///    state, and fdatasync them; appends go on meanwhile into the old file. When more than
    ///    ``lockedTailLimit`` bytes were appended during a pass, copy those in another pass
    ///    (at most ``copyPasses`` in all).
    /// 2. Under the disk lock: copy the lines appended since (the tail) by the same rule,
    ///    write the `compacted` marker, fsync, rename over `ledger.log`, fsync the directory,
    ///    reopen for appending, and swap in the new state (the copied records, tail included,
    ///    in file order: what a replay of the new file builds).
    ///
    /// An append is acknowledged only once durable in the file that then holds it: one
    /// committed before step 2 is in the old file and copied in the tail; one committed after
    /// goes into the new file. A failure before the rename removes the new file and leaves the
    /// ledger as it was; one after it makes the ledger unavailable, since which of the two
    /// files a crash would leave is unknown.
    func compact(_ compaction: LedgerCompaction) throws(LedgerError) -> LedgerCompactionReport {
        try compactions.withLock { (_: inout ()) throws(LedgerError) -> LedgerCompactionReport in
            let clock = ContinuousClock()
            let start = clock.now
            // The snapshot: the acknowledged size, and a descriptor of its own on the same file,
            // so that the copy reads it whatever the writer (or close) does with its own.
            let (reader, snapshot) = try disk.withLock { (disk: inout Disk) throws(LedgerError) -> (LedgerFile, UInt64) in
                if disk.closed { throw .closed }
                if let failure = disk.failure { throw .unavailable(failure) }
                return (try disk.log.duplicate(), disk.size)
            }
            defer { reader.close() }
            var copy = try LedgerCompactionCopy(compaction: compaction, directory: directory, faults: faults)
            defer { copy.close() }
            do throws(LedgerError) {
                var target = snapshot
                for pass in 1...Self.copyPasses {
                    try copy.copy(from: reader, upTo: target)
                    try copy.sync()
                    onCompactionPass.withLock { $0 }?(pass)
                    target = disk.withLock { $0.size }
                    if target - copy.copiedUpTo <= Self.lockedTailLimit { break }
                }
                return try finishCompaction(&copy, reader: reader, started: start)
            } catch {
                // Before the rename, this leaves the old file as it was; after it, the name is
                // gone already and removing it does nothing.
                directory.remove(LedgerCompactionCopy.name)
                throw error
            }
        }
    }

    /// The compaction's locked step: the tail, the marker, the rename, the new state.
    private func finishCompaction(
        _ copy: inout LedgerCompactionCopy, reader: LedgerFile, started start: ContinuousClock.Instant
    ) throws(LedgerError) -> LedgerCompactionReport {
        let clock = ContinuousClock()
        // The state replaced is the second of the pair, dropped (freed) here, outside both locks.
        let (report, _) = try disk.withLock {
            (disk: inout Disk) throws(LedgerError) -> (LedgerCompactionReport, LedgerState) in
            let locked = clock.now
            if disk.closed { throw .closed }
            if let failure = disk.failure { throw .unavailable(failure) }
            try copy.copy(from: reader, upTo: disk.size)
            try copy.finish(markerSeq: disk.nextSeq)
            // Nothing changed so far: on failure the ledger goes on with the old file.
            try directory.rename(LedgerCompactionCopy.name, to: LedgerReplay.logName)
            // From here the new file is in place: any failure leaves the ledger unavailable,
            // since which of the two files a crash would leave is unknown.
            let reopened: LedgerFile
            do throws(LedgerError) {
                try directory.sync()
                reopened = try LedgerFile.openForAppend(directory.file(LedgerReplay.logName), create: false).file
            } catch {
                markFailed(&disk, error)
                disk.recoverable = false
                throw error
            }
            disk.log.close()
            let bytesBefore = disk.size
            disk.log = reopened
            disk.size = copy.written
            disk.nextSeq += 1
            figures.withLock { [disk] figures in
                figures.compactions += 1
                figures.lastCompaction = copy.compaction.now
                figures.bytes = disk.size
                figures.lastSeq = disk.nextSeq - 1
            }
            // Swapped, not assigned: the old state (every number of the old file) is freed
            // once lookups and appends no longer wait for either lock.
            var replaced = copy.takeState()
            state.withLock { swap(&$0, &replaced) }
            let end = clock.now
            return (
                LedgerCompactionReport(
                    kept: copy.kept, dropped: copy.dropped, bytesBefore: bytesBefore, bytesAfter: copy.written,
                    duration: end - start, appendsHeld: end - locked),
                replaced
            )
        }
        return report
    }

    private func markFailed(_ disk: inout Disk, _ error: LedgerError) {
        let first = disk.failure == nil
        disk.failure = "\(error)"
        figures.withLock { $0.failure = "\(error)" }
        healthy.store(false, ordering: .relaxed)
        if first { onHealthChange.withLock { $0 }?("\(error)") }
    }

    /// After a failure: a test write and fdatasync of a scratch file beside the ledger, then
    /// the ledger's file cut back to its last acknowledged record (whatever a failed batch left
    /// after it goes, so a write answered "not recorded" is never replayed later) and synced.
    /// Clears the failure when all of it succeeds.
    private func retry(_ disk: inout Disk) {
        guard disk.failure != nil, disk.recoverable else { return }
        let probeName = "\(LedgerReplay.logName).probe"
        do throws(LedgerError) {
            let probe = try LedgerFile.create(directory.file(probeName))
            defer {
                probe.close()
                directory.remove(probeName)
            }
            try faults?.check(.write, path: probe.path)
            try probe.write([UInt8](repeating: UInt8(ascii: "\n"), count: 4096))
            try faults?.check(.sync, path: probe.path)
            try probe.dataSync()
            try disk.log.truncate(to: disk.size)
            try faults?.check(.sync, path: disk.log.path)
            try disk.log.dataSync()
            guard try disk.log.size() == disk.size else {
                throw .unavailable("the ledger's size does not match its last acknowledged record after cutting it back")
            }
        } catch {
            return
        }
        disk.failure = nil
        figures.withLock { $0.failure = nil }
        healthy.store(true, ordering: .relaxed)
        onHealthChange.withLock { $0 }?(nil)
    }
}
