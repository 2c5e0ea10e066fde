import GlassboxEngine

/// What a builtin can reach while it runs: the host, cancellation, progress, and the session.
public final class CallContext {
    /// Where the output goes.
    public let host: any LanguageHost
    /// Checked by long work; cancelled by an interrupt.
    public let cancellation: CancellationToken
    /// The session running the call (for `help`, variables and the registry).
    public unowned let session: LanguageSession
    /// The source range of the call, for messages.
    public let callRange: SourceRange?

    init(host: any LanguageHost, cancellation: CancellationToken, session: LanguageSession, callRange: SourceRange?) {
        self.host = host
        self.cancellation = cancellation
        self.session = session
        self.callRange = callRange
    }

    /// Throws `Interrupted` when the user has interrupted the cell.
    public func checkCancellation() throws {
        if cancellation.isCancelled { throw ScriptError(.interrupted, "the cell was interrupted", at: callRange) }
    }

    /// The progress sources this call made; ended when the call returns.
    private var progressSources: [ProgressReporter.Source] = []

    /// A work monitor for engine code: shares the cancellation token and draws progress on the
    /// cell's one progress display (a display updated in place in Jupyter, a bar on a terminal);
    /// work that ends within the host's `progressDelay` shows nothing, and a task started while
    /// another runs is folded into that one's bar.
    public func workMonitor() -> WorkMonitor {
        let reporter = session.progressReporter(for: host)
        let source = reporter.makeSource()
        progressSources.append(source)
        return WorkMonitor(cancellation: cancellation, progress: { reporter.report($0, from: source) })
    }

    /// Ends the progress of this call's work monitors: tasks left running are drawn interrupted
    /// when the cell was interrupted, stopped by an error when the call `threw`, else summarised.
    func endWork(threw: Bool) {
        guard !progressSources.isEmpty else { return }
        let reporter = session.progressReporter(for: host)
        let outcome: ProgressReporter.Outcome = cancellation.isCancelled ? .interrupted : threw ? .failed : .completed
        for source in progressSources { reporter.end(source, outcome: outcome) }
        progressSources = []
    }
}
