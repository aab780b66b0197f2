import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A progress bar on standard error, redrawn in place at most ten times a second, for a person
/// watching a long run: only when standard error is a terminal (never in a pipe, a log or a
/// test), and wiped once the run ends.
final class ScrubProgress {
    private let total: Int
    private let label: String
    private let started = ContinuousClock.now
    private var lastDrawn: ContinuousClock.Instant?
    private var drawn = false

    /// `nil` unless standard error is a terminal.
    init?(totalBytes: Int, label: String) {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        total = max(1, totalBytes)
        self.label = label
    }

    func update(offset: Int, rows: Int) {
        let now = ContinuousClock.now
        if let lastDrawn, now - lastDrawn < .milliseconds(100) { return }
        lastDrawn = now
        let share = min(1, Double(offset) / Double(total))
        let width = 30
        let filled = Int(share * Double(width))
        let elapsed = Double((now - started).components.seconds) + Double((now - started).components.attoseconds) / 1e18
        let rate = elapsed > 0 ? Double(rows) / elapsed : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "\r%@ [%@] %3d%% %@ rows, %@ rows/s", label, bar, Int(share * 100), Self.grouped(rows), Self.grouped(Int(rate)))
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }

    /// `10,000,000`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
