/// Decisions per day by verdict, as an inline SVG bar chart: one stacked bar a day (days
/// without a decision too), a legend, a scale, and a `<title>` on each bar with its counts,
/// which a browser shows on hover. No script, no external asset.
public struct DayChart: Sendable {
    /// The days to draw, oldest first, `YYYY-MM-DD`.
    public var days: [String]
    /// Count by day and verdict.
    public var counts: [String: [String: UInt64]]

    /// The colour of each verdict: permissions green, denials red, plans (not permissions) pale.
    public static let colours = ["ALLOW": "#2e7d32", "DENY": "#c62828", "WOULD-ALLOW": "#a5d6a7", "WOULD-DENY": "#ef9a9a"]

    public init(days: [String], counts: [String: [String: UInt64]]) {
        self.days = days
        self.counts = counts
    }

    /// The chart of a tally over `days`.
    public init(days: [String], tally: DecisionTally) {
        var counts: [String: [String: UInt64]] = [:]
        for (key, count) in tally.counts { counts[key.day, default: [:]][key.verdict, default: 0] += count }
        self.init(days: days, counts: counts)
    }

    public var svg: String {
        let width = 900
        let height = 300
        let left = 60
        let right = 10
        let top = 44
        let bottom = 50
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let verdicts = DecisionAnswer.verdicts + Set(counts.values.flatMap(\.keys)).subtracting(DecisionAnswer.verdicts).sorted()
        let highest = max(days.map { day in counts[day]?.values.reduce(0, +) ?? 0 }.max() ?? 0, 1)
        let scale = Self.niceCeiling(highest)
        let slot = Double(plotWidth) / Double(max(days.count, 1))
        let barWidth = min(max(slot * 0.8, 1), 48)
        func y(_ value: UInt64) -> Double { Double(top) + Double(plotHeight) * (1 - Double(value) / Double(scale)) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" role="img" width="\(width)" height="\(height)" \
            viewBox="0 0 \(width) \(height)" aria-label="Decisions per day by verdict">
            <title>Decisions per day by verdict</title>

            """
        // Scale: 0, half, top.
        for step in Set([0, scale / 2, scale]).sorted() {
            let at = number(y(step))
            svg += "<line x1=\"\(left)\" y1=\"\(at)\" x2=\"\(width - right)\" y2=\"\(at)\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(at)\" text-anchor=\"end\" dominant-baseline=\"middle\" font-size=\"11\">\(step)</text>\n"
        }
        // One label every `every` days, so they never overlap.
        let every = max(1, Int((Double(days.count) * 40 / Double(plotWidth)).rounded(.up)))
        for (index, day) in days.enumerated() {
            let x = Double(left) + slot * Double(index) + (slot - barWidth) / 2
            var base: UInt64 = 0
            let dayCounts = counts[day] ?? [:]
            let tip = ([day] + verdicts.compactMap { verdict in dayCounts[verdict].map { "\(verdict) \($0)" } })
                .joined(separator: ", ")
            svg += "<g class=\"day\"><title>\(HTML.escape(tip))</title>"
            for verdict in verdicts {
                guard let count = dayCounts[verdict], count > 0 else { continue }
                let upper = y(base + count)
                let lower = y(base)
                svg += "<rect x=\"\(number(x))\" y=\"\(number(upper))\" width=\"\(number(barWidth))\" "
                    + "height=\"\(number(max(lower - upper, 0.5)))\" fill=\"\(Self.colours[verdict] ?? "#757575")\" "
                    + "data-verdict=\"\(HTML.escape(verdict))\" data-count=\"\(count)\"/>"
                base += count
            }
            svg += "</g>\n"
            if index % every == 0 {
                let labelX = number(x + barWidth / 2)
                let labelY = height - bottom + 14
                svg += "<text x=\"\(labelX)\" y=\"\(labelY)\" font-size=\"10\" text-anchor=\"end\" "
                    + "transform=\"rotate(-45 \(labelX) \(labelY))\">\(HTML.escape(String(day.dropFirst(5))))</text>\n"
            }
        }
        svg += "<text x=\"12\" y=\"\(top + plotHeight / 2)\" font-size=\"11\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 12 \(top + plotHeight / 2))\">decisions</text>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(width - right)\" y2=\"\(top + plotHeight)\" stroke=\"#333\"/>\n"
        // Legend, top left.
        var legendX = left
        for verdict in verdicts {
            svg += "<rect x=\"\(legendX)\" y=\"8\" width=\"12\" height=\"12\" fill=\"\(Self.colours[verdict] ?? "#757575")\"/>"
            svg += "<text x=\"\(legendX + 16)\" y=\"18\" font-size=\"12\">\(HTML.escape(verdict))</text>\n"
            legendX += 32 + verdict.count * 9
        }
        svg += "</svg>"
        return svg
    }

    /// 1, 2 or 5 times a power of ten, at least `value`: a scale a reader reads at a glance.
    static func niceCeiling(_ value: UInt64) -> UInt64 {
        var power: UInt64 = 1
        while true {
            for factor: UInt64 in [1, 2, 5] where factor * power >= value { return factor * power }
            power *= 10
        }
    }
}
