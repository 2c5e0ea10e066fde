import Foundation
import GlassboxEngine

/// How a cell ended.
public enum CellOutcome: Sendable {
    /// It ran; the value of its last expression, if any, ready to display.
    case success(RichOutput?)
    /// It failed; bindings made before the error are kept.
    case failure(ScriptError)
    /// It was interrupted.
    case interrupted
}

/// One user's running state: variables (kept across cells and errors), builtins, cancellation.
///
/// `execute`, `complete`, `inspect` and `isComplete` are called one at a time; `interrupt()` may be
/// called from any thread while `execute` runs.
public final class LanguageSession: @unchecked Sendable {
    /// Cancelled by `interrupt()`, reset at the start of every cell.
    public let cancellation = CancellationToken()
    /// The builtins this session knows.
    public private(set) var registry: BuiltinRegistry
    private var interpreter: Interpreter!
    private let counterLock = NSLock()
    private var displayCounter = 0
    /// The running cell's progress display, made by the first work monitor of the cell.
    private var cellProgress: ProgressReporter?

    public init(registry: BuiltinRegistry = .standard) {
        self.registry = registry
        self.interpreter = Interpreter(session: self)
    }

    /// Adds (or replaces) a builtin; this is how later bindings extend the language.
    public func register(_ builtin: Builtin) { registry.register(builtin) }

    /// Runs one cell.
    public func execute(_ code: String, host: any LanguageHost) -> CellOutcome {
        cancellation.reset()
        interpreter.host = host
        interpreter.source = code
        counterLock.withLock { cellProgress = nil }
        do {
            let statements = try Parser.parse(code)
            let result = try interpreter.run(statements)
            interpreter.environment.resetScopes()
            guard let result else { return .success(nil) }
            if case .nil = result { return .success(nil) }
            return .success(try Display.output(for: result))
        } catch let error as ScriptError {
            interpreter.environment.resetScopes()
            return error.kind == .interrupted ? .interrupted : .failure(error)
        } catch is CancellationError {
            interpreter.environment.resetScopes()
            return .interrupted
        } catch {
            interpreter.environment.resetScopes()
            return .failure(ScriptError(.runtime, "\(error)"))
        }
    }

    /// Runs a user-defined function (the body of its `Builtin`).
    func callUser(_ declaration: FunctionDeclaration, source: String, arguments: BoundArguments) throws -> ScriptValue {
        try interpreter.callUser(declaration, source: source, arguments: arguments)
    }

    /// Asks the running cell to stop; safe from any thread.
    public func interrupt() { cancellation.cancel() }

    /// The value of a global variable.
    public func value(of name: String) -> ScriptValue? { interpreter.environment.lookup(name)?.value }

    /// Sets a global variable (for hosts and tests).
    public func define(_ name: String, _ value: ScriptValue, mutable: Bool = false) {
        interpreter.environment.declare(name, .init(value: value, mutable: mutable, declared: nil))
    }

    /// Names of the global variables.
    public var variableNames: [String] { interpreter.environment.visibleNames }

    /// Evaluates a call-free expression (for completion and inspection); nil on any error.
    func evaluateWithoutSideEffects(_ expression: Expression) -> ScriptValue? {
        try? interpreter.evaluate(expression)
    }

    /// The one progress display of the running cell (every work monitor of the cell reports to it),
    /// made on first use with the host's delay.
    func progressReporter(for host: any LanguageHost) -> ProgressReporter {
        counterLock.lock()
        defer { counterLock.unlock() }
        if let cellProgress { return cellProgress }
        let reporter = ProgressReporter(host: host, displayID: makeDisplayID(prefix: "progress"), delay: host.progressDelay)
        cellProgress = reporter
        return reporter
    }

    /// A fresh display id such as "progress-3".
    public func nextDisplayID(prefix: String) -> String {
        counterLock.lock()
        defer { counterLock.unlock() }
        return makeDisplayID(prefix: prefix)
    }

    /// The next display id; the caller holds `counterLock`.
    private func makeDisplayID(prefix: String) -> String {
        displayCounter += 1
        return "glassbox-\(prefix)-\(ProcessInfo.processInfo.processIdentifier)-\(displayCounter)"
    }
}

/// How values become rich outputs.
public enum Display {
    /// The display of `value`: the object's rich output, or its text.
    public static func output(for value: ScriptValue) throws -> RichOutput {
        if case .object(let object) = value, let rich = try object.richOutput() {
            return rich
        }
        if case .function(let builtin) = value {
            return RichOutput(text: builtin.helpText, markdown: builtin.helpMarkdown)
        }
        return RichOutput(text: value.repr)
    }
}
