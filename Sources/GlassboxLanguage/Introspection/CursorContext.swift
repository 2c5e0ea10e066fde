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
    /// Identifier chain before `.word` (e.g. ["mnist", "train"]), when the word follows a dot.
    var receiverPath: [String]?
    /// The innermost open call containing the cursor: callee path (["f"] or ["xs", "perDigit"]) and
    /// the labels already written in it.
    var call: (callee: [String], usedLabels: Set<String>)?
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
        receiverPath = nil
        if let last = significant.last, last.isSymbol("."), last.range.end.offset == start {
            significant.removeLast()
            receiverPath = CursorContext.path(endingAt: significant)
        }
        // Find the innermost unclosed '(' and the callee before it.
        var stack: [Int] = []
        for (i, token) in significant.enumerated() {
            if token.isSymbol("(") || token.isSymbol("[") || token.isSymbol("{") { stack.append(i) }
            if token.isSymbol(")") || token.isSymbol("]") || token.isSymbol("}") { _ = stack.popLast() }
        }
        call = nil
        if let open = stack.last, significant[open].isSymbol("(") {
            let callee = CursorContext.path(endingAt: Array(significant[..<open]))
            if let callee, !callee.isEmpty {
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

    /// The `a.b.c` identifier chain that ends the token list, or nil.
    static func path(endingAt tokens: [Token]) -> [String]? {
        var names: [String] = []
        var i = tokens.count - 1
        while i >= 0 {
            guard case .identifier(let name) = tokens[i].kind else { break }
            names.insert(name, at: 0)
            if i >= 1, tokens[i - 1].isSymbol("."), tokens[i - 1].range.end.offset == tokens[i].range.start.offset {
                i -= 2
            } else {
                break
            }
        }
        return names.isEmpty ? nil : names
    }
}

extension LanguageSession {
    /// The value of an `a.b.c` chain made of variables and properties (no calls are made).
    func resolve(_ path: [String]) -> ScriptValue? {
        guard let first = path.first else { return nil }
        var value: ScriptValue
        if let v = self.value(of: first) {
            value = v
        } else if let builtin = registry[first] {
            value = .function(builtin)
        } else {
            return nil
        }
        for name in path.dropFirst() {
            guard let next = try? Members.property(of: value, name, at: SourceRange(.start, .start)) else { return nil }
            value = next
        }
        return value
    }

    /// The builtin or method a call path names.
    func function(at path: [String]) -> Builtin? {
        if path.count == 1 {
            if case .function(let f)? = value(of: path[0]) { return f }
            return registry[path[0]]
        }
        guard let receiver = resolve(Array(path.dropLast())) else { return nil }
        return Members.methods(of: receiver).first { $0.name == path.last! }
    }
}
