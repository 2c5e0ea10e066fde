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

    /// A work monitor for engine code: shares the cancellation token and draws progress for `task`
    /// (a display updated in place in Jupyter, a bar on a terminal).
    public func workMonitor() -> WorkMonitor {
        let reporter = ProgressReporter(host: host, displayID: session.nextDisplayID(prefix: "progress"))
        return WorkMonitor(cancellation: cancellation, progress: { reporter.report($0) })
    }
}
