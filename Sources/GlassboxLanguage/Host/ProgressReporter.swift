import Foundation
import GlassboxEngine
import GlassboxFigures

/// The progress display of one cell: every piece of long work the cell starts reports here, and
/// the cell shows at most one display that updates in place (text/plain + an HTML bar with rate and
/// time left, at most ~5 updates per second). A finished task becomes a one-line summary. On a
/// terminal host it draws a one-line bar on stderr instead (or, off a terminal, only the summaries).
///
/// - **Delay** (tqdm's `delay`): a task is drawn only once it has run for `delay` seconds, so quick
///   work leaves no bar and no summary behind.
/// - **Nesting**: a task that starts while another is still running (an evaluation inside training,
///   one method call inside another's loop) is folded into the outer task's line (`› evaluate 3/20`)
///   instead of getting a bar of its own; the outer bar stays where it is.
/// - **Stopping**: when the work ends early (`end(_:outcome:)` with `.interrupted` or `.failed`), the
///   bar is drawn one last time with the last reported count, in red with its label, as tqdm does,
///   so it agrees with whatever message the interrupted builtin prints.
///
/// Tasks are told apart by their name and by the `Source` (one per work monitor) that reports them;
/// a task's clock starts when its source was made or when the source's previous task ended, so even
/// the first event after one unit of work has a rate.
public final class ProgressReporter: @unchecked Sendable {
    /// One reporter of tasks: a work monitor handed to one builtin call.
    public struct Source: Hashable, Sendable {
        fileprivate let id: Int
    }

    /// How a source's work ended.
    public enum Outcome: Sendable, Equatable {
        /// It returned; tasks it left unfinished are summarised with their last count.
        case completed
        /// The user interrupted it.
        case interrupted
        /// It threw an error.
        case failed
    }

    private struct Task {
        let source: Int
        let name: String
        /// Clock time the task started.
        let started: Double
        var event: ProgressEvent
        /// Whether it has been drawn (as the bar, or folded into it).
        var drawn = false
    }

    private let host: any LanguageHost
    private let displayID: String
    private let lock = NSLock()
    private let clock: @Sendable () -> Double
    /// Unfinished tasks, outermost first.
    private var stack: [Task] = []
    /// Per source: when its next task starts (its creation, then the time of its last event).
    private var marks: [Int: Double] = [:]
    private var nextSource = 1
    private var lastUpdate: Double = -.infinity
    /// Whether the cell's display exists.
    private var displayed = false
    /// Minimum seconds between two updates.
    public let interval: Double
    /// Seconds a task must run before it is shown at all.
    public let delay: Double
    /// The source `report(_:)` uses.
    public let defaultSource: Source

    /// A reporter drawing on `host` under `displayID`, at most every `interval` seconds, showing
    /// only tasks that have run `delay` seconds; `clock` gives seconds (tests pass a manual one).
    public init(host: any LanguageHost, displayID: String, interval: Double = 0.2, delay: Double = 1,
                clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.host = host
        self.displayID = displayID
        self.interval = interval
        self.delay = delay
        self.clock = clock
        defaultSource = Source(id: 0)
        marks[0] = clock()
    }

    /// A new source whose first task's clock starts now.
    public func makeSource() -> Source {
        lock.lock()
        defer { lock.unlock() }
        let source = Source(id: nextSource)
        nextSource += 1
        marks[source.id] = clock()
        return source
    }

    /// Shows `event` from the default source.
    public func report(_ event: ProgressEvent) { report(event, from: defaultSource) }

    /// Shows `event` (throttled; a task's first drawing, its summary and a stopped bar always are).
    public func report(_ event: ProgressEvent, from source: Source) {
        lock.lock()
        defer { lock.unlock() }
        let now = clock()
        let index: Int
        if let found = stack.firstIndex(where: { $0.source == source.id && $0.name == event.task }) {
            // Tasks of the same source nested inside this one are over when it reports again.
            stack = stack.enumerated().filter { $0.offset <= found || $0.element.source != source.id }.map(\.element)
            stack[found].event = event
            index = found
        } else {
            stack.append(Task(source: source.id, name: event.task, started: marks[source.id] ?? now, event: event))
            index = stack.count - 1
        }
        marks[source.id] = now
        if event.finished {
            finish(at: index, now: now)
        } else {
            draw(now: now, force: false)
        }
    }

    /// Ends every task of `source` that is still running: summarised when the work `completed`,
    /// drawn stopped (red, with its last count) when it was interrupted or failed.
    public func end(_ source: Source, outcome: Outcome) {
        lock.lock()
        defer { lock.unlock() }
        marks[source.id] = nil
        guard let first = stack.firstIndex(where: { $0.source == source.id }) else { return }
        let now = clock()
        switch outcome {
        case .completed:
            stack[first].event.finished = true
            finish(at: first, now: now)
            stack.removeAll { $0.source == source.id }
        case .interrupted, .failed:
            let stop: ProgressStop = outcome == .interrupted ? .interrupted : .failed
            if first == 0, visible(stack[0], now: now) || displayed {
                let top = stack[0]
                if host.progressStyle == .summaryOnly {
                    let state = Self.state(top.event, elapsed: now - top.started, stop: stop)
                    emit(RichOutput(text: "✗ " + ProgressView.summary(state)), final: true)
                } else {
                    let nested = stack.dropFirst().filter { visible($0, now: now) }
                    emit(Self.render(top.event, elapsed: now - top.started,
                                     nested: nested.map { ($0.event, now - $0.started) }, stop: stop), final: true)
                }
                stack.removeAll()
            } else {
                let wasDrawn = stack[first...].contains { $0.source == source.id && $0.drawn }
                stack.removeAll { $0.source == source.id }
                if wasDrawn { draw(now: now, force: true) }
            }
        }
    }

    /// Whether `task` is worth showing: it has been shown already or has lasted `delay`.
    private func visible(_ task: Task, now: Double) -> Bool {
        task.drawn || now - task.started >= delay
    }

    /// Removes the finished task at `index` (and the tasks of its source nested in it); the
    /// outermost task leaves its summary, a nested one just leaves the line.
    private func finish(at index: Int, now: Double) {
        let task = stack[index]
        stack = stack.enumerated().filter { $0.offset < index || $0.element.source != task.source }.map(\.element)
        if index == 0 {
            guard visible(task, now: now) else { return }
            emit(Self.render(task.event, elapsed: now - task.started), final: true)
            lastUpdate = now
        } else if task.drawn {
            draw(now: now, force: true)
        }
    }

    /// Draws the outermost task with the visible nested ones folded in, at most every `interval`.
    private func draw(now: Double, force: Bool) {
        guard !stack.isEmpty, visible(stack[0], now: now) else { return }
        if host.progressStyle == .summaryOnly { return }
        if !force && stack[0].drawn && now - lastUpdate < interval { return }
        lastUpdate = now
        var nested: [(ProgressEvent, Double)] = []
        for i in stack.indices where i == 0 || visible(stack[i], now: now) {
            stack[i].drawn = true
            if i > 0 { nested.append((stack[i].event, now - stack[i].started)) }
        }
        emit(Self.render(stack[0].event, elapsed: now - stack[0].started, nested: nested), final: false)
    }

    /// Puts `output` on the host: the cell's display, a terminal line, or (only when `final`) a
    /// summary line on stderr.
    private func emit(_ output: RichOutput, final: Bool) {
        switch host.progressStyle {
        case .summaryOnly:
            if final { host.write(output.text + "\n", to: .stderr) }
        case .terminalBar:
            host.write("\r\u{1B}[2K" + output.text + (final ? "\n" : ""), to: .stderr)
        case .display:
            if displayed {
                host.updateDisplay(output, displayID: displayID)
            } else {
                host.display(output, displayID: displayID)
                displayed = true
            }
        }
    }

    /// The text and HTML for one event after `elapsed` seconds (drawn by the Figures module's
    /// `ProgressView`): a finished task becomes its one-line summary, a stopped one its red bar with
    /// its last count, and `nested` tasks (event, elapsed) are folded into the line.
    public static func render(_ event: ProgressEvent, elapsed: Double, nested: [(ProgressEvent, Double)] = [],
                              stop: ProgressStop? = nil) -> RichOutput {
        let state = self.state(event, elapsed: elapsed, stop: stop)
        if event.finished && stop == nil {
            let summary = "✓ " + ProgressView.summary(state)
            return RichOutput(text: summary, html: "<div class=\"glassbox-progress-done\" style=\"font-family:DejaVu Sans,sans-serif;font-size:12px\">"
                              + HTMLText.escape(summary) + "</div>")
        }
        let inner = nested.map { self.state($0.0, elapsed: $0.1, stop: nil) }
        return RichOutput(text: ProgressView.plainText(state, nested: inner), html: ProgressView.html(state, nested: inner))
    }

    private static func state(_ event: ProgressEvent, elapsed: Double, stop: ProgressStop?) -> ProgressState {
        ProgressState(task: event.task, completed: event.completed, total: event.total > 0 ? event.total : nil,
                      elapsed: elapsed, metrics: event.metrics.map(metric), stop: stop)
    }

    /// Accuracies given as fractions are shown as percentages.
    static func metric(_ m: ProgressEvent.Metric) -> ProgressMetric {
        let isFraction = m.name.lowercased().contains("acc") && (0...1).contains(m.value)
        return ProgressMetric(m.name, m.value, style: isFraction ? .percent : .number)
    }
}
