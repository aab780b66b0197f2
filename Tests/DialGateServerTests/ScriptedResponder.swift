import DialGateCore
import DialGateProtocol
import NIOCore
import Synchronization

@testable import DialGateServer

/// Stands for the application behind a connection, so the transport can be tested alone:
/// `PING` is answered at once (`PONG`), `QUIT` with `BYE` and a close; a ledger write
/// (`ATTEMPT`, `REFUSAL`, `OPTOUT`, `CONSENT`, `REVOKE`) is a `.write` and `RELOAD` a `.later`,
/// both answered `OK` when the test completes them (as a write completes after its fsync);
/// `CHECK` is answered in its turn, when the test completes it by id (as a decision once the
/// journal took its entry). Every answer echoes the request's `id`.
final class ScriptedResponder: RequestResponder {
    /// Writes and reloads awaiting the test, oldest first, with the request they answer.
    private let pending = Mutex<[(request: Request, promise: EventLoopPromise<Response>)]>([])
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
        case .reload:
            let promise = eventLoop.makePromise(of: Response.self)
            pending.withLock { $0.append((request, promise)) }
            return .later(promise.futureResult)
        case _ where request.command.verb.isLedgerWrite:
            let promise = eventLoop.makePromise(of: Response.self)
            pending.withLock { $0.append((request, promise)) }
            return .write(promise.futureResult)
        default:
            return .now(Response(["PONG"], id: request.id))
        }
    }

    /// Answers waiting for the test to complete them.
    var pendingCount: Int { pending.withLock { $0.count } }

    /// How many requests reached the application.
    var askedCount: Int { asked.withLock { $0.count } }

    /// The ids of the requests that reached the application, in the order they did.
    var askedIDs: [String] { asked.withLock { $0.map { $0.id ?? "" } } }

    /// Completes the pending CHECK of request id `id` with `ALLOW test`.
    func completeCheck(id: String) {
        let promise = decisions.withLock { $0.removeValue(forKey: id) }
        promise?.succeed(Response(["ALLOW", "test"], id: id, class: .allowed))
    }

    /// Completes the oldest pending answer with `OK`, echoing `id`.
    func completeOldest(id: String?) {
        let (request, promise) = pending.withLock { $0.removeFirst() }
        promise.succeed(Self.done(request, id: id))
    }

    /// Completes the pending write or reload of request id `id`, whatever its place, with `OK`.
    func complete(id: String) {
        let entry = pending.withLock { pending in
            pending.firstIndex { $0.request.id == id }.map { pending.remove(at: $0) }
        }
        guard let (request, promise) = entry else { return }
        promise.succeed(Self.done(request, id: id))
    }

    /// `OK <verb>` for a write (`OK optout`), `OK reload` for a reload.
    private static func done(_ request: Request, id: String?) -> Response {
        .ok(request.command.verb.rawValue.lowercased(), id: id)
    }
}
