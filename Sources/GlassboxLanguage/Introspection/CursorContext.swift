/// What surrounds a cursor in a cell: the word being typed, a receiver before a dot, and the call
/// whose parentheses contain the cursor.
struct CursorContext {
    /// Scalar offsets of the identifier around the cursor (empty when none).
    var wordStart: Int
    var wordEnd: Int
    /// The part of the word before the cursor.
    var prefix: String
    /// The whole word around the cursor.
    var word: String
    /// The tokens of the receiver before `.word` (e.g. `mnist.train`, `xs[0]`), when the word
    /// follows a dot; empty when the receiver is not a simple chain.
    var receiver: [Token]?
    /// The innermost open call containing the cursor: the callee's tokens (`f`, `xs.perDigit`)
    /// and the labels already written in it.
    var call: (callee: [Token], usedLabels: Set<String>)?
    /// True when the cursor is inside a string literal or comment.
    var insideLiteral: Bool

    init(code: String, cursor rawCursor: Int) {
        let scalars = Array(code.unicodeScalars)
        let cursor = max(0, min(rawCursor, scalars.count))
        var start = cursor
        while start > 0, Lexer.isIdentifierContinue(scalars[start - 1]) { start -= 1 }
        var end = cursor
        while end < scalars.count, Lexer.isIdentifierContinue(scalars[end]) { end += 1 }
        // A word cannot start with a digit (that is a number).
        if start < end, ("0"..."9").contains(scalars[start]) { start = cursor; end = cursor }
        wordStart = start
        wordEnd = end
        prefix = String(String.UnicodeScalarView(scalars[start..<cursor]))
        word = String(String.UnicodeScalarView(scalars[start..<end]))

        let before = String(String.UnicodeScalarView(scalars[0..<start]))
        let (tokens, error) = Lexer.tokenizePrefix(before)
        insideLiteral = error?.atEndOfInput == true
        var significant = tokens.filter { $0.kind != .endOfInput && $0.kind != .newline }
        receiver = nil
        if let last = significant.last, last.isSymbol("."), last.range.end.offset == start {
            significant.removeLast()
            receiver = CursorContext.chain(endingAt: significant)
        }
        // Find the innermost unclosed '(' and the callee before it.
        var stack: [Int] = []
        for (i, token) in significant.enumerated() {
            if token.isSymbol("(") || token.isSymbol("[") || token.isSymbol("{") { stack.append(i) }
            if token.isSymbol(")") || token.isSymbol("]") || token.isSymbol("}") { _ = stack.popLast() }
        }
        call = nil
        if let open = stack.last, significant[open].isSymbol("(") {
            let callee = CursorContext.chain(endingAt: Array(significant[..<open]))
            if !callee.isEmpty {
                var used = Set<String>()
                var depth = 0
                for i in (open + 1)..<significant.count {
                    let token = significant[i]
                    if token.isSymbol("(") || token.isSymbol("[") { depth += 1 }
                    if token.isSymbol(")") || token.isSymbol("]") { depth -= 1 }
                    if depth == 0, case .identifier(let name) = token.kind, i + 1 < significant.count,
                       significant[i + 1].isSymbol(":") {
                        used.insert(name)
                    }
                }
                call = (callee, used)
            }
        }
    }

    /// The postfix chain that ends the token list: names, literals, `.member` and `[index]`
    /// (e.g. `mnist.train.images[0]`); empty when the list does not end with one.
    static func chain(endingAt tokens: [Token]) -> [Token] {
        var i = tokens.count - 1
        var start = tokens.count
        while i >= 0 {
            let token = tokens[i]
            if token.isSymbol("]") {
                // Skip back to the matching '['.
                var depth = 0
                var j = i
                while j >= 0 {
                    if tokens[j].isSymbol("]") { depth += 1 }
                    if tokens[j].isSymbol("[") { depth -= 1; if depth == 0 { break } }
                    j -= 1
                }
                guard j >= 0 else { return [] }
                start = j
                i = j - 1
                continue
            }
            switch token.kind {
            case .identifier, .string, .integer, .float, .keyword(.true), .keyword(.false):
                start = i
                if i >= 1, tokens[i - 1].isSymbol(".") {
                    i -= 2
                    continue
                }
            default:
                break
            }
            break
        }
        return start < tokens.count ? Array(tokens[start...]) : []
    }
}

extension LanguageSession {
    /// The value of a receiver chain, evaluated only when it makes no calls (names, literals,
    /// properties and indexing have no side effects).
    func resolve(_ chain: [Token]) -> ScriptValue? {
        guard !chain.isEmpty, !chain.contains(where: { $0.isSymbol("(") }) else { return nil }
        var parser = Parser(tokens: chain)
        guard let expression = try? parser.parseExpression() else { return nil }
        return evaluateWithoutSideEffects(expression)
    }

    /// The builtin or method a callee chain names.
    func function(at chain: [Token]) -> Builtin? {
        guard case .identifier(let name)? = chain.last?.kind else { return nil }
        if chain.count == 1 {
            if case .function(let f)? = value(of: name) { return f }
            return registry[name]
        }
        guard chain.count >= 3, chain[chain.count - 2].isSymbol("."),
              let receiver = resolve(Array(chain.dropLast(2))) else { return nil }
        return Members.methods(of: receiver).first { $0.name == name }
    }
}
