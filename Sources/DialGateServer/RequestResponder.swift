import DialGateProtocol
import NIOCore

/// The answer to one request. Answers always leave in request order; what differs is whether
/// the requests after this one may be worked on before it is answered.
public enum Answer: Sendable {
    /// Known at once.
    case now(Response)
    /// Known later (a ledger write waiting for fsync). The requests after it wait for it (a
    /// CHECK sent after an OPTOUT must see the opt-out), except further ledger writes
    /// (`Command.Verb.isLedgerWrite`): those go on at once, so that a pipeline of writes
    /// shares one group commit instead of costing an fsync each. The ledger applies writes in
    /// the order they are submitted, so the responder must submit before it returns.
    case write(EventLoopFuture<Response>)
    /// Known later, and nothing after it is worked on until it is answered, writes included
    /// (RELOAD: the requests after it are served by the configuration it loads).
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
