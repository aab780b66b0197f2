import DialGateCore
import DialGateProtocol
import NIOCore
import Synchronization

@testable import DialGateServer

/// Stands for the application behind a connection, so the transport can be tested alone:
/// `PING` is answered at once (`PONG`), `QUIT` with `BYE` and a close, `OPTOUT` later, when
/// the test completes it (as a ledger write completes after its fsync), `OK`, and `CHECK` in
/// its turn, when the test completes it by id (as a decision once the journal took its entry).
/// Every answer echoes the request's `id`.
final class ScriptedResponder: RequestResponder {
    private let pending = Mutex<[EventLoopPromise<Response>]>([])
    private let asked = Mutex<[Request]>([])
    private let decisions = Mutex<[String: EventLoopPromise<Response>]>([:])

    func respond(to request: Request, from peer: PeerCredentials?, on eventLoop: EventLoop) -> Answer {
        asked.withLock { $0.append(request) }
        switch request.command {
        case .quit:
            return .now(Response(["BYE"], id: request.id, closesConnection: true))
        case .check:
            let promise = eventLoop.makePromise(of: Response.self)
            decisions.withLock { $0[request.id ?? ""] = promise }
            return .inTurn(promise.futureResult)
        case .optOut:
            let promise = eventLoop.makePromise(of: Response.self)
            pending.withLock { $0.append(promise) }
            return .later(promise.futureResult)
        default:
            return .now(Response(["PONG"], id: request.id))
        }
    }

    /// Answers waiting for the test to complete them.
    var pendingCount: Int { pending.withLock { $0.count } }

    /// How many requests reached the application.
    var askedCount: Int { asked.withLock { $0.count } }

    /// Completes the pending CHECK of request id `id` with `ALLOW test`.
    func completeCheck(id: String) {
        let promise = decisions.withLock { $0.removeValue(forKey: id) }
        promise?.succeed(Response(["ALLOW", "test"], id: id))
    }

    /// Completes the oldest pending answer with `OK`, echoing `id`.
    func completeOldest(id: String?) {
        let promise = pending.withLock { $0.removeFirst() }
        promise.succeed(.ok(id: id, [Fact("recorded", "optout")]))
    }
}
