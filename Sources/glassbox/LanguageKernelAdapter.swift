import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxKernel
import GlassboxLanguage

/// Connects a `LanguageSession` to the Jupyter kernel through the `KernelInterpreter` seam.
final class LanguageKernelAdapter: KernelInterpreter {
    /// The language session (variables survive across cells).
    let session: LanguageSession
    /// The pages `help("topic")` renders.
    let documentation: DocumentationLibrary?
    private let renderer = TracebackRenderer(colored: true)

    init(session: LanguageSession, documentation: DocumentationLibrary? = nil) {
        self.session = session
        self.documentation = documentation
    }

    /// A Glassbox session with the documentation from `docsDirectory` (the kernelspec's copy), else
    /// `$GLASSBOX_DOCS_DIR`, else the checkout's `docs/` next to the binary.
    convenience init(docsDirectory: String? = nil) {
        self.init(session: LanguageSession(registry: .glassbox),
                  documentation: DocumentationLibrary.locate(explicit: docsDirectory, executable: InstallCommand.executablePath()))
    }

    static let version = "0.1.0"

    var languageInfo: LanguageInfo {
        LanguageInfo(name: "glassbox", version: LanguageKernelAdapter.version, mimetype: "text/x-glassbox",
                     fileExtension: ".gbx", codemirrorMode: "swift", pygmentsLexer: "swift")
    }

    var banner: String {
        """
        Glassbox \(LanguageKernelAdapter.version) — see why a neural network decides what it decides.
        Type help() for the builtins and documentation pages, help(name) for one builtin, help("language") \
        for the language reference; Tab completes, name? shows help. exit or quit ends the session.
        """
    }

    /// The language reference on the web when `$GLASSBOX_DOCS_URL` is an http(s) URL; nothing
    /// otherwise (browsers do not open `file://` links from a notebook page; `help("language")` shows
    /// the reference inside the notebook instead).
    var helpLinks: [HelpLink] {
        LanguageKernelAdapter.referenceURL().map { [HelpLink(text: "Glassbox language reference", url: $0)] } ?? []
    }

    static func referenceURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let configured = environment["GLASSBOX_DOCS_URL"]?.trimmingCharacters(in: .whitespaces),
              let url = URL(string: configured), let scheme = url.scheme?.lowercased(),
              scheme == "https" || scheme == "http", url.host != nil else { return nil }
        return configured
    }

    /// IPython answers a bare `exit` or `quit` as if it were called; so does Glassbox, unless the
    /// name is a variable of the session.
    func autocalledExit(_ code: String) -> String? {
        let word = code.trimmingCharacters(in: .whitespacesAndNewlines)
        guard word == "exit" || word == "quit", session.value(of: word) == nil else { return nil }
        return word + "()"
    }

    func execute(code: String, context: ExecutionContext) -> ExecutionOutcome {
        // OpenBLAS (training's weight gradients) is opened before the first cell, not at start, so that
        // the kernel answers its first kernel_info sooner; a missing library fails every cell clearly.
        do {
            try MatrixProduct.loadLibrary()
        } catch {
            return .error(name: "RuntimeError", value: "\(error)", traceback: ["RuntimeError: \(error)"])
        }
        // What the cell freed goes back to the system (the heap otherwise keeps it for the next cell),
        // and the pages of mapped datasets (MNIST) it read leave this process's resident set; they stay
        // in the page cache, shared by every kernel, and come back on the next read.
        defer {
            HeapPolicy.releaseFreeMemory()
            ByteStorage.releaseMappedPages()
        }
        let host = KernelContextHost(context: context, documentation: documentation)
        switch session.execute(autocalledExit(code) ?? code, host: host) {
        case .success(let output):
            return .ok(result: output.map(LanguageKernelAdapter.bundle))
        case .interrupted:
            return .interrupted
        case .failure(let error):
            return .error(name: error.kind.rawValue, value: error.message,
                          traceback: renderer.lines(for: error, source: code))
        }
    }

    func complete(code: String, cursorPosition: Int) -> CompletionResult {
        let completion = session.complete(code, cursor: cursorPosition)
        return CompletionResult(
            matches: completion.matches, cursorStart: completion.start, cursorEnd: completion.end,
            types: completion.items.map { CompletionType(text: $0.text, type: $0.kind, signature: $0.signature) })
    }

    func inspect(code: String, cursorPosition: Int, detailLevel: Int) -> MimeBundle? {
        session.inspect(code, cursor: cursorPosition).map(LanguageKernelAdapter.bundle)
    }

    func isComplete(code: String) -> CompletenessStatus {
        switch session.isComplete(code) {
        case .complete: return .complete
        case .incomplete(let indent): return .incomplete(indent: indent)
        case .invalid: return .invalid
        }
    }

    func interrupt() {
        session.interrupt()
    }

    static func bundle(_ output: RichOutput) -> MimeBundle {
        MimeBundle(data: output.mimeData, metadata: output.mimeMetadata)
    }
}

/// A `LanguageHost` that forwards to the kernel's `ExecutionContext` of the running cell.
final class KernelContextHost: LanguageHost, @unchecked Sendable {
    private let context: ExecutionContext
    private let lock = NSLock()
    let documentation: DocumentationLibrary?

    init(context: ExecutionContext, documentation: DocumentationLibrary?) {
        self.context = context
        self.documentation = documentation
    }

    func requestExit(keepKernel: Bool) {
        lock.lock()
        defer { lock.unlock() }
        context.requestExit(keepKernel: keepKernel)
    }

    func write(_ text: String, to stream: HostStream) {
        lock.lock()
        defer { lock.unlock() }
        context.stream(text, to: stream == .stdout ? .stdout : .stderr)
    }

    func display(_ output: RichOutput, displayID: String?) {
        lock.lock()
        defer { lock.unlock() }
        context.display(LanguageKernelAdapter.bundle(output), displayID: displayID)
    }

    func updateDisplay(_ output: RichOutput, displayID: String) {
        lock.lock()
        defer { lock.unlock() }
        context.updateDisplay(LanguageKernelAdapter.bundle(output), displayID: displayID)
    }

    func clearOutput(wait: Bool) {
        lock.lock()
        defer { lock.unlock() }
        context.clearOutput(wait: wait)
    }

    func requestInput(prompt: String, password: Bool) throws -> String {
        guard context.allowsStdin else {
            throw InputUnavailable(reason: "this frontend does not allow input (allow_stdin is false)")
        }
        return try context.requestInput(prompt: prompt, password: password)
    }
}
