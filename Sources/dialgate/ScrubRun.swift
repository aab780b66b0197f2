import DialGateCore
import DialGateLedger
import Foundation

/// What becomes of one row: callable, or removed with the reason, the answer class and, for a
/// `later` denial, the instant the call would next be allowed.
struct RowVerdict: Sendable {
    /// `nil` for a callable row.
    var reason: Reason?
    var kind: Decision.Kind
    var next: String?

    static let callable = RowVerdict(reason: nil, kind: .allowed, next: nil)
}

/// Decides rows the way the daemon decides calls: the same `Policy`, fed the same facts (the
/// list snapshot and the ledger, merged by `CallFacts(lists:ledger:)`), for one campaign and
/// one planned instant; then keeps out of the callable rows every number on an opt-out list.
struct ScrubDecider: Sendable {
    let policy: Policy
    let snapshot: Snapshot
    let ledger: LedgerReader
    let campaign: String
    let instant: Date

    func verdict(forField value: String) -> RowVerdict {
        let number: PhoneNumber
        do {
            number = try PhoneNumber(parsing: ProspectFile.numberText(value))
        } catch {
            return RowVerdict(reason: .invalidNumber, kind: .denied, next: nil)
        }
        let facts = CallFacts(lists: snapshot.facts(for: number), ledger: ledger.facts(for: number))
        let decision = policy.decide(number: number, campaignID: campaign, facts: facts, at: instant)
        if decision.verdict == .allow || decision.kind == .later, let optOut = Self.optOutList(holding: facts) {
            return RowVerdict(reason: optOut, kind: .denied, next: nil)
        }
        if decision.verdict == .allow { return .callable }
        let next = decision.kind == .later ? decision.facts.first(where: { $0.key == "next" })?.value : nil
        return RowVerdict(reason: decision.reason, kind: decision.kind, next: next)
    }

    /// The opt-out list the number is on, whatever the campaign and the regime: a file that
    /// holds a number registered on Bloctel may not be sold or rented (L223-1), and a number
    /// on the company's or an operator's do-not-call list is not prospected. The policy lets
    /// such numbers through for some calls (a contract in progress, a consent in the opt-in
    /// regime, a B2B campaign, a press or polling purpose): the export keeps them out anyway.
    ///
    /// - the company's own list (a list file or an OPTOUT the ledger recorded);
    /// - Bloctel: registered by the newest check that saw the number (a registration as new as
    ///   the newest clearance wins, as in the policy);
    /// - an operator's anti-prospection list, whatever its date.
    static func optOutList(holding facts: CallFacts) -> Reason? {
        if facts.internalOptOut != nil { return .internalOptout }
        if let registered = facts.bloctelRegisteredAsOf, facts.bloctelClearedAsOf.map({ $0 <= registered }) ?? true {
            return .bloctel
        }
        if facts.operatorOptOutAsOf != nil { return .operatorList }
        return nil
    }
}

/// The counts of a run, for the summary line and the journal.
struct ScrubTally: Sendable {
    var rows = 0
    var callable = 0
    var removed = 0
    var byReason: [Reason: Int] = [:]

    /// `bloctel=3,invalid-number=1`, in the reasons' precedence order.
    var byReasonText: String {
        Reason.allCases.compactMap { reason in byReason[reason].map { "\(reason.rawValue)=\($0)" } }.joined(separator: ",")
    }

    mutating func add(_ other: ScrubTally) {
        rows += other.rows
        callable += other.callable
        removed += other.removed
        byReason.merge(other.byReason, uniquingKeysWith: +)
    }
}

/// One pass over the file. Rows are read in batches (reading CSV is sequential: a quote may
/// hide a line break); each batch is cut into one contiguous range per core, whose rows a
/// worker decides and writes into buffers of its own (the policy is a pure function, the
/// snapshot and ledger are read-only); the buffers are then appended in range order, so the
/// outputs keep the file's order.
struct ScrubPass {
    let file: ProspectFile
    let decider: ScrubDecider
    let callable: AtomicOutput
    let removed: AtomicOutput
    var progress: ScrubProgress?

    static let batchSize = 1 << 16
    static let removedColumns = ["reason", "class", "next"]

    func run() throws -> ScrubTally {
        var tally = ScrubTally()
        let delimiter = file.delimiter
        let ending = file.lineEnding.bytes
        // Excel reads a CSV as UTF-8 only with a byte order mark: keep one for files that had
        // one, and give one to Windows-1252 files (Excel's), now written in UTF-8.
        if file.text.hadByteOrderMark || file.text.encoding == .windows1252 {
            callable.append(DelimitedText.byteOrderMark)
            removed.append(DelimitedText.byteOrderMark)
        }
        let format = RowFormat(delimiter: delimiter, ending: ending, width: file.width)
        let workers = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
        var outputs = [WorkerOutput](repeating: WorkerOutput(), count: workers)
        try file.text.bytes.withUnsafeBufferPointer { bytes in
            if let header = file.header {
                let raw = UnsafeBufferPointer(rebasing: bytes[header.start..<header.end])
                callable.append(raw)
                callable.append(ending)
                removed.append(raw)
                for _ in header.fields.count..<max(file.width, header.fields.count) { removed.append(CollectionOfOne(delimiter)) }
                for column in Self.removedColumns {
                    removed.append(CollectionOfOne(delimiter))
                    removed.append(column.utf8)
                }
                removed.append(ending)
            }
            var reader = DelimitedText.Reader(bytes: bytes, delimiter: delimiter, from: file.dataOffset)
            var record = DelimitedText.Record()
            var rows: [Row] = []
            rows.reserveCapacity(Self.batchSize)
            var more = true
            while more {
                rows.removeAll(keepingCapacity: true)
                do {
                    while rows.count < Self.batchSize {
                        guard try reader.next(into: &record) else {
                            more = false
                            break
                        }
                        if record.isBlank { continue }
                        let number = file.numberColumn < record.fields.count ? record.fields[file.numberColumn] : nil
                        rows.append(Row(start: record.start, end: record.end, fields: record.fields.count, number: number))
                    }
                } catch {
                    throw fail("\(file.path): \(error)")
                }
                let count = rows.count
                let decider = self.decider
                rows.withUnsafeBufferPointer { rows in
                    outputs.withUnsafeMutableBufferPointer { outputs in
                        let batch = SharedBatch(bytes: bytes, rows: rows, outputs: outputs)
                        let chunk = (count + workers - 1) / workers
                        DispatchQueue.concurrentPerform(iterations: workers) { worker in
                            let start = min(count, worker * chunk)
                            let end = min(count, start + chunk)
                            batch.outputs[worker].decide(batch.rows[start..<end], in: batch.bytes, by: decider, format: format)
                        }
                    }
                }
                for output in outputs {
                    callable.append(output.callable)
                    removed.append(output.removed)
                    tally.add(output.tally)
                }
                try callable.flushIfFull()
                try removed.flushIfFull()
                progress?.update(offset: reader.offset, rows: tally.rows)
            }
        }
        progress?.finish()
        return tally
    }
}

/// A row of a batch: where its bytes are, how many fields it has, and its number field.
struct Row {
    var start: Int
    var end: Int
    var fields: Int
    var number: DelimitedText.Field?
}

/// How output rows are written: the input's delimiter and line ending; removed rows padded to
/// the header's width before their three added columns.
struct RowFormat: Sendable {
    let delimiter: UInt8
    let ending: [UInt8]
    let width: Int
}

/// What one worker made of its range of a batch.
struct WorkerOutput {
    var callable: [UInt8] = []
    var removed: [UInt8] = []
    var tally = ScrubTally()

    /// Decides `rows` and writes each, as it was written in the input, to the callable or the
    /// removed buffer.
    mutating func decide(
        _ rows: Slice<UnsafeBufferPointer<Row>>, in bytes: UnsafeBufferPointer<UInt8>, by decider: ScrubDecider,
        format: RowFormat
    ) {
        callable.removeAll(keepingCapacity: true)
        removed.removeAll(keepingCapacity: true)
        tally = ScrubTally()
        for row in rows {
            let value = row.number.map { DelimitedText.value(of: $0, in: bytes) } ?? ""
            let verdict = decider.verdict(forField: value)
            let raw = UnsafeBufferPointer(rebasing: bytes[row.start..<row.end])
            tally.rows += 1
            guard let reason = verdict.reason else {
                tally.callable += 1
                callable.append(contentsOf: raw)
                callable.append(contentsOf: format.ending)
                continue
            }
            tally.removed += 1
            tally.byReason[reason, default: 0] += 1
            removed.append(contentsOf: raw)
            for _ in row.fields..<max(format.width, row.fields) { removed.append(format.delimiter) }
            removed.append(format.delimiter)
            removed.append(contentsOf: reason.rawValue.utf8)
            removed.append(format.delimiter)
            removed.append(contentsOf: verdict.kind.rawValue.utf8)
            removed.append(format.delimiter)
            if let next = verdict.next { removed.append(contentsOf: next.utf8) }
            removed.append(contentsOf: format.ending)
        }
    }
}

/// A batch shared by the workers that decide it: the text and rows they read, and one output
/// per worker, which only that worker writes. Unchecked: the buffers outlive the workers
/// (`concurrentPerform` returns when they are done), and no two workers touch one output.
private struct SharedBatch: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>
    let rows: UnsafeBufferPointer<Row>
    let outputs: UnsafeMutableBufferPointer<WorkerOutput>
}
