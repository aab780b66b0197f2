import DialGateProtocol
import NIOCore

/// The answer to one request: most are computed at once on the event loop (a decision takes
/// microseconds); ledger writes wait for fsync and complete later.
public enum Answer: Sendable {
    case now(Response)
    case later(EventLoopFuture<Response>)
}

/// What a connection asks of the gate. The server knows lines and sockets; the responder
/// knows what requests mean.
public protocol RequestResponder: Sendable {
    func respond(to request: Request, from peer: PeerCredentials?, on eventLoop: EventLoop) -> Answer
}
