import Foundation

/// Turns source text into tokens. Positions are counted in Unicode scalars.
///
/// Newlines inside `(…)` and `[…]` are dropped (an expression continues across them); newlines
/// elsewhere separate statements. Identifiers are normalised to NFC, so `café` typed with a
/// precomposed `é` and with `e` + U+0301 (combining acute accent) is the same name. Lexing is one
/// pass over the source, linear in its length.
public struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private var bracketDepth = 0
    private var interpolationDepth = 0
    /// The deepest nesting of string interpolations accepted.
    public static let maximumInterpolationNesting = 16
    /// The longest identifier accepted, in Unicode scalars (a longer one is a `SyntaxError`).
    public static let maximumIdentifierLength = 1000

    public init(_ source: String) {
        self.scalars = Array(source.unicodeScalars)
    }

    private init(scalars: [Unicode.Scalar], at location: SourceLocation) {
        self.scalars = scalars
        self.index = location.offset
        self.line = location.line
        self.column = location.column
    }

    /// All tokens, ending with `.endOfInput`; throws a `SyntaxError`-kind `ScriptError` on bad input.
    public static func tokenize(_ source: String) throws -> [Token] {
        var lexer = Lexer(source)
        return try lexer.tokenizeAll()
    }

    /// As many tokens as can be read; stops quietly at the first error (for completion).
    public static func tokenizePrefix(_ source: String) -> (tokens: [Token], error: ScriptError?) {
        var lexer = Lexer(source)
        var tokens: [Token] = []
        do {
            while true {
                let token = try lexer.next()
                tokens.append(token)
                if token.kind == .endOfInput { break }
            }
            return (tokens, nil)
        } catch let error as ScriptError {
            return (tokens, error)
        } catch {
            return (tokens, nil)
        }
    }

    mutating func tokenizeAll() throws -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .endOfInput { return tokens }
        }
    }

    private var location: SourceLocation { SourceLocation(line: line, column: column, offset: index) }
    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        index + ahead < scalars.count ? scalars[index + ahead] : nil
    }

    private mutating func advance() -> Unicode.Scalar {
        let scalar = scalars[index]
        index += 1
        if scalar == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        return scalar
    }

    /// A letter of any script or `_` (ASCII answered without a Unicode property lookup).
    static func isIdentifierStart(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII {
            let v = s.value
            return (0x61...0x7A).contains(v) || (0x41...0x5A).contains(v) || v == 0x5F
        }
        return s.properties.isAlphabetic
    }

    /// Letters, `_`, digits, and the combining marks that decomposed letters are written with.
    static func isIdentifierContinue(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return isIdentifierStart(s) || (0x30...0x39).contains(s.value) }
        if s.properties.isAlphabetic { return true }
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    /// Reads an identifier or keyword starting at the current scalar.
    private mutating func identifier(_ start: SourceLocation) throws -> Token {
        var name = String.UnicodeScalarView()
        var ascii = true
        // An identifier never spans a newline, so only the index and column move here.
        while index < scalars.count, Lexer.isIdentifierContinue(scalars[index]) {
            let scalar = scalars[index]
            if index - start.offset < Lexer.maximumIdentifierLength { name.append(scalar) }
            ascii = ascii && scalar.isASCII
            index += 1
            column += 1
        }
        let length = index - start.offset
        guard length <= Lexer.maximumIdentifierLength else {
            throw ScriptError(.syntax, "identifier '\(String(name).prefix(20))…' is \(length) characters long; "
                              + "identifiers may have at most \(Lexer.maximumIdentifierLength) characters",
                              at: SourceRange(start, location))
        }
        let text = ascii ? String(name) : String(name).precomposedStringWithCanonicalMapping
        let kind: Token.Kind = Keyword(rawValue: text).map { .keyword($0) } ?? .identifier(text)
        return Token(kind, SourceRange(start, location))
    }

    private mutating func skipTrivia() throws {
        while let scalar = peek() {
            if scalar == " " || scalar == "\t" || scalar == "\r" {
                _ = advance()
            } else if scalar == "\n" && bracketDepth > 0 {
                _ = advance()
            } else if scalar == "/" && peek(1) == "/" {
                while let s = peek(), s != "\n" { _ = advance() }
            } else if scalar == "/" && peek(1) == "*" {
                let start = location
                _ = advance(); _ = advance()
                var depth = 1
                while depth > 0 {
                    guard let s = peek() else {
                        throw ScriptError(
                            .syntax, "unterminated comment: expected '*/' to close '/*'",
                            at: SourceRange(start, SourceLocation(line: start.line, column: start.column + 2, offset: start.offset + 2)),
                            atEndOfInput: true)
                    }
                    if s == "*" && peek(1) == "/" {
                        _ = advance(); _ = advance(); depth -= 1
                    } else if s == "/" && peek(1) == "*" {
                        _ = advance(); _ = advance(); depth += 1
                    } else {
                        _ = advance()
                    }
                }
            } else {
                return
            }
        }
    }

    private static let symbols: [String] = [
        "..<", "...", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "->",
        "+", "-", "*", "/", "%", "<", ">", "=", "!", "(", ")", "[", "]", "{", "}", ",", ":", ";", ".",
    ]

    /// The next token.
    public mutating func next() throws -> Token {
        try skipTrivia()
        let start = location
        guard let scalar = peek() else { return Token(.endOfInput, SourceRange(start, start)) }
        if scalar == "\n" {
            _ = advance()
            return Token(.newline, SourceRange(start, location))
        }
        if Lexer.isIdentifierStart(scalar) { return try identifier(start) }
        if ("0"..."9").contains(scalar) { return try number(start) }
        if scalar == "\"" { return try string(start) }
        for symbol in Lexer.symbols where matches(symbol) {
            for _ in symbol.unicodeScalars { _ = advance() }
            switch symbol {
            case "(", "[": bracketDepth += 1
            case ")", "]": bracketDepth = max(0, bracketDepth - 1)
            default: break
            }
            return Token(.symbol(symbol), SourceRange(start, location))
        }
        _ = advance()
        throw ScriptError(.syntax, "unexpected character '\(Character(scalar))'", at: SourceRange(start, location))
    }

    private func matches(_ symbol: String) -> Bool {
        var offset = 0
        for s in symbol.unicodeScalars {
            guard peek(offset) == s else { return false }
            offset += 1
        }
        return true
    }

    private mutating func number(_ start: SourceLocation) throws -> Token {
        var text = ""
        var isFloat = false
        func digits(_ lexer: inout Lexer, _ text: inout String) {
            while let s = lexer.peek(), ("0"..."9").contains(s) || s == "_" {
                let d = lexer.advance()
                if d != "_" { text.unicodeScalars.append(d) }
            }
        }
        digits(&self, &text)
        // A fraction needs a digit after the dot, so `0...9` and `xs.count` stay intact.
        if peek() == ".", let after = peek(1), ("0"..."9").contains(after) {
            isFloat = true
            text.unicodeScalars.append(advance())
            digits(&self, &text)
        }
        if let e = peek(), e == "e" || e == "E" {
            var ahead = 1
            if let sign = peek(1), sign == "+" || sign == "-" { ahead = 2 }
            if let d = peek(ahead), ("0"..."9").contains(d) {
                isFloat = true
                for _ in 0..<ahead { text.unicodeScalars.append(advance()) }
                digits(&self, &text)
            }
        }
        if let s = peek(), Lexer.isIdentifierStart(s) {
            while let s = peek(), Lexer.isIdentifierContinue(s) { _ = advance() }
            throw ScriptError(.syntax, "invalid number literal: expected a digit, an exponent or a separator",
                              at: SourceRange(start, location))
        }
        let range = SourceRange(start, location)
        if isFloat {
            guard let value = Double(text) else {
                throw ScriptError(.syntax, "invalid number literal '\(text)'", at: range)
            }
            return Token(.float(value), range)
        }
        guard let value = Int(text) else {
            throw ScriptError(.syntax, "integer literal '\(text)' is too large (maximum \(Int.max))", at: range)
        }
        return Token(.integer(value), range)
    }

    private mutating func string(_ start: SourceLocation) throws -> Token {
        _ = advance()  // opening quote
        var parts: [StringPart] = []
        var text = ""
        while true {
            guard let s = peek(), s != "\n" else {
                throw ScriptError(.syntax, "unterminated string literal: expected '\"' to close it",
                                  at: SourceRange(start, SourceLocation(line: start.line, column: start.column + 1, offset: start.offset + 1)),
                                  atEndOfInput: peek() == nil)
            }
            if s == "\"" {
                _ = advance()
                break
            }
            if s == "\\" {
                let escapeStart = location
                _ = advance()
                guard let e = peek(), e != "\n" else {
                    throw ScriptError(.syntax, "unterminated string literal: expected '\"' to close it",
                                      at: SourceRange(start, SourceLocation(line: start.line, column: start.column + 1, offset: start.offset + 1)),
                                      atEndOfInput: peek() == nil)
                }
                _ = advance()
                switch e {
                case "n": text += "\n"
                case "t": text += "\t"
                case "r": text += "\r"
                case "0": text += "\0"
                case "\\": text += "\\"
                case "\"": text += "\""
                case "'": text += "'"
                case "(":
                    if !text.isEmpty { parts.append(.text(text)); text = "" }
                    parts.append(try interpolation(escapeStart))
                default:
                    throw ScriptError(.syntax, "invalid escape sequence '\\\(Character(e))' in string: expected one of \\n \\t \\r \\0 \\\\ \\\" \\(…)",
                                      at: SourceRange(escapeStart, location))
                }
                continue
            }
            text.unicodeScalars.append(advance())
        }
        if !text.isEmpty || parts.isEmpty { parts.append(.text(text)) }
        return Token(.string(parts), SourceRange(start, location))
    }

    /// Reads the tokens of `\( … )` up to the matching `)`.
    private mutating func interpolation(_ start: SourceLocation) throws -> StringPart {
        guard interpolationDepth < Lexer.maximumInterpolationNesting else {
            throw ScriptError(.syntax, "string interpolations are nested too deeply (more than \(Lexer.maximumInterpolationNesting) levels)",
                              at: SourceRange(start, location))
        }
        var inner = Lexer(scalars: scalars, at: location)
        inner.bracketDepth = 1
        inner.interpolationDepth = interpolationDepth + 1
        var tokens: [Token] = []
        while true {
            let token = try inner.next()
            if token.kind == .endOfInput || token.kind == .newline {
                throw ScriptError(.syntax, "unterminated interpolation: expected ')' to close '\\('",
                                  at: SourceRange(start, SourceLocation(line: start.line, column: start.column + 2, offset: start.offset + 2)),
                                  atEndOfInput: token.kind == .endOfInput)
            }
            tokens.append(token)
            if token.isSymbol(")") && inner.bracketDepth == 0 { break }
        }
        let end = inner.location
        // Catch up with the inner lexer.
        index = inner.index
        line = inner.line
        column = inner.column
        return .interpolation(tokens, SourceRange(start, end))
    }
}
