import NIOCore
import NIOEmbedded
import Testing

@testable import DialGateServer

@Suite("One connection, in process: order, back-pressure, half-close, idle closing")
struct ConnectionHandlerTests {
    // MARK: Order

    @Test("pipelined requests are answered in request order, one line each")
    func pipelinedRequestsAreAnsweredInOrder() throws {
        let connection = try EmbeddedConnection()
        try connection.send((1...50).map { "PING id=\($0)\n" }.joined())
        #expect(try connection.answers() == (1...50).map { "PONG id=\($0)" })
    }

    @Test("a request split across reads is answered once its line is complete")
    func aRequestSplitAcrossReadsIsAnsweredWhenComplete() throws {
        let connection = try EmbeddedConnection()
        try connection.send("PI")
        try connection.send("NG id=a\r")
        #expect(try connection.answers() == [])
        try connection.send("\nPING id=b\n")
        #expect(try connection.answers() == ["PONG id=a", "PONG id=b"])
    }

    @Test("a pending answer holds the answers of later requests, which then follow in order")
    func aPendingAnswerHoldsLaterRequests() throws {
        let connection = try EmbeddedConnection()
        try connection.send("PING id=1\nOPTOUT 0612345678 id=2\nPING id=3\nPING id=4\n")
        #expect(try connection.answers() == ["PONG id=1"])
        // The later requests have not even reached the application: a CHECK after an OPTOUT
        // must see it.
        #expect(connection.responder.askedCount == 2)
        connection.responder.completeOldest(id: "2")
        #expect(try connection.answers() == ["OK id=2 recorded=optout", "PONG id=3", "PONG id=4"])
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
        #expect(try connection.answers() == ["ALLOW test id=1", "ALLOW test id=2", "PONG id=3"])
    }

    @Test("QUIT after decisions in flight is answered after them, and nothing after it")
    func quitWaitsForDecisionsInFlight() throws {
        let connection = try EmbeddedConnection()
        try connection.send("CHECK 0612345678 campaign=c id=1\nQUIT\nPING id=3\n")
        #expect(connection.isOpen)
        connection.responder.completeCheck(id: "1")
        #expect(try connection.answers() == ["ALLOW test id=1", "BYE"])
        #expect(!connection.isOpen)
        #expect(connection.responder.askedCount == 2)
    }

    @Test("a request that closes the connection is answered, and nothing after it")
    func quitIsAnsweredThenClosed() throws {
        let connection = try EmbeddedConnection()
        try connection.send("PING id=1\nQUIT\nPING id=3\n")
        #expect(try connection.answers() == ["PONG id=1", "BYE"])
        #expect(!connection.isOpen)
    }

    @Test("an overlong line is answered ERR line-too-long and the connection is closed")
    func anOverlongLineClosesTheConnection() throws {
        let connection = try EmbeddedConnection(maxLineBytes: 64)
        try connection.send("PING id=1\n" + String(repeating: "X", count: 100))
        let answers = try connection.answers()
        #expect(answers.count == 2)
        #expect(answers.first == "PONG id=1")
        #expect(answers.last?.hasPrefix("ERR line-too-long ") == true)
        #expect(!connection.isOpen)
    }

    // MARK: Back-pressure

    @Test("while the channel is not writable nothing more is answered, and answering resumes in order when it is")
    func nothingIsAnsweredWhileNotWritable() throws {
        let connection = try EmbeddedConnection()
        try connection.send("PING id=1\n")
        #expect(try connection.answers() == ["PONG id=1"])
        connection.setWritable(false)
        try connection.send("PING id=2\nPING id=3\n")
        #expect(try connection.answers() == [])
        #expect(connection.responder.askedCount == 1)
        connection.setWritable(true)
        #expect(try connection.answers() == ["PONG id=2", "PONG id=3"])
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
        #expect(try connection.answers() == ["OK id=0 recorded=optout"] + (1...4).map { "PONG id=\($0)" })
    }

    @Test("a pending answer that completes while the channel is not writable waits, with the later ones, for writability")
    func aPendingAnswerCompletedWhileNotWritableKeepsOrder() throws {
        let connection = try EmbeddedConnection()
        try connection.send("OPTOUT 0612345678 id=1\nPING id=2\n")
        connection.setWritable(false)
        connection.responder.completeOldest(id: "1")
        // The completed answer is written (the write buffer holds it); the next is held.
        #expect(try connection.answers() == ["OK id=1 recorded=optout"])
        #expect(connection.responder.askedCount == 1)
        connection.setWritable(true)
        #expect(try connection.answers() == ["PONG id=2"])
    }

    // MARK: Half-close and shutdown

    @Test("a half-closed connection is answered everything it sent, its last line without a newline too, then closed")
    func aHalfCloseIsAnsweredThenClosed() throws {
        let connection = try EmbeddedConnection()
        try connection.send("PING id=1\nPING id=2")
        #expect(try connection.answers() == ["PONG id=1"])
        connection.closeSending()
        #expect(try connection.answers() == ["PONG id=2"])
        #expect(!connection.isOpen)
    }

    @Test("a half-close with an answer pending closes only once it is answered")
    func aHalfCloseWaitsForThePendingAnswer() throws {
        let connection = try EmbeddedConnection()
        try connection.send("OPTOUT 0612345678 id=1\nPING id=2\n")
        connection.closeSending()
        #expect(connection.isOpen)
        connection.responder.completeOldest(id: "1")
        #expect(try connection.answers() == ["OK id=1 recorded=optout", "PONG id=2"])
        #expect(!connection.isOpen)
    }

    @Test("at shutdown a connection answers what it received, then closes after a short quiet spell")
    func shutdownDrainsThenCloses() throws {
        let connection = try EmbeddedConnection()
        try connection.send("OPTOUT 0612345678 id=1\nPING id=2\n")
        connection.channel.pipeline.fireUserInboundEventTriggered(ShutdownEvent())
        connection.responder.completeOldest(id: "1")
        #expect(try connection.answers() == ["OK id=1 recorded=optout", "PONG id=2"])
        // A request already on its way is still answered during the quiet spell.
        connection.advance(by: .milliseconds(200))
        try connection.send("PING id=3\n")
        #expect(try connection.answers() == ["PONG id=3"])
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
        #expect(try connection.answers() == (1...5).map { "PONG id=\($0)" })
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
        #expect(try connection.answers() == ["OK id=1 recorded=optout"])
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
