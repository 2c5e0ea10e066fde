import Foundation
import GlassboxKernel
import GlassboxLanguage

/// Connects a `LanguageSession` to the Jupyter kernel through the `KernelInterpreter` seam.
final class LanguageKernelAdapter: KernelInterpreter {
    /// The language session (variables survive across cells).
    let session: LanguageSession
    private let renderer = TracebackRenderer(colored: true)

    init(session: LanguageSession) {
        self.session = session
    }

    convenience init() {
        self.init(session: LanguageSession(registry: .glassbox))
    }

    static let version = "0.1.0"

    var languageInfo: LanguageInfo {
        LanguageInfo(name: "glassbox", version: LanguageKernelAdapter.version, mimetype: "text/x-glassbox",
                     fileExtension: ".gbx", codemirrorMode: "swift", pygmentsLexer: "swift")
    }

    var banner: String {
        """
        Glassbox \(LanguageKernelAdapter.version) — see why a neural network decides what it decides.
        Type help() for the list of builtins, help(name) for one of them; Tab completes, Shift-Tab shows help.
        """
    }

    /// The language reference: `$GLASSBOX_DOCS_URL` if set, else `docs/language.md` found next to
    /// (or above) the executable as a file URL; no link when neither exists.
    var helpLinks: [HelpLink] {
        LanguageKernelAdapter.referenceURL().map { [HelpLink(text: "Glassbox language reference", url: $0)] } ?? []
    }

    static func referenceURL(environment: [String: String] = ProcessInfo.processInfo.environment,
                             executable: String = InstallCommand.executablePath()) -> String? {
        if let configured = environment["GLASSBOX_DOCS_URL"], !configured.isEmpty { return configured }
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("docs/language.md")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.absoluteString }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    func execute(code: String, context: ExecutionContext) -> ExecutionOutcome {
        let host = KernelContextHost(context: context)
        switch session.execute(code, host: host) {
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

    init(context: ExecutionContext) {
        self.context = context
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
