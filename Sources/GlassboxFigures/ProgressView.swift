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

/// Why a task ended before its work was done.
public enum ProgressStop: String, Sendable, Equatable {
    /// The user interrupted it.
    case interrupted
    /// An error ended it.
    case failed

    /// The words shown next to the stopped bar.
    public var label: String { self == .interrupted ? "interrupted" : "stopped by an error" }
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
    /// Set when the task ended early (interrupted, or ended by an error): the bar keeps its last
    /// count and turns red, as tqdm's does.
    public var stop: ProgressStop?

    public init(task: String, completed: Int, total: Int?, elapsed: Double, metrics: [ProgressMetric] = [], unit: String = "it",
                stop: ProgressStop? = nil) {
        self.task = task
        self.completed = completed
        self.total = total
        self.elapsed = elapsed
        self.metrics = metrics
        self.unit = unit
        self.stop = stop
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

    /// Estimated seconds left, or nil when unknown (or when the task stopped early).
    public var remaining: Double? {
        guard stop == nil, let total, let rate, rate > 0 else { return nil }
        return Double(max(0, total - completed)) / rate
    }

    /// Whether all work is done.
    public var isFinished: Bool {
        guard let total else { return false }
        return completed >= total
    }
}

/// Renders a `ProgressState` for a notebook: plain text, a small HTML bar, and a one-line summary.
///
/// Tasks running inside the shown one (an evaluation inside training, a method inside a loop) are
/// passed as `nested` and folded into the same line after a `›`, so a cell never shows a stack of bars.
public enum ProgressView {
    /// The colour of a running bar.
    public static let runningColor = "#1f77b4"
    /// The colour of a finished bar.
    public static let finishedColor = "#2ca02c"
    /// The colour of a stopped (interrupted) bar.
    public static let stoppedColor = "#d62728"

    /// `"9.87 it/s"`, `"123 it/s"`, or `"2.35 s/it"` for slow work (as tqdm does); nil when unknown
    /// (no time has passed yet), so that no "? it/s" is ever shown.
    public static func rateText(_ rate: Double?, unit: String) -> String? {
        guard let rate, rate.isFinite else { return nil }
        if rate >= 100 { return "\(Int(rate.rounded())) \(unit)/s" }
        if rate >= 1 || rate == 0 { return "\(fixed(rate, 2)) \(unit)/s" }
        return "\(fixed(1 / rate, 2)) s/\(unit)"
    }

    /// `Training [############..................]  40% 220/550 [0:22<0:33, 10.00 it/s] loss=0.2345`;
    /// a stopped task starts with `✗` and ends with its `stop` label (no time left is estimated);
    /// `nested` tasks follow as `› evaluate 3/20`.
    public static func plainText(_ state: ProgressState, nested: [ProgressState] = [], barWidth: Int = 30) -> String {
        var parts = [state.stop == nil ? state.task : "✗ " + state.task]
        let timing: String
        let rate = rateText(state.rate, unit: state.unit).map { ", " + $0 } ?? ""
        if let fraction = state.fraction, let total = state.total {
            let width = max(1, barWidth)
            let filled = Int((fraction * Double(width)).rounded(.down))
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]")
            let percent = String(Int((fraction * 100).rounded(.down)))
            parts.append(String(repeating: " ", count: 3 - percent.count) + percent + "%")
            parts.append("\(state.completed)/\(total)")
            let left = state.stop == nil ? "<" + (state.remaining.map(NumberFormat.duration) ?? "?") : ""
            timing = "[\(NumberFormat.duration(state.elapsed))\(left)\(rate)]"
        } else {
            parts.append("\(state.completed) \(state.unit)")
            timing = "[\(NumberFormat.duration(state.elapsed))\(rate)]"
        }
        parts.append(timing)
        parts += state.metrics.map(\.formatted)
        parts += nested.map { "› " + nestedText($0) }
        if let stop = state.stop { parts.append("— " + stop.label) }
        return parts.joined(separator: " ")
    }

    /// A task folded into another's line: `evaluate 3/20` (or `flip 7 image`).
    public static func nestedText(_ state: ProgressState) -> String {
        state.task + " " + (state.total.map { "\(state.completed)/\($0)" } ?? "\(state.completed) \(state.unit)")
    }

    /// A small styled bar with the task name, counts, times and metrics (all text escaped): blue
    /// while running, green when done, red with its label when stopped early; `nested` tasks follow
    /// on the same line.
    public static func html(_ state: ProgressState, nested: [ProgressState] = [], barWidth: Int = 300) -> String {
        let fraction = state.fraction ?? 0
        let percent = fixed(fraction * 100, 1)
        var details: [String] = []
        if let total = state.total { details.append("\(state.completed)/\(total)") } else { details.append("\(state.completed) \(state.unit)") }
        details.append("elapsed \(NumberFormat.duration(state.elapsed))")
        if let remaining = state.remaining, !state.isFinished { details.append("left \(NumberFormat.duration(remaining))") }
        if let rate = rateText(state.rate, unit: state.unit) { details.append(rate) }
        details += state.metrics.map(\.formatted)
        let color = state.stop != nil ? stoppedColor : state.isFinished ? finishedColor : runningColor
        let bar = state.total == nil ? "" :
            "<div style=\"display:inline-block;vertical-align:middle;width:\(max(20, barWidth))px;height:10px;background:#e6e6e6;border-radius:3px;overflow:hidden;margin:0 8px\">"
            + "<div style=\"width:\(percent)%;height:100%;background:\(color)\"></div></div>"
            + "<span style=\"display:inline-block;min-width:3.5em;text-align:right\">\(percent)%</span> "
        let inner = nested.map { " <span style=\"color:#555\">› \(HTMLText.escape(nestedText($0)))</span>" }.joined()
        let stopped = state.stop.map { " <span style=\"color:\(stoppedColor);font-weight:bold\">\($0.label)</span>" } ?? ""
        let kind = "glassbox-progress" + (state.stop.map { " glassbox-progress-\($0.rawValue)" } ?? "")
        return "<div class=\"\(kind)\" style=\"font-family:DejaVu Sans,sans-serif;font-size:12px;line-height:18px\">"
            + "<span style=\"font-weight:bold\">\(HTMLText.escape(state.task))</span>"
            + bar
            + "<span style=\"color:#555\">\(HTMLText.escape(details.joined(separator: " · ")))</span>"
            + inner + stopped + "</div>"
    }

    /// `Training: 550/550 in 0:56 (9.82 it/s) loss=0.0081 accuracy=99.73%`; a stopped task reads
    /// `Training: interrupted at 37/550 after 0:04 (9.25 it/s) …`.
    public static func summary(_ state: ProgressState) -> String {
        let count = state.total.map { "\(state.completed)/\($0)" } ?? "\(state.completed) \(state.unit)"
        var line: String
        if let stop = state.stop {
            line = "\(state.task): \(stop.label) at \(count) after \(NumberFormat.duration(state.elapsed))"
        } else {
            line = "\(state.task): \(count) in \(NumberFormat.duration(state.elapsed))"
        }
        if let rate = rateText(state.rate, unit: state.unit) { line += " (\(rate))" }
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
