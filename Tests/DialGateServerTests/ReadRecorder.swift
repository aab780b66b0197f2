import NIOCore

/// Sits at the socket's end of a test pipeline and counts the reads that reach it: a read
/// the connection handler holds back never gets here, which is how a test sees back-pressure.
final class ReadRecorder: ChannelOutboundHandler {
    typealias OutboundIn = Any

    private(set) var reads = 0

    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}
