import NIOCore

/// Answers a connection over the limit once, `ERR overload`, and closes it: the client learns
/// why instead of seeing a silent hang-up. `message` says which limit (no `"` or backslash in it).
final class RefusingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let message: String

    init(message: String) {
        self.message = message
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeString("ERR overload message=\"\(message)\"\n")
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
