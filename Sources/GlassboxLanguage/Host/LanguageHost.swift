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
    /// True for terminals: progress is drawn as a one-line bar on stderr instead of a display.
    var prefersTerminalProgress: Bool { get }
}

extension LanguageHost {
    public var prefersTerminalProgress: Bool { false }
}
