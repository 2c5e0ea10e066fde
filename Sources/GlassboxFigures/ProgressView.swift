/// A named number reported with progress (loss, accuracy, …).
public struct ProgressMetric: Sendable, Equatable {
    public enum Style: Sendable, Equatable {
        /// Four significant digits.
        case number
        /// A fraction shown as a percentage with two decimals.
        case percent
    }

    public var name: String
    public var value: Double
    public var style: Style

    public init(_ name: String, _ value: Double, style: Style = .number) {
        self.name = name
        self.value = value
        self.style = style
    }

    /// `name=value`.
    public var formatted: String {
        let v = style == .percent ? NumberFormat.percent(value) : NumberFormat.significant(value, digits: 4)
        return "\(name)=\(v)"
    }
}

/// The state of a long-running task at one moment.
public struct ProgressState: Sendable, Equatable {
    public var task: String
    public var completed: Int
    /// `nil` when the amount of work is unknown.
    public var total: Int?
    /// Seconds since the task started.
    public var elapsed: Double
    public var metrics: [ProgressMetric]
    /// The name of one unit of work ("it", "batch", "image").
    public var unit: String

    public init(task: String, completed: Int, total: Int?, elapsed: Double, metrics: [ProgressMetric] = [], unit: String = "it") {
        self.task = task
        self.completed = completed
        self.total = total
        self.elapsed = elapsed
        self.metrics = metrics
        self.unit = unit
    }

    /// Completed fraction in [0, 1], or nil without a positive total.
    public var fraction: Double? {
        guard let total, total > 0 else { return nil }
        return min(1, max(0, Double(completed) / Double(total)))
    }

    /// Units per second, or nil before any time has passed.
    public var rate: Double? {
        guard elapsed.isFinite, elapsed > 0, completed >= 0 else { return nil }
        return Double(completed) / elapsed
    }

    /// Estimated seconds left, or nil when unknown.
    public var remaining: Double? {
        guard let total, let rate, rate > 0 else { return nil }
        return Double(max(0, total - completed)) / rate
    }

    /// Whether all work is done.
    public var isFinished: Bool {
        guard let total else { return false }
        return completed >= total
    }
}

/// Renders a `ProgressState` for a notebook: plain text, a small HTML bar, and a one-line summary.
public enum ProgressView {
    /// `"9.87 it/s"`, `"123 it/s"`, or `"2.35 s/it"` for slow work (as tqdm does); `"? it/s"` when unknown.
    public static func rateText(_ rate: Double?, unit: String) -> String {
        guard let rate, rate.isFinite else { return "? \(unit)/s" }
        if rate >= 100 { return "\(Int(rate.rounded())) \(unit)/s" }
        if rate >= 1 || rate == 0 { return "\(fixed(rate, 2)) \(unit)/s" }
        return "\(fixed(1 / rate, 2)) s/\(unit)"
    }

    /// `Training [############..................]  40% 220/550 [0:22<0:33, 10.00 it/s] loss=0.2345`.
    public static func plainText(_ state: ProgressState, barWidth: Int = 30) -> String {
        var parts = [state.task]
        let timing: String
        if let fraction = state.fraction, let total = state.total {
            let width = max(1, barWidth)
            let filled = Int((fraction * Double(width)).rounded(.down))
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]")
            let percent = String(Int((fraction * 100).rounded(.down)))
            parts.append(String(repeating: " ", count: 3 - percent.count) + percent + "%")
            parts.append("\(state.completed)/\(total)")
            let left = state.remaining.map(NumberFormat.duration) ?? "?"
            timing = "[\(NumberFormat.duration(state.elapsed))<\(left), \(rateText(state.rate, unit: state.unit))]"
        } else {
            parts.append("\(state.completed) \(state.unit)")
            timing = "[\(NumberFormat.duration(state.elapsed)), \(rateText(state.rate, unit: state.unit))]"
        }
        parts.append(timing)
        parts += state.metrics.map(\.formatted)
        return parts.joined(separator: " ")
    }

    /// A small styled bar with the task name, counts, times and metrics (all text escaped).
    public static func html(_ state: ProgressState, barWidth: Int = 300) -> String {
        let fraction = state.fraction ?? 0
        let percent = fixed(fraction * 100, 1)
        var details: [String] = []
        if let total = state.total { details.append("\(state.completed)/\(total)") } else { details.append("\(state.completed) \(state.unit)") }
        details.append("elapsed \(NumberFormat.duration(state.elapsed))")
        if let remaining = state.remaining, !state.isFinished { details.append("left \(NumberFormat.duration(remaining))") }
        details.append(rateText(state.rate, unit: state.unit))
        details += state.metrics.map(\.formatted)
        let color = state.isFinished ? "#2ca02c" : "#1f77b4"
        let bar = state.total == nil ? "" :
            "<div style=\"display:inline-block;vertical-align:middle;width:\(max(20, barWidth))px;height:10px;background:#e6e6e6;border-radius:3px;overflow:hidden;margin:0 8px\">"
            + "<div style=\"width:\(percent)%;height:100%;background:\(color)\"></div></div>"
            + "<span style=\"display:inline-block;min-width:3.5em;text-align:right\">\(percent)%</span> "
        return "<div class=\"glassbox-progress\" style=\"font-family:DejaVu Sans,sans-serif;font-size:12px;line-height:18px\">"
            + "<span style=\"font-weight:bold\">\(HTMLText.escape(state.task))</span>"
            + bar
            + "<span style=\"color:#555\">\(HTMLText.escape(details.joined(separator: " · ")))</span></div>"
    }

    /// `Training: 550/550 in 0:56 (9.82 it/s) loss=0.0081 accuracy=99.73%`.
    public static func summary(_ state: ProgressState) -> String {
        let count = state.total.map { "\(state.completed)/\($0)" } ?? "\(state.completed) \(state.unit)"
        var line = "\(state.task): \(count) in \(NumberFormat.duration(state.elapsed)) (\(rateText(state.rate, unit: state.unit)))"
        if !state.metrics.isEmpty { line += " " + state.metrics.map(\.formatted).joined(separator: " ") }
        return line
    }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "?" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale), fraction = scaled % Int(scale)
        var f = String(fraction)
        while f.count < decimals { f = "0" + f }
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return decimals == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(f)"
    }
}
