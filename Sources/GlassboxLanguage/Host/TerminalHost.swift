import Foundation

/// A host for running scripts in a terminal (`glassbox run`): text goes to the process's stdout
/// and stderr, every displayed image is written as `figure-001.png`, `figure-002.png`, … in
/// `outputDirectory`, and progress is drawn as a one-line bar when stderr is a terminal.
public final class TerminalHost: LanguageHost, @unchecked Sendable {
    /// Where figures are written (created on the first figure).
    public let outputDirectory: URL
    public let progressStyle: ProgressStyle
    /// The documentation pages `help("topic")` prints.
    public let documentation: DocumentationLibrary?
    private let lock = NSLock()
    private var figureCount = 0
    private let writeOut: @Sendable (String, HostStream) -> Void
    private let readInput: @Sendable () -> String?
    /// Paths of the figures written so far.
    public private(set) var writtenFigures: [URL] = []
    /// The file of each figure shown with a display id, rewritten when that display is updated.
    private var figuresByDisplay: [String: URL] = [:]

    /// - Parameters:
    ///   - outputDirectory: where figures go.
    ///   - terminalProgress: redraw a progress bar on stderr (pass `isatty(2) != 0`); otherwise only
    ///     the summary line of each finished task is written to stderr.
    ///   - write: sink for text (defaults to the process's stdout/stderr).
    ///   - read: source of input lines (defaults to standard input).
    ///   - documentation: the pages `help("topic")` prints.
    public init(outputDirectory: URL, terminalProgress: Bool,
                write: (@Sendable (String, HostStream) -> Void)? = nil,
                read: (@Sendable () -> String?)? = nil, documentation: DocumentationLibrary? = nil) {
        self.outputDirectory = outputDirectory
        self.documentation = documentation
        self.progressStyle = terminalProgress ? .terminalBar : .summaryOnly
        self.writeOut = write ?? { text, stream in
            let handle = stream == .stdout ? FileHandle.standardOutput : FileHandle.standardError
            handle.write(Data(text.utf8))
        }
        self.readInput = read ?? { Swift.readLine(strippingNewline: true) }
    }

    public func write(_ text: String, to stream: HostStream) {
        lock.lock(); defer { lock.unlock() }
        writeOut(text, stream)
    }

    public func display(_ output: RichOutput, displayID: String?) {
        lock.lock(); defer { lock.unlock() }
        guard let png = output.png else {
            writeOut(output.text + "\n", .stdout)
            return
        }
        figureCount += 1
        let url = outputDirectory.appendingPathComponent(String(format: "figure-%03d.png", figureCount))
        do {
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
            try Data(png.bytes).write(to: url)
            writtenFigures.append(url)
            if let displayID { figuresByDisplay[displayID] = url }
            writeOut("[figure \(figureCount): \(output.text) → \(url.path)]\n", .stdout)
        } catch {
            writeOut("glassbox: could not write figure \(url.path): \(error.localizedDescription)\n", .stderr)
        }
    }

    /// An updated figure replaces its file (images that update in place end as their last state);
    /// an update without a figure is written as text.
    public func updateDisplay(_ output: RichOutput, displayID: String) {
        lock.lock(); defer { lock.unlock() }
        guard let png = output.png, let url = figuresByDisplay[displayID] else {
            writeOut(output.text + "\n", .stdout)
            return
        }
        do {
            try Data(png.bytes).write(to: url, options: .atomic)
        } catch {
            writeOut("glassbox: could not write figure \(url.path): \(error.localizedDescription)\n", .stderr)
        }
    }

    public func requestInput(prompt: String, password: Bool) throws -> String {
        lock.lock()
        writeOut(prompt, .stdout)
        lock.unlock()
        guard let line = readInput() else { throw ScriptError(.runtime, "readLine: standard input is closed") }
        return line
    }
}
