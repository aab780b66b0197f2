import DialGateCore
// The fuzz build compiles this file into one module with the protocol's and the ledger's
// sources (scripts/fuzz), where these modules do not exist.
#if canImport(DialGateProtocol)
import DialGateLedger
import DialGateProtocol
#endif
import Foundation

extension LedgerRecord {
    /// The record a write command asks the ledger to keep, and the event name its `OK` answer
    /// and journal entry carry; nil for the commands that write nothing. An instant the client
    /// did not give is `now`, by the gate's clock. One mapping for the gate and the request
    /// fuzz target, so what is fuzzed is what is recorded.
    public static func recording(_ command: Command, now: Date) -> (record: LedgerRecord, event: String)? {
        switch command {
        case .attempt(let outcome):
            (
                .attempt(
                    number: outcome.number, campaign: outcome.campaign, at: outcome.at ?? now, result: outcome.result,
                    reservation: outcome.reservation), "attempt"
            )
        case .refusal(let outcome):
            (.refusal(number: outcome.number, campaign: outcome.campaign, at: outcome.at ?? now), "refusal")
        case .optOut(let number, let source, let at):
            (.optOut(number: number, at: at ?? now, source: source), "optout")
        case .consent(let number, let kind, let scope, let proof, let givenAt):
            (.consent(number: number, ConsentRecord(kind: kind, scope: scope, givenAt: givenAt ?? now, proof: proof)), "consent")
        case .revoke(let number, let kind, let scope, let at):
            (.consentRevoked(number: number, scope: scope, kind: kind, at: at ?? now), "revoke")
        case .release(let number, let reservation):
            (.release(number: number, token: reservation, at: now), "release")
        case .check, .plan, .ping, .version, .stats, .reload, .quit:
            nil
        }
    }
}
