/// Whether a cell is ready to run.
public enum CodeCompleteness: Sendable, Equatable {
    case complete
    /// More lines are needed; `indent` is the suggested indentation of the next line.
    case incomplete(indent: String)
    /// A syntax error that more lines cannot fix.
    case invalid
}

extension LanguageSession {
    /// "incomplete" for an open bracket, brace, string or comment, or a statement cut short at the
    /// end; "invalid" for any other syntax error; else "complete".
    public func isComplete(_ code: String) -> CodeCompleteness {
        let (tokens, lexError) = Lexer.tokenizePrefix(code)
        if let lexError {
            return lexError.atEndOfInput ? .incomplete(indent: indent(tokens)) : .invalid
        }
        var depth = 0
        for token in tokens {
            if case .symbol(let s) = token.kind {
                if s == "(" || s == "[" || s == "{" { depth += 1 }
                if s == ")" || s == "]" || s == "}" { depth -= 1 }
            }
            if depth < 0 { return .invalid }
        }
        if depth > 0 { return .incomplete(indent: indent(tokens)) }
        do {
            var parser = Parser(tokens: tokens)
            _ = try parser.parseProgram()
            return .complete
        } catch let error as ScriptError {
            return error.atEndOfInput ? .incomplete(indent: indent(tokens)) : .invalid
        } catch {
            return .invalid
        }
    }

    private func indent(_ tokens: [Token]) -> String {
        var braces = 0
        for token in tokens {
            if token.isSymbol("{") { braces += 1 }
            if token.isSymbol("}") { braces = max(0, braces - 1) }
        }
        return String(repeating: "    ", count: braces)
    }
}
