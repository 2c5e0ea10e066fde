import Foundation
import GlassboxEngine
import GlassboxFigures

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

    /// The text and HTML for one event after `elapsed` seconds (drawn by the Figures module's
    /// `ProgressView`; a finished task becomes its one-line summary).
    public static func render(_ event: ProgressEvent, elapsed: Double) -> RichOutput {
        let state = ProgressState(
            task: event.task, completed: event.completed, total: event.total > 0 ? event.total : nil,
            elapsed: elapsed, metrics: event.metrics.map(metric))
        if event.finished {
            let summary = "✓ " + ProgressView.summary(state)
            return RichOutput(text: summary, html: "<div class=\"glassbox-progress-done\" style=\"font-family:DejaVu Sans,sans-serif;font-size:12px\">"
                              + HTMLText.escape(summary) + "</div>")
        }
        return RichOutput(text: ProgressView.plainText(state), html: ProgressView.html(state))
    }

    /// Accuracies given as fractions are shown as percentages.
    static func metric(_ m: ProgressEvent.Metric) -> ProgressMetric {
        let isFraction = m.name.lowercased().contains("acc") && (0...1).contains(m.value)
        return ProgressMetric(m.name, m.value, style: isFraction ? .percent : .number)
    }
}
