import Foundation
import GlassboxEngine

/// Turns `ProgressEvent`s into one display that updates in place (text/plain + an HTML bar with
/// rate and time left, at most ~5 updates per second), replaced by a one-line summary when done.
/// On a terminal host it draws a one-line bar on stderr instead.
public final class ProgressReporter: @unchecked Sendable {
    private let host: any LanguageHost
    private let displayID: String
    private let lock = NSLock()
    private let clock: @Sendable () -> Double
    private var started: Double?
    private var lastUpdate: Double = -.infinity
    private var shown = false
    /// Minimum seconds between two updates.
    public let interval: Double

    public init(host: any LanguageHost, displayID: String, interval: Double = 0.2,
                clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.host = host
        self.displayID = displayID
        self.interval = interval
        self.clock = clock
    }

    /// Shows `event` (throttled; the first and the finishing event are always shown).
    public func report(_ event: ProgressEvent) {
        lock.lock()
        defer { lock.unlock() }
        let now = clock()
        if started == nil { started = now }
        let style = host.progressStyle
        if style == .summaryOnly && !event.finished { return }
        if !event.finished && shown && now - lastUpdate < interval { return }
        lastUpdate = now
        let elapsed = now - (started ?? now)
        let output = ProgressReporter.render(event, elapsed: elapsed)
        switch style {
        case .summaryOnly:
            host.write(output.text + "\n", to: .stderr)
            return
        case .terminalBar:
            let line = event.finished ? output.text + "\n" : output.text
            host.write("\r\u{1B}[2K" + line, to: .stderr)
            shown = true
            return
        case .display:
            break
        }
        if shown {
            host.updateDisplay(output, displayID: displayID)
        } else {
            host.display(output, displayID: displayID)
            shown = true
        }
    }

    /// The text and HTML for one event after `elapsed` seconds.
    public static func render(_ event: ProgressEvent, elapsed: Double) -> RichOutput {
        let metrics = event.metrics.map { "\($0.name) \(formatMetric($0.value))" }.joined(separator: ", ")
        if event.finished {
            var text = "✓ \(event.task): \(event.completed)\(event.total > 0 ? "/\(event.total)" : "") in \(formatDuration(elapsed))"
            if !metrics.isEmpty { text += " — " + metrics }
            return RichOutput(text: text, html: "<div class=\"glassbox-progress-done\">\(escapeHTML(text))</div>")
        }
        let rate = elapsed > 0 ? Double(event.completed) / elapsed : 0
        let fraction = event.total > 0 ? min(1, max(0, Double(event.completed) / Double(event.total))) : 0
        let width = 30
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = event.total > 0 ? "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "]" : ""
        var parts = [event.task]
        if !bar.isEmpty { parts.append(bar) }
        parts.append(event.total > 0 ? "\(event.completed)/\(event.total)" : "\(event.completed)")
        if rate > 0 { parts.append(String(format: "%.1f/s", rate)) }
        if rate > 0 && event.total > 0 {
            parts.append("\(formatDuration(Double(event.total - event.completed) / rate)) left")
        }
        if !metrics.isEmpty { parts.append(metrics) }
        let text = parts.joined(separator: "  ")
        let percent = String(format: "%.1f", fraction * 100)
        let html = """
            <div class="glassbox-progress" style="font-family:monospace"><span>\(escapeHTML(event.task))</span> \
            <progress value="\(event.completed)" max="\(max(event.total, 1))" style="width:20em;vertical-align:middle"></progress> \
            <span>\(percent)% · \(escapeHTML(parts.dropFirst(bar.isEmpty ? 1 : 2).joined(separator: " · ")))</span></div>
            """
        return RichOutput(text: text, html: html)
    }

    static func formatMetric(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return String(format: abs(v) < 0.01 ? "%.3g" : "%.4f", v)
    }

    static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let s = Int(seconds.rounded())
        if s < 3600 { return String(format: "%d:%02d", s / 60, s % 60) }
        return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
    }

    static func escapeHTML(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
