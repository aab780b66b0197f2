import NIOCore
import NIOEmbedded
import Testing

@testable import DialGateServer

@Suite("One connection, in process: order, group commit, back-pressure, half-close, idle closing")
struct ConnectionHandlerTests {
    // MARK: Order

    @Test("pipelined requests are answered in request order, one line each")
    func pipelinedRequestsAreAnsweredInOrder() throws {
        let connection = try EmbeddedConnection()
        try connection.send((1...50).map { "PING id=\($0)\n" }.joined())
        #expect(try connection.answers() == (1...50).map { "PONG id=\($0) class=done" })
    }

    @Test("a request split across reads is answered once its line is complete")
    func aRequestSplitAcrossReadsIsAnsweredWhenComplete() throws {
        let connection = try EmbeddedConnection()
        try connection.send("PI")
        try connection.send("NG id=a\r")
        #expect(try connection.answers() == [])
        try connection.send("\nPING id=b\n")
        #expect(try connection.answers() == ["PONG id=a class=done", "PONG id=b class=done"])
    }

    @Test("a pending answer holds the answers of later requests, which then follow in order")
    func aPendingAnswerHoldsLaterRequests() throws {
        let connection = try EmbeddedConnection()
        try connection.send("PING id=1\nOPTOUT 0612345678 id=2\nPING id=3\nPING id=4\n")
        #expect(try connection.answers() == ["PONG id=1 class=done"])
        // The later requests have not even reached the application: a CHECK after an OPTOUT
        // must see it.
        #expect(connection.responder.askedCount == 2)
        connection.responder.completeOldest(id: "2")
        #expect(try connection.answers() == ["OK optout id=2 class=done", "PONG id=3 class=done", "PONG id=4 class=done"])
    }

    @Test("decisions awaiting the journal do not hold later requests, and their answers keep request order")
    func decisionsInFlightKeepTheirTurn() throws {
        let connection = try EmbeddedConnection()
        try connection.send("CHECK 0612345678 campaign=c id=1\nCHECK 0612345678 campaign=c id=2\nPING id=3\n")
        // All three reached the application at once: a decision changes nothing they read.
        #expect(connection.responder.askedCount == 3)
        #expect(try connection.answers() == [])
        connection.responder.completeCheck(id: "2")
        #expect(try connection.answers() == [])
        connection.responder.completeCheck(id: "1")
        #expect(try connection.answers() == ["ALLOW test id=1 class=allowed", "ALLOW test id=2 class=allowed", "PONG id=3 class=done"])
    }

    @Test("QUIT after decisions in flight is answered after them, and nothing after it")
    func quitWaitsForDecisionsInFlight() throws {
        let connection = try EmbeddedConnection()
        try connection.send("CHECK 0612345678 campaign=c id=1\nQUIT\nPING id=3\n")
        #expect(connection.isOpen)
        connection.responder.completeCheck(id: "1")
        #expect(try connection.answers() == ["ALLOW test id=1 class=allowed", "BYE class=done"])
        #expect(!connection.isOpen)
        #expect(connection.responder.askedCount == 2)
    }

    @Test("a request that closes the connection is answered, and nothing after it")
    func quitIsAnsweredThenClosed() throws {
        let connection = try EmbeddedConnection()
        try connection.send("PING id=1\nQUIT\nPING id=3\n")
        #expect(try connection.answers() == ["PONG id=1 class=done", "BYE class=done"])
        #expect(!connection.isOpen)
    }

    @Test("an overlong line is answered ERR line-too-long and the connection is closed")
    func anOverlongLineClosesTheConnection() throws {
        let connection = try EmbeddedConnection(maxLineBytes: 64)
        try connection.send("PING id=1\n" + String(repeating: "X", count: 100))
        let answers = try connection.answers()
        #expect(answers.count == 2)
        #expect(answers.first == "PONG id=1 class=done")
        #expect(answers.last?.hasPrefix("ERR line-too-long ") == true)
        #expect(!connection.isOpen)
    }

    // MARK: Group commit

    @Test("pipelined writes all reach the responder before the first is answered, to share one group commit")
    func pipelinedWritesReachTheResponderAtOnce() throws {
        let connection = try EmbeddedConnection()
        try connection.send(
            "ATTEMPT 0612345678 campaign=c id=1\nREFUSAL 0612345678 campaign=c id=2\nOPTOUT 0612345678 id=3\n"
                + "CONSENT 0612345678 proof=p id=4\nREVOKE 0612345678 id=5\n")
        #expect(connection.responder.askedIDs == ["1", "2", "3", "4", "5"])
        #expect(connection.responder.pendingCount == 5)
        #expect(try connection.answers() == [])
    }

    @Test("the answers of pipelined writes leave in request order, however their writes complete")
    func pipelinedWritesAreAnsweredInOrder() throws {
        let connection = try EmbeddedConnection()
        try connection.send((1...5).map { "ATTEMPT 0612345678 campaign=c id=\($0)\n" }.joined())
        for id in (2...5).reversed() {
            connection.responder.complete(id: String(id))
            #expect(try connection.answers() == [])
        }
        connection.responder.complete(id: "1")
        #expect(try connection.answers() == (1...5).map { "OK attempt id=\($0) class=done" })
    }

    @Test("a request that is not a write waits until every write before it is answered")
    func aCheckWaitsForEveryPendingWrite() throws {
        let connection = try EmbeddedConnection()
        try connection.send(
            "ATTEMPT 0612345678 campaign=c id=1\nOPTOUT 0612345678 id=2\nCHECK 0612345678 campaign=c id=3\nPING id=4\n")
        #expect(connection.responder.askedIDs == ["1", "2"])
        connection.responder.complete(id: "2")
        // The CHECK must see both writes: the later one's being done is not enough.
        #expect(connection.responder.askedIDs == ["1", "2"])
        #expect(try connection.answers() == [])
        connection.responder.complete(id: "1")
        #expect(connection.responder.askedIDs == ["1", "2", "3", "4"])
        #expect(try connection.answers() == ["OK attempt id=1 class=done", "OK optout id=2 class=done"])
        connection.responder.completeCheck(id: "3")
        #expect(try connection.answers() == ["ALLOW test id=3 class=allowed", "PONG id=4 class=done"])
    }

    @Test("a request held behind writes holds the writes after it: a CHECK between two OPTOUTs sees only the first")
    func aHeldRequestHoldsTheWritesAfterIt() throws {
        let connection = try EmbeddedConnection()
        try connection.send("OPTOUT 0612345678 id=1\nCHECK 0612345678 campaign=c id=2\nOPTOUT 0612345678 id=3\n")
        #expect(connection.responder.askedIDs == ["1"])
        connection.responder.complete(id: "1")
        #expect(connection.responder.askedIDs == ["1", "2", "3"])
        connection.responder.complete(id: "3")
        connection.responder.completeCheck(id: "2")
        #expect(try connection.answers() == ["OK optout id=1 class=done", "ALLOW test id=2 class=allowed", "OK optout id=3 class=done"])
    }

    @Test("a write after a pending barrier (RELOAD) waits for it, as every request does")
    func aWriteWaitsForAPendingBarrier() throws {
        let connection = try EmbeddedConnection()
        try connection.send("RELOAD id=1\nATTEMPT 0612345678 campaign=c id=2\nOPTOUT 0612345678 id=3\nPING id=4\n")
        #expect(connection.responder.askedIDs == ["1"])
        connection.responder.complete(id: "1")
        #expect(connection.responder.askedIDs == ["1", "2", "3"])
        #expect(try connection.answers() == ["OK reload id=1 class=done"])
        connection.responder.complete(id: "2")
        connection.responder.complete(id: "3")
        #expect(try connection.answers() == ["OK attempt id=2 class=done", "OK optout id=3 class=done", "PONG id=4 class=done"])
    }

    @Test("a barrier (RELOAD) after pending writes waits for them, and nothing passes it")
    func aBarrierWaitsForPendingWrites() throws {
        let connection = try EmbeddedConnection()
        try connection.send("OPTOUT 0612345678 id=1\nRELOAD id=2\nOPTOUT 0612345678 id=3\n")
        #expect(connection.responder.askedIDs == ["1"])
        connection.responder.complete(id: "1")
        #expect(connection.responder.askedIDs == ["1", "2"])
        connection.responder.complete(id: "2")
        #expect(connection.responder.askedIDs == ["1", "2", "3"])
        connection.responder.complete(id: "3")
        #expect(
            try connection.answers() == ["OK optout id=1 class=done", "OK reload id=2 class=done", "OK optout id=3 class=done"])
    }

    @Test("a write after a pending decision goes on at once, and its answer waits its turn")
    func aWriteGoesOnPastAPendingDecision() throws {
        let connection = try EmbeddedConnection()
        try connection.send("CHECK 0612345678 campaign=c id=1\nOPTOUT 0612345678 id=2\n")
        #expect(connection.responder.askedIDs == ["1", "2"])
        connection.responder.complete(id: "2")
        #expect(try connection.answers() == [])
        connection.responder.completeCheck(id: "1")
        #expect(try connection.answers() == ["ALLOW test id=1 class=allowed", "OK optout id=2 class=done"])
    }

    @Test("at most maxInFlight pipelined writes await at once; the next goes on when the oldest is answered")
    func pipelinedWritesAreBoundedByMaxInFlight() throws {
        let connection = try EmbeddedConnection(maxInFlight: 3)
        try connection.send((1...5).map { "ATTEMPT 0612345678 campaign=c id=\($0)\n" }.joined())
        #expect(connection.responder.askedIDs == ["1", "2", "3"])
        // A newer write answered keeps its place until the oldest leaves: no room yet.
        connection.responder.complete(id: "2")
        #expect(connection.responder.askedCount == 3)
        connection.responder.complete(id: "1")
        #expect(connection.responder.askedIDs == ["1", "2", "3", "4", "5"])
        #expect(try connection.answers() == ["OK attempt id=1 class=done", "OK attempt id=2 class=done"])
    }

    @Test("a line that is no request waits for the pending writes before it, and is answered in its turn")
    func anUnparsableLineWaitsForPendingWrites() throws {
        let connection = try EmbeddedConnection()
        try connection.send("OPTOUT 0612345678 id=1\nFROBNICATE id=2\nOPTOUT 0612345678 id=3\n")
        #expect(connection.responder.askedIDs == ["1"])
        connection.responder.complete(id: "1")
        #expect(connection.responder.askedIDs == ["1", "3"])
        connection.responder.complete(id: "3")
        let answers = try connection.answers()
        #expect(answers.count == 3)
        #expect(answers.first == "OK optout id=1 class=done")
        #expect(answers.dropFirst().first?.hasPrefix("ERR unknown-command ") == true)
        #expect(answers.last == "OK optout id=3 class=done")
    }

    @Test("while writes are pending the connection is not idle, even once some are answered")
    func pendingWritesAreNotIdle() throws {
        let connection = try EmbeddedConnection(idleTimeout: .seconds(2))
        try connection.send("OPTOUT 0612345678 id=1\nOPTOUT 0612345678 id=2\n")
        connection.responder.complete(id: "1")
        #expect(try connection.answers() == ["OK optout id=1 class=done"])
        connection.advance(by: .seconds(5))
        #expect(connection.isOpen)
        connection.responder.complete(id: "2")
        #expect(try connection.answers() == ["OK optout id=2 class=done"])
        connection.advance(by: .milliseconds(1900))
        #expect(connection.isOpen)
        connection.advance(by: .milliseconds(200))
        #expect(!connection.isOpen)
    }

    // MARK: Back-pressure

    @Test("while the channel is not writable nothing more is answered, and answering resumes in order when it is")
    func nothingIsAnsweredWhileNotWritable() throws {
        let connection = try EmbeddedConnection()
        try connection.send("PING id=1\n")
        #expect(try connection.answers() == ["PONG id=1 class=done"])
        connection.setWritable(false)
        try connection.send("PING id=2\nPING id=3\n")
        #expect(try connection.answers() == [])
        #expect(connection.responder.askedCount == 1)
        connection.setWritable(true)
        #expect(try connection.answers() == ["PONG id=2 class=done", "PONG id=3 class=done"])
    }

    @Test("while the channel is not writable no more is read from the socket; the held read resumes with writability")
    func noReadWhileNotWritable() throws {
        let connection = try EmbeddedConnection()
        #expect(connection.readReachesSocket())
        connection.setWritable(false)
        #expect(!connection.readReachesSocket())
        #expect(!connection.readReachesSocket())
        let reads = connection.recorder.reads
        connection.setWritable(true)
        #expect(connection.recorder.reads == reads + 1)
        #expect(connection.readReachesSocket())
    }

    @Test("while the queue is full behind a pending answer no more is read; the read resumes once there is room")
    func noReadWhileTheQueueIsFull() throws {
        let connection = try EmbeddedConnection(maxQueued: 4)
        try connection.send("OPTOUT 0612345678 id=0\n" + (1...4).map { "PING id=\($0)\n" }.joined())
        #expect(!connection.readReachesSocket())
        let reads = connection.recorder.reads
        connection.responder.completeOldest(id: "0")
        #expect(connection.recorder.reads == reads + 1)
        #expect(try connection.answers() == ["OK optout id=0 class=done"] + (1...4).map { "PONG id=\($0) class=done" })
    }

    @Test("a pending answer that completes while the channel is not writable waits, with the later ones, for writability")
    func aPendingAnswerCompletedWhileNotWritableKeepsOrder() throws {
        let connection = try EmbeddedConnection()
        try connection.send("OPTOUT 0612345678 id=1\nPING id=2\n")
        connection.setWritable(false)
        connection.responder.completeOldest(id: "1")
        // The completed answer is written (the write buffer holds it); the next is held.
        #expect(try connection.answers() == ["OK optout id=1 class=done"])
        #expect(connection.responder.askedCount == 1)
        connection.setWritable(true)
        #expect(try connection.answers() == ["PONG id=2 class=done"])
    }

    // MARK: Half-close and shutdown

    @Test("a half-closed connection is answered everything it sent, its last line without a newline too, then closed")
    func aHalfCloseIsAnsweredThenClosed() throws {
        let connection = try EmbeddedConnection()
        try connection.send("PING id=1\nPING id=2")
        #expect(try connection.answers() == ["PONG id=1 class=done"])
        connection.closeSending()
        #expect(try connection.answers() == ["PONG id=2 class=done"])
        #expect(!connection.isOpen)
    }

    @Test("a half-close with an answer pending closes only once it is answered")
    func aHalfCloseWaitsForThePendingAnswer() throws {
        let connection = try EmbeddedConnection()
        try connection.send("OPTOUT 0612345678 id=1\nPING id=2\n")
        connection.closeSending()
        #expect(connection.isOpen)
        connection.responder.completeOldest(id: "1")
        #expect(try connection.answers() == ["OK optout id=1 class=done", "PONG id=2 class=done"])
        #expect(!connection.isOpen)
    }

    @Test("a half-close with a request held behind a write, while the channel is not writable, closes only once it is answered")
    func aHalfCloseWaitsForARequestHeldBehindAWrite() throws {
        let connection = try EmbeddedConnection()
        try connection.send("OPTOUT 0612345678 id=1\nPING id=2\n")
        connection.closeSending()
        connection.setWritable(false)
        connection.responder.complete(id: "1")
        // The write is answered; the PING behind it is held until the channel is writable.
        #expect(try connection.answers() == ["OK optout id=1 class=done"])
        #expect(connection.isOpen)
        connection.setWritable(true)
        #expect(try connection.answers() == ["PONG id=2 class=done"])
        #expect(!connection.isOpen)
    }

    @Test("at shutdown a connection answers what it received, then closes after a short quiet spell")
    func shutdownDrainsThenCloses() throws {
        let connection = try EmbeddedConnection()
        try connection.send("OPTOUT 0612345678 id=1\nPING id=2\n")
        connection.channel.pipeline.fireUserInboundEventTriggered(ShutdownEvent())
        connection.responder.completeOldest(id: "1")
        #expect(try connection.answers() == ["OK optout id=1 class=done", "PONG id=2 class=done"])
        // A request already on its way is still answered during the quiet spell.
        connection.advance(by: .milliseconds(200))
        try connection.send("PING id=3\n")
        #expect(try connection.answers() == ["PONG id=3 class=done"])
        #expect(connection.isOpen)
        connection.advance(by: .milliseconds(600))
        #expect(!connection.isOpen)
    }

    // MARK: Idle closing

    @Test("a connection that completes no request for the idle timeout is closed without a word, however many bytes trickle in")
    func aTrickleOfBytesDoesNotKeepAConnectionOpen() throws {
        let connection = try EmbeddedConnection(idleTimeout: .seconds(2))
        for byte in "PING id=slow" {
            try connection.send(String(byte))
            connection.advance(by: .milliseconds(250))
            if !connection.isOpen { break }
        }
        // 12 bytes a quarter second apart: the line would be complete after 3 s, too late.
        #expect(!connection.isOpen)
        #expect(try connection.answers() == [])
        #expect(connection.responder.askedCount == 0)
    }

    @Test("a connection that completes a request within each idle timeout stays open")
    func completedRequestsKeepAConnectionOpen() throws {
        let connection = try EmbeddedConnection(idleTimeout: .seconds(2))
        for round in 1...5 {
            connection.advance(by: .milliseconds(1500))
            try connection.send("PING id=\(round)\n")
        }
        #expect(connection.isOpen)
        #expect(try connection.answers() == (1...5).map { "PONG id=\($0) class=done" })
        connection.advance(by: .milliseconds(1999))
        #expect(connection.isOpen)
        connection.advance(by: .milliseconds(1))
        #expect(!connection.isOpen)
    }

    @Test("while an answer is pending the connection is not idle; the idle clock starts again when it is answered")
    func aPendingAnswerIsNotIdle() throws {
        let connection = try EmbeddedConnection(idleTimeout: .seconds(2))
        try connection.send("OPTOUT 0612345678 id=1\n")
        connection.advance(by: .seconds(5))
        #expect(connection.isOpen)
        connection.responder.completeOldest(id: "1")
        #expect(try connection.answers() == ["OK optout id=1 class=done"])
        connection.advance(by: .milliseconds(1900))
        #expect(connection.isOpen)
        connection.advance(by: .milliseconds(200))
        #expect(!connection.isOpen)
    }

    @Test("a client that neither asks nor reads its answers is closed after the idle timeout")
    func aClientThatStopsReadingIsClosedWhenIdle() throws {
        let connection = try EmbeddedConnection(idleTimeout: .seconds(2))
        connection.setWritable(false)
        try connection.send("PING id=1\nPING id=2\n")
        connection.advance(by: .seconds(2))
        #expect(!connection.isOpen)
        #expect(try connection.answers() == [])
    }
}
