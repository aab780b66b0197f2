import Foundation
import Testing

@testable import DialGateAudit

@Suite("Audit continuity: a missing decision entry shows")
struct AuditContinuityTests {
    let start = Date(timeIntervalSince1970: 1_796_000_000)
    let stop = Date(timeIntervalSince1970: 1_796_003_600)

    func only(_ continuity: AuditContinuity) throws -> AuditContinuity.Run {
        try #require(continuity.report.count == 1)
        return continuity.report[0]
    }

    @Test("a run read whole, from its start entry to its stop entry, is complete")
    func wholeRunIsComplete() throws {
        var continuity = AuditContinuity()
        continuity.started(run: "r", at: start, writer: "10")
        for seq in UInt64(1)...5 { continuity.decision(run: "r", seq: seq, writer: "10") }
        continuity.stopped(run: "r", lastSeq: 5, at: stop, writer: "10")
        let run = try only(continuity)
        #expect(run.isComplete)
        #expect(run.missing.isEmpty)
        #expect(run.entries == 5 && run.lowest == 1 && run.highest == 5)
        #expect(run.startedAt == start && run.stoppedAt == stop)
    }

    @Test("a hole between two entries is missing")
    func holeIsMissing() throws {
        var continuity = AuditContinuity()
        for seq: UInt64 in [1, 2, 5, 6, 8] { continuity.decision(run: "r", seq: seq, writer: "10") }
        let run = try only(continuity)
        #expect(run.missing == [3...4, 7...7])
        #expect(run.missingCount == 3)
        #expect(!run.isComplete)
    }

    @Test("after a start entry the numbers begin at 1: missing first entries show")
    func missingHeadAfterStart() throws {
        var continuity = AuditContinuity()
        continuity.started(run: "r", at: start, writer: "10")
        for seq: UInt64 in [3, 4] { continuity.decision(run: "r", seq: seq, writer: "10") }
        #expect(try only(continuity).missing == [1...2])
    }

    @Test("without its start entry (before the period read) a run may begin anywhere")
    func headUncheckedWithoutStart() throws {
        var continuity = AuditContinuity()
        for seq: UInt64 in [700, 701, 702] { continuity.decision(run: "r", seq: seq, writer: "10") }
        continuity.stopped(run: "r", lastSeq: 702, at: stop, writer: "10")
        let run = try only(continuity)
        #expect(run.isComplete)
        #expect(run.startedAt == nil)
    }

    @Test("a stop entry announces the last number: missing last entries show")
    func missingTailBeforeStop() throws {
        var continuity = AuditContinuity()
        continuity.started(run: "r", at: start, writer: "10")
        for seq: UInt64 in [1, 2, 3] { continuity.decision(run: "r", seq: seq, writer: "10") }
        continuity.stopped(run: "r", lastSeq: 6, at: stop, writer: "10")
        #expect(try only(continuity).missing == [4...6])
    }

    @Test("a run that decided nothing and says so is complete; one that says 2 and shows none is not")
    func emptyRun() throws {
        var quiet = AuditContinuity()
        quiet.started(run: "r", at: start, writer: "10")
        quiet.stopped(run: "r", lastSeq: 0, at: stop, writer: "10")
        #expect(try only(quiet).isComplete)

        var emptied = AuditContinuity()
        emptied.started(run: "r", at: start, writer: "10")
        emptied.stopped(run: "r", lastSeq: 2, at: stop, writer: "10")
        #expect(try only(emptied).missing == [1...2])
    }

    @Test("an entry read late fills its hole, and an earlier one read late opens none wrongly")
    func lateEntries() throws {
        var continuity = AuditContinuity()
        for seq: UInt64 in [5, 6, 9, 7, 3, 8] { continuity.decision(run: "r", seq: seq, writer: "10") }
        let run = try only(continuity)
        #expect(run.missing == [4...4])
        #expect(run.entries == 6 && run.lowest == 3 && run.highest == 9)
    }

    @Test("a number read twice (a replayed or forged entry) makes the run incomplete")
    func repeatedNumber() throws {
        var continuity = AuditContinuity()
        for seq: UInt64 in [1, 2, 2, 3] { continuity.decision(run: "r", seq: seq, writer: "10") }
        let run = try only(continuity)
        #expect(run.repeated == [2])
        #expect(run.missing.isEmpty)
        #expect(!run.isComplete)
        #expect(run.entries == 3)
    }

    @Test("runs interleaved in the journal are checked each on its own numbers")
    func interleavedRuns() {
        var continuity = AuditContinuity()
        continuity.started(run: "a", at: start, writer: "10")
        continuity.started(run: "b", at: start, writer: "10")
        for seq in UInt64(1)...4 {
            continuity.decision(run: "a", seq: seq, writer: "10")
            if seq != 2 { continuity.decision(run: "b", seq: seq, writer: "10") }
        }
        let runs = continuity.report
        #expect(runs.map(\.id) == ["a", "b"])
        #expect(runs[0].isComplete)
        #expect(runs[1].missing == [2...2])
    }

    @Test("an entry of the run written by another process is foreign: counted, and filling no hole")
    func foreignEntries() throws {
        var continuity = AuditContinuity()
        continuity.started(run: "r", at: start, writer: "10")
        for seq: UInt64 in [1, 2, 4] { continuity.decision(run: "r", seq: seq, writer: "10") }
        continuity.decision(run: "r", seq: 3, writer: "666")
        continuity.stopped(run: "r", lastSeq: 4, at: stop, writer: "10")
        let run = try only(continuity)
        #expect(run.foreign == 1)
        #expect(run.missing == [3...3])
        #expect(run.writer == "10")
        #expect(!run.isComplete)
    }
}
