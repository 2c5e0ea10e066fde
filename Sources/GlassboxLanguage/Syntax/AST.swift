/// An expression with its source range.
public indirect enum Expression: Sendable, Equatable {
    case integer(Int, SourceRange)
    case float(Double, SourceRange)
    case string([InterpolatedPart], SourceRange)
    case bool(Bool, SourceRange)
    case `nil`(SourceRange)
    case identifier(String, SourceRange)
    case list([Expression], SourceRange)
    /// `["dense": "epsilon", "conv": "zPlus"]`, or `[:]` (keys are Strings).
    case dictionary([DictionaryEntry], SourceRange)
    case unary(String, Expression, SourceRange)
    case binary(String, Expression, Expression, SourceRange)
    case range(Expression, Expression, closed: Bool, SourceRange)
    case member(Expression, String, SourceRange)
    case index(Expression, Expression, SourceRange)
    case call(Expression, [CallArgument], SourceRange)

    public var range: SourceRange {
        switch self {
        case .integer(_, let r), .float(_, let r), .string(_, let r), .bool(_, let r), .nil(let r),
             .identifier(_, let r), .list(_, let r), .dictionary(_, let r), .unary(_, _, let r), .binary(_, _, _, let r),
             .range(_, _, _, let r), .member(_, _, let r), .index(_, _, let r), .call(_, _, let r):
            return r
        }
    }
}

/// One `key: value` pair of a dictionary literal.
public struct DictionaryEntry: Sendable, Equatable {
    public var key: Expression
    public var value: Expression

    public init(key: Expression, value: Expression) {
        self.key = key
        self.value = value
    }
}

/// A piece of a string literal after parsing.
public enum InterpolatedPart: Sendable, Equatable {
    case text(String)
    case expression(Expression)
}

/// One argument of a call: an optional label and a value.
public struct CallArgument: Sendable, Equatable {
    public var label: String?
    public var labelRange: SourceRange?
    public var value: Expression

    public init(label: String?, labelRange: SourceRange? = nil, value: Expression) {
        self.label = label
        self.labelRange = labelRange
        self.value = value
    }
}

/// A statement with its source range.
public indirect enum Statement: Sendable, Equatable {
    case binding(name: String, mutable: Bool, value: Expression?, SourceRange)
    /// `target = value` or `target op= value` (`op` is "" for plain assignment).
    case assignment(target: Expression, op: String, value: Expression, SourceRange)
    case expression(Expression, silenced: Bool)
    case `if`(condition: Expression, then: [Statement], else: [Statement]?, SourceRange)
    case `for`(variable: String, sequence: Expression, body: [Statement], SourceRange)
    case `while`(condition: Expression, body: [Statement], SourceRange)
    case `break`(SourceRange)
    case `continue`(SourceRange)
    /// `func name(label param: Type = default, …) -> Type { … }`.
    case function(FunctionDeclaration)
    /// `return` or `return value` (only inside a function).
    case `return`(Expression?, SourceRange)

    public var range: SourceRange {
        switch self {
        case .binding(_, _, _, let r), .assignment(_, _, _, let r), .if(_, _, _, let r),
             .for(_, _, _, let r), .while(_, _, let r), .break(let r), .continue(let r), .return(_, let r):
            return r
        case .function(let f):
            return f.range
        case .expression(let e, _):
            return e.range
        }
    }
}

/// A user-defined function: its signature, body and the `///` lines above it (its help).
public struct FunctionDeclaration: Sendable, Equatable {
    public var name: String
    public var nameRange: SourceRange
    public var parameters: [FunctionParameter]
    /// The declared result type, if any (checked on return).
    public var returnType: String?
    public var body: [Statement]
    /// The text of the `///` comment lines just above `func`, without the slashes.
    public var documentation: String
    /// From `func` to the closing brace.
    public var range: SourceRange
}

/// One parameter: `label name: Type = default`; `_ name: Type` is positional, `name: Type` is
/// labelled `name`.
public struct FunctionParameter: Sendable, Equatable {
    /// The argument label callers write, or nil for `_`.
    public var label: String?
    public var name: String
    public var type: String?
    public var defaultValue: Expression?
    public var range: SourceRange
}
