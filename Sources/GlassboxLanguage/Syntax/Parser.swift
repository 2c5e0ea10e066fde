/// Parses tokens into statements. Recursive descent; precedence from loosest to tightest:
/// `||`, `&&`, comparison, range, `+ -`, `* / %`, prefix `- !`, postfix (call, member, index).
public struct Parser {
    private var tokens: [Token]
    private var position = 0
    private var depth = 0
    /// The deepest nesting of brackets, blocks and prefix operators accepted (keeps recursion,
    /// and so the stack of the kernel's thread, bounded).
    public static let maximumNesting = 64

    /// The deepest syntax tree accepted: nesting plus operators chained like `a + b + c + …`
    /// (each makes the tree one level deeper, and evaluation recurses once per level).
    public static let maximumTreeDepth = 512
    private var treeDepth = 0
    /// The cell's lines, for the `///` comments above a `func`.
    private var sourceLines: [Substring] = []
    /// How many function bodies enclose the parser's position (`return` needs one).
    private var functionDepth = 0

    private mutating func deepen(_ token: Token, by amount: Int = 1) throws {
        treeDepth += amount
        if treeDepth > Parser.maximumTreeDepth {
            throw ScriptError(.syntax, "the expression is too long or nested too deeply (more than \(Parser.maximumTreeDepth) operators deep); split it with 'let'", at: token.range)
        }
    }

    private mutating func enter(_ token: Token) throws {
        try deepen(token)
        depth += 1
        if depth > Parser.maximumNesting {
            throw ScriptError(.syntax, "the code is nested too deeply (more than \(Parser.maximumNesting) levels of brackets, blocks or prefix operators)", at: token.range)
        }
    }

    public init(tokens: [Token]) {
        self.tokens = tokens
        if tokens.last?.kind != .endOfInput {
            let end = tokens.last?.range.end ?? .start
            self.tokens.append(Token(.endOfInput, SourceRange(end, end)))
        }
    }

    /// Parses a whole cell.
    public static func parse(_ source: String) throws -> [Statement] {
        var parser = Parser(tokens: try Lexer.tokenize(source))
        parser.sourceLines = source.split(separator: "\n", omittingEmptySubsequences: false)
        return try parser.parseProgram()
    }

    // MARK: - Token access

    private var current: Token { tokens[position] }
    private func peek(_ ahead: Int = 1) -> Token { tokens[min(position + ahead, tokens.count - 1)] }

    @discardableResult
    private mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private mutating func skipNewlines() {
        while current.kind == .newline { advance() }
    }

    private func error(_ message: String, at token: Token? = nil) -> ScriptError {
        let token = token ?? current
        return ScriptError(.syntax, message, at: token.range, atEndOfInput: token.kind == .endOfInput)
    }

    private func expectedError(_ what: String) -> ScriptError {
        error("expected \(what), found \(current.spelledForError)")
    }

    @discardableResult
    private mutating func expect(_ symbol: String, _ what: String? = nil) throws -> Token {
        guard current.isSymbol(symbol) else { throw expectedError(what ?? "'\(symbol)'") }
        return advance()
    }

    // MARK: - Statements

    public mutating func parseProgram() throws -> [Statement] {
        let statements = try parseStatements(until: nil)
        guard current.kind == .endOfInput else {
            throw error("unexpected \(current.spelledForError): expected a statement")
        }
        return statements
    }

    private mutating func parseStatements(until closer: String?) throws -> [Statement] {
        var statements: [Statement] = []
        while true {
            while current.kind == .newline || current.isSymbol(";") { advance() }
            if current.kind == .endOfInput { return statements }
            if let closer, current.isSymbol(closer) { return statements }
            if current.isSymbol("}") {
                throw error("unexpected '}': there is no open '{' to close")
            }
            var statement = try parseStatement()
            // A statement ends at a newline, ';', a closing brace or the end.
            if current.isSymbol(";") {
                if case .expression(let e, _) = statement { statement = .expression(e, silenced: true) }
                advance()
            } else if current.kind == .newline || current.kind == .endOfInput || current.isSymbol("}") {
                // fine
            } else {
                throw expectedError("a newline or ';' after the statement")
            }
            statements.append(statement)
        }
    }

    private mutating func parseBlock(_ owner: String) throws -> ([Statement], SourceLocation) {
        // Like Swift, the '{' may be on the next line.
        var lookahead = 0
        while peek(lookahead).kind == .newline { lookahead += 1 }
        if peek(lookahead).isSymbol("{") { for _ in 0..<lookahead { advance() } }
        guard current.isSymbol("{") else {
            if current.isSymbol("=") && owner != "else" {
                throw error("expected '{' to start the body of '\(owner)', found '='; use '==' to compare")
            }
            throw expectedError("'{' to start the body of '\(owner)'")
        }
        try enter(current)
        defer { depth -= 1; treeDepth -= 1 }
        let open = advance()
        let body = try parseStatements(until: "}")
        guard current.isSymbol("}") else {
            if current.kind == .endOfInput {
                throw ScriptError(.syntax, "expected '}' to close this '{' of '\(owner)', found end of input",
                                  at: open.range, atEndOfInput: true)
            }
            throw ScriptError(.syntax, "expected '}' to close the '{' of '\(owner)' at line \(open.range.start.line), column \(open.range.start.column)",
                              at: current.range)
        }
        let close = advance()
        return (body, close.range.end)
    }

    private mutating func parseStatement() throws -> Statement {
        let start = current
        switch current.kind {
        case .keyword(.let), .keyword(.var):
            let mutable = current.isKeyword(.var)
            advance()
            guard case .identifier(let name) = current.kind else {
                throw expectedError("a name after '\(mutable ? "var" : "let")'")
            }
            let nameToken = advance()
            if current.isSymbol("=") {
                advance()
                skipNewlines()
                let value = try parseExpression()
                return .binding(name: name, mutable: mutable, value: value, SourceRange(start.range.start, value.range.end))
            }
            if !mutable { throw expectedError("'=' and a value after 'let \(name)'") }
            return .binding(name: name, mutable: true, value: nil, SourceRange(start.range.start, nameToken.range.end))
        case .keyword(.if):
            return try parseIf()
        case .keyword(.for):
            advance()
            guard case .identifier(let name) = current.kind else { throw expectedError("a loop variable name after 'for'") }
            advance()
            guard current.isKeyword(.in) else { throw expectedError("'in' after 'for \(name)'") }
            advance()
            let sequence = try parseExpression()
            let (body, end) = try parseBlock("for")
            return .for(variable: name, sequence: sequence, body: body, SourceRange(start.range.start, end))
        case .keyword(.while):
            advance()
            let condition = try parseExpression()
            let (body, end) = try parseBlock("while")
            return .while(condition: condition, body: body, SourceRange(start.range.start, end))
        case .keyword(.break):
            advance()
            return .break(start.range)
        case .keyword(.continue):
            advance()
            return .continue(start.range)
        case .keyword(.func):
            return .function(try parseFunction())
        case .keyword(.return):
            guard functionDepth > 0 else { throw error("'return' is only allowed inside a function") }
            advance()
            if current.kind == .newline || current.kind == .endOfInput || current.isSymbol("}") || current.isSymbol(";") {
                return .return(nil, start.range)
            }
            let value = try parseExpression()
            return .return(value, SourceRange(start.range.start, value.range.end))
        default:
            let expression = try parseExpression()
            for op in ["=", "+=", "-=", "*=", "/="] where current.isSymbol(op) {
                let opToken = advance()
                switch expression {
                case .identifier, .index, .member: break
                default:
                    throw error("cannot assign to this expression: expected a variable name or an element 'name[index]' on the left of '\(op)'", at: opToken)
                }
                skipNewlines()
                let value = try parseExpression()
                return .assignment(target: expression, op: String(op.dropLast()), value: value,
                                   SourceRange(expression.range.start, value.range.end))
            }
            return .expression(expression, silenced: false)
        }
    }

    /// `func name(label param: Type = default, …) -> Type { body }` at the top level of a cell.
    private mutating func parseFunction() throws -> FunctionDeclaration {
        let start = advance()  // 'func'
        guard depth == 0, functionDepth == 0 else {
            throw error("functions are declared at the top level of a cell, not inside a block or another function", at: start)
        }
        guard case .identifier(let name) = current.kind else { throw expectedError("a function name after 'func'") }
        let nameToken = advance()
        let open = try expect("(", "'(' and the parameters after 'func \(name)'")
        var parameters: [FunctionParameter] = []
        while !current.isSymbol(")") {
            if current.kind == .endOfInput {
                throw ScriptError(.syntax, "expected ')' to close the parameters of '\(name)', found end of input", at: open.range, atEndOfInput: true)
            }
            let first = current
            var label: String?
            var parameterName: String
            if case .identifier("_") = current.kind {
                advance()
                guard case .identifier(let n) = current.kind else { throw expectedError("a parameter name after '_'") }
                label = nil
                parameterName = n
                advance()
            } else if case .identifier(let n) = current.kind {
                advance()
                if case .identifier(let inner) = current.kind {
                    label = n
                    parameterName = inner
                    advance()
                } else {
                    label = n
                    parameterName = n
                }
            } else {
                throw expectedError("a parameter name")
            }
            if parameters.contains(where: { $0.name == parameterName }) {
                throw error("the parameter '\(parameterName)' appears twice in '\(name)'", at: first)
            }
            if let label, parameters.contains(where: { $0.label == label }) {
                throw error("the argument label '\(label):' appears twice in '\(name)'", at: first)
            }
            var type: String?
            if current.isSymbol(":") {
                advance()
                guard case .identifier(let t) = current.kind else { throw expectedError("a type name after ':'") }
                type = t
                advance()
            }
            var defaultValue: Expression?
            if current.isSymbol("=") {
                advance()
                defaultValue = try parseExpression()
            }
            parameters.append(FunctionParameter(label: label, name: parameterName, type: type, defaultValue: defaultValue,
                                                range: SourceRange(first.range.start, tokens[max(position - 1, 0)].range.end)))
            if current.isSymbol(",") {
                advance()
            } else if !current.isSymbol(")") {
                if current.kind == .endOfInput { continue }
                throw expectedError("',' or ')' in the parameters of '\(name)'")
            }
        }
        advance()  // ')'
        var returnType: String?
        if current.isSymbol("->") {
            advance()
            guard case .identifier(let t) = current.kind else { throw expectedError("a result type after '->'") }
            returnType = t
            advance()
        }
        functionDepth += 1
        defer { functionDepth -= 1 }
        let (body, end) = try parseBlock("func \(name)")
        return FunctionDeclaration(name: name, nameRange: nameToken.range, parameters: parameters, returnType: returnType, body: body,
                                   documentation: documentation(above: start.range.start.line),
                                   range: SourceRange(start.range.start, end))
    }

    /// The `///` lines directly above line `line` (1-based), without their slashes.
    private func documentation(above line: Int) -> String {
        var collected: [String] = []
        var index = line - 2
        while index >= 0, index < sourceLines.count {
            let text = sourceLines[index].drop { $0 == " " || $0 == "\t" }
            guard text.hasPrefix("///") else { break }
            collected.insert(String(text.dropFirst(3).drop { $0 == " " }), at: 0)
            index -= 1
        }
        return collected.joined(separator: " ")
    }

    private mutating func parseIf() throws -> Statement {
        let start = advance()  // 'if'
        let condition = try parseExpression()
        let (then, thenEnd) = try parseBlock("if")
        var end = thenEnd
        var otherwise: [Statement]? = nil
        // `else` may follow on the same line as '}' or on the next line.
        var lookahead = 0
        while peek(lookahead).kind == .newline { lookahead += 1 }
        if peek(lookahead).isKeyword(.else) {
            for _ in 0..<lookahead { advance() }
            advance()  // else
            if current.isKeyword(.if) {
                let nested = try parseIf()
                otherwise = [nested]
                end = nested.range.end
            } else {
                let (body, elseEnd) = try parseBlock("else")
                otherwise = body
                end = elseEnd
            }
        }
        return .if(condition: condition, then: then, else: otherwise, SourceRange(start.range.start, end))
    }

    // MARK: - Expressions

    public mutating func parseExpression() throws -> Expression {
        try enter(current)
        defer { depth -= 1; treeDepth -= 1 }
        return try parseBinary(level: 0)
    }

    private static let levels: [[String]] = [
        ["||"], ["&&"], ["==", "!=", "<", "<=", ">", ">="], ["...", "..<"], ["+", "-"], ["*", "/", "%"],
    ]

    private func binaryLevel(_ token: Token) -> (String, Int)? {
        guard case .symbol(let op) = token.kind else { return nil }
        guard let level = Parser.levels.firstIndex(where: { $0.contains(op) }) else { return nil }
        return (op, level)
    }

    /// Swift's rule for a line that starts with a binary operator: with a space after it (`\n    - b`)
    /// the operator is binary and the expression goes on; written against its operand (`-b`) it is a
    /// prefix operator and starts a new statement. True when the newlines at the parser's position are
    /// followed by such a binary operator.
    private func continuesOnNextLine() -> Bool {
        guard current.kind == .newline else { return false }
        var ahead = 1
        while peek(ahead).kind == .newline { ahead += 1 }
        let op = peek(ahead)
        guard binaryLevel(op) != nil else { return false }
        let next = peek(ahead + 1)
        return next.kind == .newline || next.range.start.offset > op.range.end.offset
    }

    /// Precedence climbing: all binary operators of level `minLevel` or tighter, left-associative.
    private mutating func parseBinary(level minLevel: Int) throws -> Expression {
        var left = try parseUnary()
        var chained = 0
        defer { treeDepth -= chained }
        while true {
            if continuesOnNextLine() { skipNewlines() }
            guard let (op, level) = binaryLevel(current), level >= minLevel else { break }
            try deepen(current)
            chained += 1
            advance()
            skipNewlines()
            if current.kind == .endOfInput {
                throw error("expected an expression after '\(op)', found end of input")
            }
            let right = try parseBinary(level: level + 1)
            let range = SourceRange(left.range.start, right.range.end)
            if op == "..." || op == "..<" {
                left = .range(left, right, closed: op == "...", range)
                if let (next, nextLevel) = binaryLevel(current), nextLevel == level {
                    throw error("ranges cannot be chained: '\(op)' then '\(next)'", at: current)
                }
            } else {
                left = .binary(op, left, right, range)
                if level == 2, let (next, nextLevel) = binaryLevel(current), nextLevel == level {
                    throw error("comparisons cannot be chained: add parentheses or use '&&' between '\(op)' and '\(next)'", at: current)
                }
            }
        }
        return left
    }

    private mutating func parseUnary() throws -> Expression {
        if case .symbol(let op) = current.kind, op == "-" || op == "!" {
            try enter(current)
            defer { depth -= 1; treeDepth -= 1 }
            let opToken = advance()
            let operand = try parseUnary()
            // Fold literal negation so `-3` is one integer (and `-9223372036854775808` works in range).
            if op == "-" {
                if case .integer(let v, let r) = operand { return .integer(-v, SourceRange(opToken.range.start, r.end)) }
                if case .float(let v, let r) = operand { return .float(-v, SourceRange(opToken.range.start, r.end)) }
            }
            return .unary(op, operand, SourceRange(opToken.range.start, operand.range.end))
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws -> Expression {
        var expression = try parsePrimary()
        var chained = 0
        defer { treeDepth -= chained }
        while true {
            if current.isSymbol("(") || current.isSymbol("[") || current.isSymbol(".") {
                try deepen(current)
                chained += 1
            }
            if current.isSymbol("(") {
                let open = advance()
                var arguments: [CallArgument] = []
                while !current.isSymbol(")") {
                    if current.kind == .endOfInput {
                        throw ScriptError(.syntax, "expected ')' to close this '(', found end of input", at: open.range, atEndOfInput: true)
                    }
                    var label: String? = nil
                    var labelRange: SourceRange? = nil
                    if case .identifier(let name) = current.kind, peek().isSymbol(":") {
                        label = name
                        labelRange = current.range
                        advance(); advance()
                    }
                    let value = try parseExpression()
                    arguments.append(CallArgument(label: label, labelRange: labelRange, value: value))
                    if current.isSymbol(",") {
                        advance()
                    } else if !current.isSymbol(")") {
                        if current.kind == .endOfInput {
                            throw ScriptError(.syntax, "expected ')' to close this '(', found end of input", at: open.range, atEndOfInput: true)
                        }
                        throw expectedError("',' or ')' in the argument list")
                    }
                }
                let close = advance()
                expression = .call(expression, arguments, SourceRange(expression.range.start, close.range.end))
            } else if current.isSymbol("[") {
                let open = advance()
                if current.isSymbol("]") { throw expectedError("an index inside '[]'") }
                let index = try parseExpression()
                guard current.isSymbol("]") else {
                    if current.kind == .endOfInput {
                        throw ScriptError(.syntax, "expected ']' to close this '[', found end of input", at: open.range, atEndOfInput: true)
                    }
                    throw expectedError("']' after the index")
                }
                let close = advance()
                expression = .index(expression, index, SourceRange(expression.range.start, close.range.end))
            } else if current.isSymbol(".") {
                advance()
                guard case .identifier(let name) = current.kind else {
                    throw expectedError("a member name after '.'")
                }
                let nameToken = advance()
                expression = .member(expression, name, SourceRange(expression.range.start, nameToken.range.end))
            } else {
                return expression
            }
        }
    }

    private mutating func parsePrimary() throws -> Expression {
        let token = current
        switch token.kind {
        case .integer(let v): advance(); return .integer(v, token.range)
        case .float(let v): advance(); return .float(v, token.range)
        case .keyword(.true): advance(); return .bool(true, token.range)
        case .keyword(.false): advance(); return .bool(false, token.range)
        case .keyword(.nil): advance(); return .nil(token.range)
        case .identifier(let name): advance(); return .identifier(name, token.range)
        case .string(let parts):
            advance()
            var parsed: [InterpolatedPart] = []
            for part in parts {
                switch part {
                case .text(let text): parsed.append(.text(text))
                case .interpolation(let inner, let range):
                    // The interpolation's tokens end with its closing ')'.
                    var sub = Parser(tokens: inner)
                    sub.depth = depth
                    sub.treeDepth = treeDepth
                    if sub.current.isSymbol(")") {
                        throw ScriptError(.syntax, "expected an expression inside '\\(…)'", at: range)
                    }
                    let e = try sub.parseExpression()
                    guard sub.current.isSymbol(")") else {
                        throw ScriptError(.syntax, "expected ')' to end the interpolation, found \(sub.current.spelledForError)",
                                          at: sub.current.range)
                    }
                    parsed.append(.expression(e))
                }
            }
            return .string(parsed, token.range)
        case .symbol("("):
            advance()
            let inner = try parseExpression()
            guard current.isSymbol(")") else {
                if current.kind == .endOfInput {
                    throw ScriptError(.syntax, "expected ')' to close this '(', found end of input", at: token.range, atEndOfInput: true)
                }
                throw expectedError("')' to close the '(' at line \(token.range.start.line), column \(token.range.start.column)")
            }
            advance()
            return inner
        case .symbol("["):
            advance()
            // `[:]` is the empty dictionary.
            if current.isSymbol(":"), peek().isSymbol("]") {
                advance()
                let close = advance()
                return .dictionary([], SourceRange(token.range.start, close.range.end))
            }
            var items: [Expression] = []
            var entries: [DictionaryEntry] = []
            var isDictionary: Bool? = nil
            while !current.isSymbol("]") {
                if current.kind == .endOfInput {
                    throw ScriptError(.syntax, "expected ']' to close this '[', found end of input", at: token.range, atEndOfInput: true)
                }
                let item = try parseExpression()
                if isDictionary == nil { isDictionary = current.isSymbol(":") }
                if isDictionary == true {
                    guard current.isSymbol(":") else { throw expectedError("':' after the key in the dictionary") }
                    advance()
                    if current.kind == .endOfInput {
                        throw ScriptError(.syntax, "expected a value after ':', found end of input", at: token.range, atEndOfInput: true)
                    }
                    entries.append(DictionaryEntry(key: item, value: try parseExpression()))
                } else {
                    if current.isSymbol(":") { throw expectedError("',' or ']' in the list (a list cannot hold 'key: value' pairs)") }
                    items.append(item)
                }
                if current.isSymbol(",") {
                    advance()
                } else if !current.isSymbol("]") {
                    if current.kind == .endOfInput { continue }
                    throw expectedError(isDictionary == true ? "',' or ']' in the dictionary" : "',' or ']' in the list")
                }
            }
            let close = advance()
            let range = SourceRange(token.range.start, close.range.end)
            return isDictionary == true ? .dictionary(entries, range) : .list(items, range)
        case .endOfInput:
            throw error("expected an expression, found end of input")
        default:
            throw expectedError("an expression")
        }
    }
}
