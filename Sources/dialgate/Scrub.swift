import ArgumentParser
import DialGateAudit
import DialGateConfig
import DialGateCore
import DialGateLedger
import Foundation

/// `dialgate scrub`: a whole prospect file through the daemon's policy, for one campaign and one
/// planned instant, split into the rows that may be called and the rows removed, with why.
struct Scrub: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Split a prospect file (CSV) into the rows the policy allows and the rows removed, with why.",
        discussion: """
            Each row's number is decided as the daemon would (PLAN), for --campaign at --at (or --date: that day \
            at the first calling slot, 10:00 in Paris), from the list directory and the daemon's ledger named by \
            --config. A number on an opt-out list (Bloctel registered, the company's or an operator's do-not-call \
            list, an opt-out recorded by the daemon) is never callable, whatever the campaign. The callable file is \
            a plan, not a permission: the dialer still asks the daemon before each call. Both files are written \
            whole or not at all; one journal entry records the run. Exit 0, or 2 on any error (nothing written).
            """)

    @Argument(help: "The prospect file (CSV).")
    var prospects: String

    @Option(name: .long, help: "The campaign id.")
    var campaign: String

    @Option(name: .long, help: "The planned call instant (ISO-8601 with Z or an offset).")
    var at: String?

    @Option(name: .long, help: "The planned call day (YYYY-MM-DD): that day at the first calling slot in Paris.")
    var date: String?

    @Option(name: .long, help: "Where to write the rows that may be called (same columns and delimiter, UTF-8).")
    var callable: String

    @Option(name: .long, help: "Where to write the rows removed, with the columns reason, class and next.")
    var removed: String

    @Option(name: .long, help: "The daemon's configuration: campaigns, policy, list directory, state directory.")
    var config = "/etc/dialgate/dialgate.toml"

    @OptionGroup var input: ProspectFileOptions

    func run() throws {
        let configuration = try OfflineFacts.configuration(config)
        guard configuration.campaign(id: campaign) != nil else {
            let known = configuration.campaigns.map(\.id).joined(separator: ", ")
            throw fail("unknown campaign '\(campaign)' (\(config) has: \(known.isEmpty ? "none" : known))")
        }
        let instant = try plannedInstant(configuration)
        try OutputPaths.check([callable, removed], against: prospects)

        // The lists load on a thread of their own while the input and the ledger are read.
        let lists = OnOwnThread { try OfflineFacts.snapshot(configuration) }
        let file = try ProspectFile.open(prospects, options: input.reading)
        let ledger = try OfflineFacts.ledger(configuration)
        let snapshot = try lists.value()
        let decider = ScrubDecider(
            policy: Policy(settings: configuration.policy, campaigns: configuration.campaigns), snapshot: snapshot,
            ledger: ledger, campaign: campaign, instant: instant)

        let callableOutput = try AtomicOutput(path: callable)
        let removedOutput = try AtomicOutput(path: removed)
        let tally = try ScrubPass(
            file: file, decider: decider, callable: callableOutput, removed: removedOutput,
            progress: ScrubProgress(totalBytes: file.text.bytes.count, label: "scrub")
        ).run()
        let callableSHA = try callableOutput.finishWriting()
        let removedSHA = try removedOutput.finishWriting()

        let run = ScrubRecord(
            input: file, campaign: campaign, instant: instant, snapshot: snapshot, ledger: ledger, tally: tally,
            callable: (callable, callableSHA), removed: (removed, removedSHA))
        // On record before the files appear: a scrub the journal did not take left nothing behind.
        try run.journal()
        try callableOutput.commit()
        try removedOutput.commit()

        var summary = "rows=\(tally.rows) callable=\(tally.callable) removed=\(tally.removed)"
        if !tally.byReason.isEmpty { summary += " " + tally.byReasonText.replacingOccurrences(of: ",", with: " ") }
        print(summary)
        print(
            "# \(file.name): \(file.text.encoding)\(file.text.hadByteOrderMark ? " with BOM" : ""), delimiter "
                + "\(ProspectFile.name(of: file.delimiter)), number column \(file.columnDescription); campaign \(campaign) at "
                + "\(ISOInstant.format(instant)); lists \(snapshot.id), ledger seq \(ledger.lastSeq)")
    }

    /// `--at`, or `--date` at the first calling slot in Paris.
    private func plannedInstant(_ configuration: Configuration) throws -> Date {
        switch (at, date) {
        case (let at?, nil):
            guard let instant = ISOInstant.parse(at), ISOInstant.isWithinSupportedYears(instant) else {
                throw fail("--at '\(at)' is not an ISO-8601 instant with Z or an offset (2026-11-30T10:15:00+01:00)")
            }
            return instant
        case (nil, let date?):
            guard let day = CalendarDay(iso: date) else { throw fail("--date '\(date)' is not a day (YYYY-MM-DD)") }
            let minute = configuration.policy.callingSlots.first?.lowerBound ?? 600
            return OfflineFacts.parisInstant(day, minute: minute)
        case (nil, nil):
            throw fail("say when the calls are planned: --at <instant> or --date <YYYY-MM-DD>")
        case (_?, _?):
            throw fail("--at and --date both say when: give one")
        }
    }
}

/// What `scrub` and `bloctel import` read from the daemon's own files, offline.
enum OfflineFacts {
    static func configuration(_ path: String) throws -> Configuration {
        do {
            return try Configuration.load(path: path)
        } catch {
            throw fail("\(error)")
        }
    }

    /// The list directory as the daemon would load it now; refused lists are an error.
    static func snapshot(_ configuration: Configuration) throws -> Snapshot {
        let directory = configuration.daemon.lists
        let loader = ListDirectoryLoader(
            directory: directory, maxShrink: configuration.daemon.maxShrink,
            maxBadLineShare: configuration.daemon.maxBadLineShare)
        switch loader.load(previous: nil, now: Date()) {
        case .failure(let failure):
            throw fail("the lists in \(directory) are refused: \(failure)")
        case .success(let load):
            for warning in load.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            return load.snapshot
        }
    }

    /// The daemon's ledger, read without its lock.
    static func ledger(_ configuration: Configuration) throws -> LedgerReader {
        do {
            return try LedgerReader(directory: configuration.daemon.state)
        } catch {
            var hint = ""
            if case .io(_, _, let code) = error {
                if code == ENOENT { hint = " (has dialgated ever run with this state directory?)" }
                if code == EACCES { hint = " (run as root or as the dialgate user: the ledger is the daemon's)" }
            }
            throw fail("cannot read the daemon's ledger: \(error)\(hint)")
        }
    }

    /// The instant of local `minute` on `day` in Paris.
    static func parisInstant(_ day: CalendarDay, minute: Int) -> Date {
        let zone = FrenchCalendar.zone(for: .metropolitanFrance)!
        let wall = Int64(day.dayNumber) * 86_400 + Int64(minute) * 60
        let guess = zone.utcOffset(atUnixSeconds: wall)
        let offset = zone.utcOffset(atUnixSeconds: wall - Int64(guess))
        return Date(timeIntervalSince1970: TimeInterval(wall - Int64(offset)))
    }

    /// Today in Paris, where lists are dated.
    static func parisToday(_ now: Date = Date()) -> CalendarDay {
        FrenchCalendar.zone(for: .metropolitanFrance)!.localTime(at: now).day
    }
}

/// A computation started on a thread of its own, whose value (or error) is waited for later.
final class OnOwnThread<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Value, any Error>?

    init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            result = Result { try body() }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    func value() throws -> Value {
        done.wait()
        return try result!.get()
    }
}

/// Output paths must be writable places, distinct from the input and from each other.
enum OutputPaths {
    static func check(_ outputs: [String], against input: String...) throws {
        let inputs = Set(input.map(canonical))
        var seen: Set<String> = []
        for output in outputs {
            let path = canonical(output)
            guard !inputs.contains(path) else { throw fail("\(output) is also an input: refusing to overwrite it") }
            guard seen.insert(path).inserted else { throw fail("\(output) is given twice as an output") }
            let directory = URL(fileURLWithPath: output).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw fail("cannot write \(output): no directory \(directory)")
            }
        }
    }

    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
