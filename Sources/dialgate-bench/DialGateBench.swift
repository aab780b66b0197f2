import ArgumentParser

/// Measures the parts of dialgate that sit on the per-query path. Each measurement is a
/// subcommand so that more (a `daemon` round-trip benchmark) can be added beside them.
///
/// Run it in release: `swift run -c release dialgate-bench index`.
@main
struct DialGateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dialgate-bench",
        abstract: "Benchmarks of dialgate's per-query path.",
        subcommands: [IndexBenchmark.self, ParseBenchmark.self, DaemonBenchmark.self, WritesBenchmark.self, CompactionBenchmark.self]
    )
}
