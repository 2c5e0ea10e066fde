/// Which output stream text goes to.
public enum HostStream: String, Sendable {
    case stdout
    case stderr
}

/// Where a running cell sends its output: Jupyter (through the kernel adapter), a terminal
/// (`glassbox run`), or a recorder in tests.
///
/// Calls come from the thread that runs the cell, except progress updates, which may come from
/// worker threads; implementations must therefore be thread-safe.
public protocol LanguageHost: AnyObject, Sendable {
    /// Writes text to stdout or stderr.
    func write(_ text: String, to stream: HostStream)
    /// Shows a rich output; with a `displayID` it can be updated later.
    func display(_ output: RichOutput, displayID: String?)
    /// Replaces the output shown earlier under `displayID`.
    func updateDisplay(_ output: RichOutput, displayID: String)
    /// Asks the user for a line of text; throws when no input is possible.
    func requestInput(prompt: String, password: Bool) throws -> String
    /// Clears the output the running cell has shown so far; with `wait` the frontend clears it
    /// only when the next output arrives (no flicker for animations).
    func clearOutput(wait: Bool)
    /// How progress of long work is shown.
    var progressStyle: ProgressStyle { get }
    /// Seconds a task must run before its progress is shown (tqdm's `delay`); quicker work shows nothing.
    var progressDelay: Double { get }
    /// The documentation pages `help("topic")` shows, if this host has them.
    var documentation: DocumentationLibrary? { get }
    /// Asks the frontend to end the session (`exit()`, `quit()`); with `keepKernel` only the
    /// frontend goes, the kernel stays. The cell goes on running.
    func requestExit(keepKernel: Bool)
}

extension LanguageHost {
    public var progressStyle: ProgressStyle { .display }
    /// Hosts without a notion of cleared output (terminals, files) ignore the request.
    public func clearOutput(wait: Bool) {}
    /// One second: only work that lasts gets a bar.
    public var progressDelay: Double { 1 }
    /// No documentation pages unless the host has them.
    public var documentation: DocumentationLibrary? { nil }
    /// Hosts without a frontend to close (scripts, tests) ignore the request.
    public func requestExit(keepKernel: Bool) {}
}

/// How a host wants progress of long work shown.
public enum ProgressStyle: Sendable {
    /// One display (text + HTML bar) updated in place, then replaced by a summary (Jupyter).
    case display
    /// A one-line bar redrawn on stderr, then a summary line (an interactive terminal).
    case terminalBar
    /// Only the summary line on stderr (output piped to a file or a log).
    case summaryOnly
}
