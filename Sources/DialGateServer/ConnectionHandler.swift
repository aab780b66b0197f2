import DialGateProtocol
import NIOCore

/// Serves one client connection: parses each line, asks the responder, and writes the answers
/// in request order, however many requests the client pipelines. While an answer is pending
/// (a ledger write), later requests wait their turn, so a CHECK sent after an OPTOUT always
/// sees it. When too many requests are queued the handler stops reading from the socket,
/// which pushes back on the client instead of growing memory.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = InboundFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: RequestResponder
    private let maxQueued: Int
    private var queue = CircularBuffer<InboundFrame>()
    private var waitingForAnswer = false
    private var readPending = false
    private var closing = false
    private var unflushed = false
    private var peer: PeerCredentials?
    /// No more requests are expected: close once the queue is answered and the line is quiet.
    private var finishing = false
    private var pendingClose: Scheduled<Void>?

    init(responder: RequestResponder, maxQueued: Int = 1024) {
        self.responder = responder
        self.maxQueued = maxQueued
    }

    func channelActive(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        PeerCredentials.of(context.channel).whenSuccess { credentials in
            loopBound.value.0.peer = credentials
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        pendingClose?.cancel()
        queue.append(unwrapInboundIn(data))
        drain(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if queue.count >= maxQueued {
            readPending = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, queue.isEmpty, !waitingForAnswer {
            context.close(promise: nil)
            return
        }
        if event is ShutdownEvent || (event as? ChannelEvent) == .inputClosed {
            // Shutting down, or the client half-closed: answer what was sent, then close.
            finishing = true
            drain(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func drain(context: ChannelHandlerContext) {
        while !waitingForAnswer, !closing, let frame = queue.popFirst() {
            switch frame {
            case .overlong:
                write(
                    .error(ProtocolError(.lineTooLong, "request line over the limit; closing"), closesConnection: true),
                    context: context)
            case .line(let buffer):
                switch answer(to: buffer, context: context) {
                case .now(let response):
                    write(response, context: context)
                case .later(let future):
                    waitingForAnswer = true
                    let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                    future.whenComplete { result in
                        let (handler, context) = loopBound.value
                        handler.waitingForAnswer = false
                        switch result {
                        case .success(let response):
                            handler.write(response, context: context)
                        case .failure(let error):
                            handler.write(.error(ProtocolError(.badArgument, "\(error)")), context: context)
                        }
                        handler.drain(context: context)
                        handler.flushIfNeeded(context: context)
                    }
                }
            }
        }
        if readPending, queue.count < maxQueued, !closing {
            readPending = false
            context.read()
        }
        if finishing, queue.isEmpty, !waitingForAnswer, !closing {
            // Requests already on their way in the socket buffer still get answered: close
            // only after a short quiet spell.
            flushIfNeeded(context: context)
            pendingClose?.cancel()
            let channel = context.channel
            pendingClose = context.eventLoop.scheduleTask(in: .milliseconds(50)) {
                channel.close(promise: nil)
            }
        }
    }

    private func answer(to buffer: ByteBuffer, context: ChannelHandlerContext) -> Answer {
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            return .now(.error(ProtocolError(.badEncoding, "request is not UTF-8 text")))
        }
        let request: Request
        do {
            request = try Request(parsing: Substring(text))
        } catch {
            return .now(.error(error))
        }
        return responder.respond(to: request, from: peer, on: context.eventLoop)
    }

    private func write(_ response: Response, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 128)
        buffer.writeString(response.line)
        context.write(wrapOutboundOut(buffer), promise: nil)
        unflushed = true
        if response.closesConnection {
            closing = true
            queue.removeAll()
            unflushed = false
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
    }
}

/// Sent down every connection's pipeline when the daemon shuts down gracefully.
struct ShutdownEvent {}
