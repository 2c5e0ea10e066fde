import Foundation
@testable import GlassboxLanguage

/// A host that records everything a cell does.
final class RecordingHost: LanguageHost, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var stdout = ""
    private(set) var stderr = ""
    private(set) var displays: [(RichOutput, String?)] = []
    private(set) var updates: [(RichOutput, String)] = []
    var inputs: [String] = []
    private(set) var prompts: [String] = []
    /// Tests see every progress event unless they ask for the delay.
    var progressDelay: Double = 0
    /// What `help("topic")` finds.
    var documentation: DocumentationLibrary?
    /// `keepKernel` of every exit request.
    private(set) var exitRequests: [Bool] = []

    func requestExit(keepKernel: Bool) {
        lock.lock(); defer { lock.unlock() }
        exitRequests.append(keepKernel)
    }

    func write(_ text: String, to stream: HostStream) {
        lock.lock(); defer { lock.unlock() }
        if stream == .stdout { stdout += text } else { stderr += text }
    }

    func display(_ output: RichOutput, displayID: String?) {
        lock.lock(); defer { lock.unlock() }
        displays.append((output, displayID))
    }

    func updateDisplay(_ output: RichOutput, displayID: String) {
        lock.lock(); defer { lock.unlock() }
        updates.append((output, displayID))
    }

    struct NoInput: Error {}

    func requestInput(prompt: String, password: Bool) throws -> String {
        lock.lock(); defer { lock.unlock() }
        prompts.append(prompt)
        guard !inputs.isEmpty else { throw NoInput() }
        return inputs.removeFirst()
    }
}

/// Runs cells in one session and returns what they produced.
final class Harness {
    let session = LanguageSession()
    let host = RecordingHost()

    @discardableResult
    func run(_ code: String) -> CellOutcome { session.execute(code, host: host) }

    /// The text of the cell's result, or a description of the failure.
    func result(_ code: String) -> String {
        switch run(code) {
        case .success(let output): return output?.text ?? "<none>"
        case .failure(let error): return "\(error.kind.rawValue): \(error.message)"
        case .interrupted: return "<interrupted>"
        }
    }

    func error(_ code: String) -> ScriptError? {
        if case .failure(let error) = run(code) { return error }
        return nil
    }
}
