/// One lexical token of the Glassbox language.
public struct Token: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case identifier(String)
        case keyword(Keyword)
        case integer(Int)
        case float(Double)
        /// A string literal: literal text and `\(…)` interpolations, each holding its own tokens.
        case string([StringPart])
        /// Punctuation and operators, spelled as in the source (`(`, `..<`, `+=`, …).
        case symbol(String)
        case newline
        case endOfInput
    }

    public var kind: Kind
    public var range: SourceRange

    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    /// How the token reads in an error message ("')'", "end of input", "identifier 'x'").
    public var spelledForError: String {
        switch kind {
        case .identifier(let name): return "identifier '\(name)'"
        case .keyword(let keyword): return "keyword '\(keyword.rawValue)'"
        case .integer(let value): return "number \(value)"
        case .float(let value): return "number \(value)"
        case .string: return "string literal"
        case .symbol(let symbol): return "'\(symbol)'"
        case .newline: return "end of line"
        case .endOfInput: return "end of input"
        }
    }

    public func isSymbol(_ symbol: String) -> Bool { kind == .symbol(symbol) }
    public func isKeyword(_ keyword: Keyword) -> Bool { kind == .keyword(keyword) }
}

/// A piece of a string literal.
public enum StringPart: Sendable, Equatable {
    case text(String)
    case interpolation([Token], SourceRange)
}

/// Reserved words.
public enum Keyword: String, Sendable, CaseIterable {
    case `let`, `var`, `if`, `else`, `for`, `in`, `while`, `break`, `continue`, `true`, `false`, `nil`, `func`, `return`
}
