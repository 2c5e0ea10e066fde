/// An error of a Glassbox cell: what kind, what went wrong, where, and what the user may have meant.
public struct ScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The family of the error; its `rawValue` is the `ename` Jupyter shows.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case syntax = "SyntaxError"
        case name = "NameError"
        case type = "TypeError"
        case value = "ValueError"
        case index = "IndexError"
        case arithmetic = "ArithmeticError"
        case runtime = "RuntimeError"
        case interrupted = "Interrupted"
        /// A failed `assert` or `check` (an autograder marks the cell wrong).
        case assertion = "AssertionError"
        /// A request over the kernel's memory budget (`GLASSBOX_MEMORY_LIMIT`); the session lives on.
        case memory = "MemoryError"
    }

    public var kind: Kind
    public var message: String
    /// Where in the cell; `nil` until the interpreter attaches the location of the failing call.
    public var range: SourceRange?
    /// Names the user may have meant.
    public var suggestions: [String]
    /// True for syntax errors at the end of the text, which more lines could fix.
    public var atEndOfInput: Bool
    /// The user-defined functions the error passed through, innermost first: where in each
    /// function's own cell it happened (the error's `range` is then the outermost call).
    public var frames: [CallFrame] = []

    public init(_ kind: Kind, _ message: String, at range: SourceRange? = nil,
                suggestions: [String] = [], atEndOfInput: Bool = false) {
        self.kind = kind
        self.message = message
        self.range = range
        self.suggestions = suggestions
        self.atEndOfInput = atEndOfInput
    }

    /// The error with `range` set if it had none.
    public func located(_ range: SourceRange) -> ScriptError {
        var copy = self
        if copy.range == nil { copy.range = range }
        return copy
    }

    /// One line: "NameError at 1:5: cannot find 'x' in scope".
    public var description: String {
        if let range { return "\(kind.rawValue) at \(range.start): \(message)" }
        return "\(kind.rawValue): \(message)"
    }

    /// "did you mean 'a', 'b' or 'c'?" or nil.
    public var suggestionLine: String? {
        guard !suggestions.isEmpty else { return nil }
        let quoted = suggestions.map { "'\($0)'" }
        if quoted.count == 1 { return "did you mean \(quoted[0])?" }
        return "did you mean \(quoted.dropLast().joined(separator: ", ")) or \(quoted.last!)?"
    }
}

/// One user-defined function an error passed through.
public struct CallFrame: Sendable, Equatable {
    /// The function's name.
    public var function: String
    /// The source of the cell that declared it.
    public var source: String
    /// Where in that source the error (or the next call) happened.
    public var range: SourceRange?

    public init(function: String, source: String, range: SourceRange?) {
        self.function = function
        self.source = source
        self.range = range
    }
}
