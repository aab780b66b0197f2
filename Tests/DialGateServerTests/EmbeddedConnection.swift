import NIOCore
import NIOEmbedded

@testable import DialGateServer

/// One client connection served in process: the daemon's line decoder and connection handler
/// on an `EmbeddedChannel`, whose event loop's clock the test moves (`advance`), in front of a
/// `ScriptedResponder`. Bytes go in as the socket would deliver them; answers are read back
/// as lines. A `ReadRecorder` at the socket's end shows whether the handler lets reads through.
final class EmbeddedConnection {
    let channel = EmbeddedChannel()
    let responder = ScriptedResponder()
    let recorder = ReadRecorder()
    private var received: [UInt8] = []

    init(maxQueued: Int = 1024, idleTimeout: TimeAmount? = nil, maxLineBytes: Int = 4096, maxInFlight: Int = 128) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(recorder)
        try pipeline.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLength: maxLineBytes)))
        try pipeline.addHandler(
            ConnectionHandler(responder: responder, maxQueued: maxQueued, idleTimeout: idleTimeout, maxInFlight: maxInFlight))
        try channel.connect(to: SocketAddress(unixDomainSocketPath: "/run/dialgate/test.sock")).wait()
    }

    /// Delivers bytes as one read from the socket (a read, then read-complete).
    func send(_ text: String) throws {
        try channel.writeInbound(channel.allocator.buffer(string: text))
    }

    /// The client closes its sending side (`shutdown(SHUT_WR)`).
    func closeSending() {
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    }

    /// The client stops or starts reading: past the high water mark the channel is not
    /// writable, and the channel says so.
    func setWritable(_ writable: Bool) {
        channel.isWritable = writable
        channel.pipeline.fireChannelWritabilityChanged()
    }

    /// The answer lines written and flushed since the last call, without their newline. Runs
    /// the loop's pending tasks first: an answer completed later is flushed at the end of the
    /// task that completed it, as on a real event loop.
    func answers() throws -> [String] {
        channel.embeddedEventLoop.run()
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            received += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        var lines: [String] = []
        while let newline = received.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: received[..<newline], as: UTF8.self))
            received.removeSubrange(...newline)
        }
        return lines
    }

    /// Moves the event loop's clock, running the timers that fall due.
    func advance(by amount: TimeAmount) {
        channel.embeddedEventLoop.advanceTime(by: amount)
    }

    /// Asks for a read as the channel does after each one (auto-read); returns whether it
    /// reached the socket.
    func readReachesSocket() -> Bool {
        let before = recorder.reads
        channel.read()
        return recorder.reads > before
    }

    var isOpen: Bool { channel.isActive }
}
