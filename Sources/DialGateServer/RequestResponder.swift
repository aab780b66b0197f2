import DialGateProtocol
import NIOCore

/// The answer to one request. Answers always leave in request order; what differs is whether
/// the requests after this one may be worked on before it is answered.
public enum Answer: Sendable {
    /// Known at once.
    case now(Response)
    /// Known later (a ledger write waiting for fsync), and the requests after it wait for it:
    /// a CHECK sent after an OPTOUT must see the opt-out.
    case later(EventLoopFuture<Response>)
    /// Known later (a decision waiting for the journal to take its entry), and the requests
    /// after it go on meanwhile: it changes nothing they could read. Its answer keeps its place.
    case inTurn(EventLoopFuture<Response>)
}

/// What a connection asks of the gate. The server knows lines and sockets; the responder
/// knows what requests mean.
public protocol RequestResponder: Sendable {
    func respond(to request: Request, from peer: PeerCredentials?, on eventLoop: EventLoop) -> Answer
}
