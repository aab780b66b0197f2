import DialGateProtocol
import NIOCore

/// Serves one client connection: parses each line, asks the responder, and writes the answers
/// in request order, however many requests the client pipelines. Requests reach the responder
/// in request order too; whether one may go while earlier answers are pending depends on
/// what they are (at most `maxInFlight` answers await at once, whatever they are):
/// - a decision waiting for the journal (`.inTurn`) holds nothing: it changes nothing the
///   requests after it could read;
/// - a ledger write waiting for its fsync (`.write`) holds every request after it except
///   further writes, which go on at once and join the same group commit: 800 pipelined
///   ATTEMPTs cost a few fsyncs, not 800. Anything else (a CHECK, a PING, a line that does
///   not parse) waits until every write before it is answered, so a CHECK sent after an
///   OPTOUT always sees it;
/// - a barrier (`.later`, RELOAD) holds every request after it, writes included.
/// The first request that may not go holds the ones behind it, writes included: a CHECK
/// between two OPTOUTs sees the first and not the second.
///
/// What one connection may hold is bounded whatever the client does. While the channel is not
/// writable (the client does not read its answers and the write buffer is over its high water
/// mark) the handler answers nothing more and stops reading from the socket; it resumes on
/// `channelWritabilityChanged`. It also stops reading while `maxQueued` requests wait (behind a
/// pending answer). Either way the kernel's socket buffers fill and push back on the client,
/// instead of the daemon's memory growing.
///
/// A connection is idle when the daemon waits on the client: it has not completed a request
/// line for `idleTimeout` and no answer is pending. It is then closed without a word, however
/// many bytes of an unfinished line trickle in, and whether or not the client reads: a client
/// that neither asks nor reads cannot keep a connection slot.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = InboundFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: RequestResponder
    /// The peer, from SO_PEERCRED at accept time, passed with each request to the audit.
    private let peer: PeerCredentials?
    private let maxQueued: Int
    /// Told the code of every `ERR` answer written, for STATS.
    private let errorAnswered: @Sendable (String) -> Void
    private let idleTimeout: TimeAmount?
    /// How long to wait, once everything is answered at shutdown, for requests still on their
    /// way in the socket buffer: long enough for a loaded machine's event loop to read the
    /// next chunk (50 ms lost requests under a full test run), short against the drain timeout.
    private let shutdownQuietSpell: TimeAmount

    private var queue = CircularBuffer<InboundFrame>()
    /// The oldest request not yet given to the responder, parsed (to see whether it is a
    /// write) and held because it may not pass the answers pending before it. Parsed once.
    private var held: ParsedFrame?
    /// `.write` answers pending: only further writes pass them.
    private var pendingWrites = 0
    /// `.later` answers pending: nothing passes them.
    private var pendingBarriers = 0
    /// Answers given or awaited (`nil` until it comes), oldest first, not yet written: an
    /// answer leaves only when every answer before it has, so they keep request order however
    /// they complete.
    private var inFlight = CircularBuffer<Response?>()
    /// The place number the next answer appended to `inFlight` gets: an awaited answer finds
    /// its place by number (the head's is `inFlightEnd - inFlight.count`), so a place costs no
    /// object of its own, and an answer whose place was dropped (the connection closing) finds none.
    private var inFlightEnd: UInt64 = 0
    /// An answer that closes the connection is in `inFlight`: no request after it is answered.
    private var lastAnswerGiven = false
    /// At most this many answers await at once on one connection, so one client cannot fill
    /// the audit writer's queue on its own.
    private let maxInFlight: Int

    /// A read the channel asked for and the handler held back (queue full or not writable).
    private var readPending = false
    private var closing = false
    /// Answers not yet handed to the channel, gathered in one buffer: a pipelining client's
    /// thousands of short answers cost their bytes, not a buffer and a pending write each.
    private var outgoing: ByteBuffer?
    private static let handOverBytes = 8192
    /// The answer being written, as bytes: one buffer for the connection's life.
    private var scratch: [UInt8] = []
    /// Written to the channel, not yet flushed.
    private var unflushed = false
    /// A flush is due at the end of the event loop's current task (`flushSoon`).
    private var flushScheduled = false
    /// The handler left the pipeline: its context must not be used any more.
    private var removed = false
    /// No more requests are expected (the client half-closed, or the daemon shuts down):
    /// close once the queue is answered.
    private var finishing: Finishing?
    private var pendingClose: Scheduled<Void>?
    /// `drain` is running: a writability change fired from inside it (by a write or flush)
    /// asks for another pass instead of re-entering.
    private var draining = false
    private var drainAgain = false
    /// When the client last completed a request line, or a pending answer was given: the
    /// idle clock starts there.
    private var lastProgress = NIODeadline.uptimeNanoseconds(0)
    private var idleCheck: Scheduled<Void>?

    private enum Finishing {
        /// The client closed its sending side: nothing more can come.
        case inputClosed
        /// The daemon shuts down: requests already in the socket buffer still get answered.
        case shutdown
    }

    /// A request line once parsed: a request for the responder, or the answer a line gets
    /// that is none (overlong, not UTF-8, not a request).
    private enum ParsedFrame {
        case request(Request)
        case unanswerable(Response)

        var isLedgerWrite: Bool {
            if case .request(let request) = self { request.command.verb.isLedgerWrite } else { false }
        }
    }

    /// What a pending answer holds back until it is given.
    private enum Holds {
        /// Nothing (`.inTurn`).
        case nothing
        /// Every request after it but further writes (`.write`).
        case allButWrites
        /// Every request after it (`.later`).
        case everything
    }

    init(
        responder: RequestResponder, peer: PeerCredentials? = nil, maxQueued: Int = 1024,
        idleTimeout: TimeAmount? = nil, shutdownQuietSpell: TimeAmount = .milliseconds(500), maxInFlight: Int = 128,
        errorAnswered: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.maxInFlight = maxInFlight
        self.errorAnswered = errorAnswered
        self.responder = responder
        self.peer = peer
        self.maxQueued = maxQueued
        self.idleTimeout = idleTimeout
        self.shutdownQuietSpell = shutdownQuietSpell
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startIdleClock(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        removed = true
        stopTimers()
    }

    func channelActive(context: ChannelHandlerContext) {
        startIdleClock(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimers()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing, !lastAnswerGiven else { return }
        pendingClose?.cancel()
        pendingClose = nil
        lastProgress = context.eventLoop.now
        queue.append(unwrapInboundIn(data))
        drain(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            drain(context: context)
            flushIfNeeded(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if mayRead(context: context) {
            context.read()
        } else {
            readPending = true
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ShutdownEvent {
            finishing = .shutdown
            drain(context: context)
            return
        }
        if (event as? ChannelEvent) == .inputClosed {
            // The client half-closed: answer what was sent, then close.
            if finishing == nil { finishing = .inputClosed }
            drain(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    // MARK: Answering

    private func mayRead(context: ChannelHandlerContext) -> Bool {
        !closing && !lastAnswerGiven && queue.count + (held == nil ? 0 : 1) < maxQueued && context.channel.isWritable
    }

    /// Nothing received is left to answer: no request waits and no answer is pending.
    private var everythingAnswered: Bool {
        queue.isEmpty && held == nil && pendingWrites == 0 && pendingBarriers == 0 && inFlight.isEmpty
    }

    /// Whether `frame`, the oldest request not yet given, may go to the responder now.
    private func mayPass(_ frame: ParsedFrame) -> Bool {
        pendingBarriers == 0 && (pendingWrites == 0 || frame.isLedgerWrite)
    }

    /// The oldest request not yet given: the held one, or the next line, parsed.
    private func nextFrame() -> ParsedFrame? {
        if let frame = held {
            held = nil
            return frame
        }
        return queue.popFirst().map(parse)
    }

    /// Forgets every request not yet given (the connection closes).
    private func dropUngiven() {
        queue.removeAll()
        held = nil
    }

    /// Answers queued requests in order until one may not pass the answers pending before
    /// it, `maxInFlight` await, the channel stops being writable, or the queue is empty; then
    /// resumes a held read if there is room again.
    private func drain(context: ChannelHandlerContext) {
        if draining {
            drainAgain = true
            return
        }
        draining = true
        repeat {
            drainAgain = false
            drainOnce(context: context)
        } while drainAgain
        draining = false
    }

    private func drainOnce(context: ChannelHandlerContext) {
        writeAnswersInTurn(context: context)
        while pendingBarriers == 0, !closing, !lastAnswerGiven, inFlight.count < maxInFlight, context.channel.isWritable,
            let frame = nextFrame()
        {
            guard mayPass(frame) else {
                held = frame
                break
            }
            switch frame {
            case .unanswerable(let response):
                answer(response, context: context)
            case .request(let request):
                switch responder.respond(to: request, from: peer, on: context.eventLoop) {
                case .now(let response):
                    answer(response, context: context)
                case .write(let future):
                    awaitAnswer(future, holds: .allButWrites, context: context)
                case .later(let future):
                    awaitAnswer(future, holds: .everything, context: context)
                case .inTurn(let future):
                    awaitAnswer(future, holds: .nothing, context: context)
                }
            }
        }
        if !context.channel.isWritable {
            // The answers written so far must leave for the channel to become writable again.
            flushIfNeeded(context: context)
        }
        if readPending, mayRead(context: context) {
            readPending = false
            context.read()
        }
        if finishing != nil, everythingAnswered, !closing {
            closeOnceAnswered(context: context)
        }
    }

    /// Everything received is answered and no more is expected: close once the answers are
    /// written (at shutdown, after a short quiet spell, for requests still on their way).
    private func closeOnceAnswered(context: ChannelHandlerContext) {
        handOver(context: context)
        unflushed = false
        pendingClose?.cancel()
        pendingClose = nil
        let quietSpell = finishing == .shutdown ? shutdownQuietSpell : nil
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).whenComplete { _ in
            let (handler, context) = loopBound.value
            // A request may have arrived meanwhile (at shutdown): its own drain closes later.
            guard handler.everythingAnswered, !handler.closing else { return }
            guard let quietSpell else {
                handler.closing = true
                context.close(promise: nil)
                return
            }
            handler.pendingClose = context.eventLoop.scheduleTask(in: quietSpell) {
                let (handler, context) = loopBound.value
                guard handler.everythingAnswered, !handler.closing else { return }
                handler.closing = true
                context.close(promise: nil)
            }
        }
    }

    /// Gives an answer known now: written at once unless earlier answers still await.
    private func answer(_ response: Response, context: ChannelHandlerContext) {
        if inFlight.isEmpty {
            write(response, context: context)
        } else {
            appendInFlight(response)
            if response.closesConnection {
                // The last answer (BYE, line-too-long): nothing after it is read or answered.
                lastAnswerGiven = true
                dropUngiven()
            }
        }
    }

    /// Keeps a place for an answer to come, holds back what it `holds` until it comes, and
    /// writes it in its turn.
    private func awaitAnswer(_ future: EventLoopFuture<Response>, holds: Holds, context: ChannelHandlerContext) {
        let place = appendInFlight(nil)
        switch holds {
        case .nothing: break
        case .allButWrites: pendingWrites += 1
        case .everything: pendingBarriers += 1
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        future.whenComplete { result in
            let (handler, context) = loopBound.value
            switch holds {
            case .nothing: break
            case .allButWrites: handler.pendingWrites -= 1
            case .everything: handler.pendingBarriers -= 1
            }
            handler.lastProgress = context.eventLoop.now
            switch result {
            case .success(let response):
                handler.fill(place, with: response)
            case .failure(let error):
                // The responder could not say: never a decision, and no claim about a write.
                handler.fill(place, with: .error(ProtocolError(.internalError, "no answer could be given: \(error)")))
            }
            handler.drain(context: context)
            handler.flushSoon(context: context)
        }
    }

    /// Keeps the next place in the order for `response` (`nil`: to come); returns its number.
    @discardableResult
    private func appendInFlight(_ response: Response?) -> UInt64 {
        inFlight.append(response)
        inFlightEnd += 1
        return inFlightEnd - 1
    }

    /// Puts an awaited answer in its place, unless the place was dropped meanwhile.
    private func fill(_ place: UInt64, with response: Response) {
        let head = inFlightEnd - UInt64(inFlight.count)
        guard place >= head else { return }
        inFlight[inFlight.index(inFlight.startIndex, offsetBy: Int(place - head))] = response
    }

    /// Flushes once the task running now ends: the audit writer hands answers back to the
    /// event loop in groups, and a group's answers to one connection then leave in one write
    /// instead of one each.
    private func flushSoon(context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.assumeIsolated().execute {
            let (handler, context) = loopBound.value
            handler.flushScheduled = false
            guard !handler.removed else { return }
            handler.flushIfNeeded(context: context)
        }
    }

    /// Writes the answers at the head of the order that are known. Also while the channel is
    /// not writable: they were asked for already, and at most `maxInFlight` of them wait.
    private func writeAnswersInTurn(context: ChannelHandlerContext) {
        while !closing, let head = inFlight.first, let response = head {
            inFlight.removeFirst()
            write(response, context: context)
        }
    }

    /// Parses a line into a request, or into the error answer it gets instead.
    private func parse(_ frame: InboundFrame) -> ParsedFrame {
        switch frame {
        case .overlong:
            return .unanswerable(
                .error(ProtocolError(.lineTooLong, "request line over the limit; closing"), closesConnection: true))
        case .line(let buffer):
            // A hook's line (printable ASCII) is read from its bytes; any other goes by its text.
            if let plain = buffer.withUnsafeReadableBytes(Request.parsingPlain) {
                switch plain {
                case .success(let request): return .request(request)
                case .failure(let error): return .unanswerable(.error(error))
                }
            }
            guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
                return .unanswerable(.error(ProtocolError(.badEncoding, "request is not UTF-8 text")))
            }
            do {
                return .request(try Request(parsing: Substring(text)))
            } catch {
                return .unanswerable(.error(error))
            }
        }
    }

    /// Appends an answer to the gathered output, handing it to the channel every
    /// `handOverBytes` so the channel's writability follows what is written.
    private func write(_ response: Response, context: ChannelHandlerContext) {
        if response.words.first == "ERR", response.words.count > 1 { errorAnswered(response.words[1]) }
        if outgoing == nil { outgoing = context.channel.allocator.buffer(capacity: 256) }
        scratch.removeAll(keepingCapacity: true)
        response.append(to: &scratch)
        outgoing!.writeBytes(scratch)
        if outgoing!.readableBytes >= Self.handOverBytes { handOver(context: context) }
        if response.closesConnection {
            closing = true
            dropUngiven()
            inFlight.removeAll()
            handOver(context: context)
            unflushed = false
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }

    /// Writes the gathered answers to the channel (unflushed).
    private func handOver(context: ChannelHandlerContext) {
        guard let buffer = outgoing else { return }
        outgoing = nil
        guard buffer.readableBytes > 0 else { return }
        context.write(wrapOutboundOut(buffer), promise: nil)
        unflushed = true
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        handOver(context: context)
        if unflushed {
            unflushed = false
            context.flush()
        }
    }

    // MARK: Idle clock

    private func startIdleClock(context: ChannelHandlerContext) {
        guard let idleTimeout, idleCheck == nil else { return }
        lastProgress = context.eventLoop.now
        scheduleIdleCheck(at: lastProgress + idleTimeout, context: context)
    }

    private func scheduleIdleCheck(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        idleCheck = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.checkIdle(context: context)
        }
    }

    /// Closes the connection if no request completed for the idle timeout and no answer is
    /// pending; otherwise looks again when that could next be true. One timer a connection,
    /// moved only when it fires, so a busy connection costs nothing per request.
    private func checkIdle(context: ChannelHandlerContext) {
        guard let idleTimeout, !closing else { return }
        let now = context.eventLoop.now
        if pendingWrites > 0 || pendingBarriers > 0 || !inFlight.isEmpty {
            // Not idle; the answer resets the clock when it comes.
            scheduleIdleCheck(at: now + idleTimeout, context: context)
        } else if now >= lastProgress + idleTimeout {
            idleCheck = nil
            closing = true
            dropUngiven()
            context.close(promise: nil)
        } else {
            scheduleIdleCheck(at: lastProgress + idleTimeout, context: context)
        }
    }

    private func stopTimers() {
        idleCheck?.cancel()
        idleCheck = nil
        pendingClose?.cancel()
        pendingClose = nil
    }
}

/// Sent down every connection's pipeline when the daemon shuts down gracefully.
struct ShutdownEvent {}
