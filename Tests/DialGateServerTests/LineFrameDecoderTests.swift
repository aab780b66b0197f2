import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import DialGateServer

@Suite("Splitting the byte stream into request lines")
struct LineFrameDecoderTests {
    private static func line(_ text: String) -> InboundFrame {
        .line(ByteBuffer(string: text))
    }

    @Test("lines come out whole whichever way the bytes are cut (NIO's decoder verifier: one by one, all at once, ...)")
    func linesSurviveEveryWayOfCuttingTheStream() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                ("PING\n", [Self.line("PING")]),
                ("CHECK 0612345678 campaign=fibre-promo\r\n", [Self.line("CHECK 0612345678 campaign=fibre-promo\r")]),
                ("\n", [Self.line("")]),
                ("CONSENT \"06 12 34 56 78\" proof=\"a b\"\nPING id=2\n", [
                    Self.line("CONSENT \"06 12 34 56 78\" proof=\"a b\""), Self.line("PING id=2"),
                ]),
                (String(repeating: "A", count: 63) + "\n", [Self.line(String(repeating: "A", count: 63))]),
            ],
            decoderFactory: { LineFrameDecoder(maxLength: 64) })
    }

    @Test("a last line without its newline is still a request when the client closes its sending side")
    func aLastLineWithoutNewlineIsDeliveredAtEOF() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLength: 64)))
        try channel.writeInbound(ByteBuffer(string: "PING id=1\nPING id=2"))
        #expect(try channel.readInbound(as: InboundFrame.self) == Self.line("PING id=1"))
        #expect(try channel.readInbound(as: InboundFrame.self) == nil)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try channel.readInbound(as: InboundFrame.self) == Self.line("PING id=2"))
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    @Test("a line over the limit, terminator included, is reported once, and everything after it is dropped")
    func anOverlongLineIsReportedOnceThenInputIsDropped() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLength: 64)))
        try channel.writeInbound(ByteBuffer(string: "PING id=1\n" + String(repeating: "A", count: 64) + "\nPING id=3\n"))
        #expect(try channel.readInbound(as: InboundFrame.self) == Self.line("PING id=1"))
        #expect(try channel.readInbound(as: InboundFrame.self) == .overlong)
        try channel.writeInbound(ByteBuffer(string: "PING id=4\n"))
        #expect(try channel.readInbound(as: InboundFrame.self) == nil)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    @Test("an unterminated line is reported as over the limit as soon as it reaches it, without waiting for its end")
    func anUnterminatedLineIsRefusedAtTheLimit() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLength: 64)))
        try channel.writeInbound(ByteBuffer(string: String(repeating: "A", count: 63)))
        #expect(try channel.readInbound(as: InboundFrame.self) == nil)
        try channel.writeInbound(ByteBuffer(string: "A"))
        #expect(try channel.readInbound(as: InboundFrame.self) == .overlong)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }
}
