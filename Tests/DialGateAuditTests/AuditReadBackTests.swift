import Testing

@testable import DialGateAudit

@Suite("Audit read-back: the daemon notices an answered entry journald never wrote")
struct AuditReadBackTests {
    let start = ContinuousClock.now
    let grace: Duration = .seconds(10)

    func at(_ seconds: Int) -> ContinuousClock.Instant { start + .seconds(seconds) }

    @Test("entries read in order, all answered past the grace: nothing missing, confirmed through the last")
    func inOrderIsConfirmed() {
        var readBack = AuditReadBack()
        readBack.answered(through: 5, at: at(0))
        for seq in UInt64(1)...5 { #expect(readBack.read(seq) == .new) }
        #expect(readBack.settle(at: at(11), grace: grace).isEmpty)
        #expect(readBack.due == 5)
        #expect(readBack.missing.isEmpty)
        #expect(readBack.missingCount == 0)
        #expect(readBack.confirmedThrough == 5)
    }

    @Test("entries read out of order fill their holes: nothing missing")
    func outOfOrderFillsHoles() {
        var readBack = AuditReadBack()
        for seq: UInt64 in [3, 1, 5, 2, 4] { #expect(readBack.read(seq) == .new) }
        readBack.answered(through: 5, at: at(0))
        #expect(readBack.settle(at: at(20), grace: grace).isEmpty)
        #expect(readBack.missingCount == 0)
        #expect(readBack.confirmedThrough == 5)
    }

    @Test("a due number never read is missing, and reported by one settle only")
    func holeIsReportedOnce() {
        var readBack = AuditReadBack()
        for seq: UInt64 in [1, 2, 4, 5, 6, 10] { readBack.read(seq) }
        readBack.answered(through: 12, at: at(0))
        #expect(readBack.settle(at: at(10), grace: grace) == [3...3, 7...9, 11...12])
        #expect(readBack.missing == [3...3, 7...9, 11...12])
        #expect(readBack.missingCount == 6)
        #expect(readBack.settle(at: at(15), grace: grace).isEmpty)
        #expect(readBack.settle(at: at(30), grace: grace).isEmpty)
        #expect(readBack.missingCount == 6)
        #expect(readBack.missing.sequenceText == "3,7..9,11..12")
    }

    @Test("a number answered less than the grace ago is not yet missing, however late it is read")
    func graceDelaysJudgement() {
        var readBack = AuditReadBack()
        readBack.read(1)
        readBack.answered(through: 1, at: at(0))
        readBack.answered(through: 4, at: at(5))
        #expect(readBack.settle(at: at(12), grace: grace).isEmpty)
        #expect(readBack.due == 1)
        #expect(readBack.confirmedThrough == 1)
        readBack.read(2)
        readBack.read(3)
        #expect(readBack.settle(at: at(15), grace: grace) == [4...4])
        #expect(readBack.due == 4)
        #expect(readBack.missing == [4...4])
    }

    @Test("after a loss, confirmation moves on past the gap: confirmed through the due numbers and those read after")
    func confirmationMovesPastAGap() {
        var readBack = AuditReadBack()
        for seq: UInt64 in [1, 2, 5, 6, 7] { readBack.read(seq) }
        readBack.answered(through: 6, at: at(0))
        #expect(readBack.settle(at: at(10), grace: grace) == [3...4])
        #expect(readBack.confirmedThrough == 7)
        readBack.read(9)
        #expect(readBack.confirmedThrough == 7)
    }

    @Test("a number read after it was reported missing is late, and no longer missing")
    func lateEntryLeavesTheMissing() {
        var readBack = AuditReadBack()
        readBack.read(1)
        readBack.answered(through: 4, at: at(0))
        #expect(readBack.settle(at: at(10), grace: grace) == [2...4])
        #expect(readBack.read(3) == .late)
        #expect(readBack.missing == [2...2, 4...4])
        #expect(readBack.read(4) == .late)
        #expect(readBack.missing == [2...2])
        #expect(readBack.missingCount == 1)
    }

    @Test("an entry read twice is a re-read, neither new nor a fill")
    func rereadIsHarmless() {
        var readBack = AuditReadBack()
        readBack.read(1)
        readBack.read(2)
        #expect(readBack.read(1) == .reread)
        #expect(readBack.read(0) == .reread)
        #expect(readBack.rereads == 1)
        readBack.answered(through: 2, at: at(0))
        #expect(readBack.settle(at: at(10), grace: grace).isEmpty)
        #expect(readBack.confirmedThrough == 2)
    }

    @Test("nothing answered: nothing due, nothing missing, nothing confirmed")
    func nothingAnswered() {
        var readBack = AuditReadBack()
        #expect(readBack.settle(at: at(100), grace: grace).isEmpty)
        #expect(readBack.confirmedThrough == 0)
        #expect(readBack.missing.isEmpty)
        #expect(readBack.missing.sequenceText == "none")
    }

    @Test("memory stays bounded: beyond the hole limit the oldest reported holes are only counted, and the count stays whole")
    func memoryIsBounded() {
        var readBack = AuditReadBack(holeLimit: 3)
        // 1 read, 2 lost, 3 read, 4 lost, ... 20 lost, 21 read: ten holes of one number.
        for seq in stride(from: UInt64(1), through: 21, by: 2) { readBack.read(seq) }
        readBack.answered(through: 21, at: at(0))
        #expect(readBack.settle(at: at(10), grace: grace).count == 10)
        #expect(readBack.missing == [16...16, 18...18, 20...20])
        #expect(readBack.forgottenMissing == 7)
        #expect(readBack.missingCount == 10)
        // An entry of a forgotten hole read late is taken for a re-read: the count never drops
        // below the truth.
        #expect(readBack.read(2) == .reread)
        #expect(readBack.missingCount == 10)
        #expect(readBack.confirmedThrough == 21)
    }

    @Test("a run of a million entries in order keeps no hole and only the last answered samples")
    func longRunKeepsLittle() {
        var readBack = AuditReadBack()
        for second in 0..<100 {
            let through = UInt64(second + 1) * 10_000
            for seq in (through - 9_999)...through { readBack.read(seq) }
            readBack.answered(through: through, at: at(second))
            #expect(readBack.settle(at: at(second), grace: grace).isEmpty)
        }
        #expect(readBack.due == 900_000)
        #expect(readBack.confirmedThrough == 1_000_000)
        #expect(readBack.missingCount == 0)
    }
}
