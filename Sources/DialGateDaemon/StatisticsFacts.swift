import DialGateCore
import DialGateLedger

extension Ledger {
    /// The ledger's counters for STATS.
    var statisticsFacts: [Fact] {
        let stats = self.stats
        var facts = [
            Fact("ledger_records", String(stats.records)),
            Fact("ledger_bytes", String(stats.bytes)),
            Fact("ledger_optouts", String(stats.optOuts)),
            Fact("ledger_consents", String(stats.consents)),
            Fact("ledger_attempts", String(stats.attempts)),
            Fact("ledger_refusals", String(stats.refusals)),
            Fact("ledger_reservations_open", String(stats.reservationsOpen)),
            Fact("ledger_fsyncs", String(stats.fsyncs)),
        ]
        if let latency = stats.lastFsyncLatency {
            facts.append(Fact("ledger_last_fsync_us", String(latency.components.seconds * 1_000_000 + latency.components.attoseconds / 1_000_000_000_000)))
        }
        if let failure = stats.failure { facts.append(Fact("ledger_failure", failure)) }
        return facts
    }
}
