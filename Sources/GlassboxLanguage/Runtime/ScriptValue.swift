import GlassboxEngine

/// A value of the Glassbox language.
///
/// Numbers keep the Int/Double distinction: integer literals and `+ - * %` on two integers give
/// integers; `/`, any float operand and the maths builtins give doubles.
public enum ScriptValue: Sendable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case `nil`
    case list([ScriptValue])
    /// String keys to values, in the order written (`["dense": "epsilon"]`).
    case dictionary(ScriptDictionary)
    case range(IntRange)
    case tensor(Tensor)
    case function(Builtin)
    case object(any ScriptObject)

    /// The type name shown by `type(of:)` and in error messages.
    public var typeName: String {
        switch self {
        case .int: return "Int"
        case .double: return "Double"
        case .string: return "String"
        case .bool: return "Bool"
        case .nil: return "Nil"
        case .list: return "List"
        case .dictionary: return "Dictionary"
        case .range: return "Range"
        case .tensor: return "Tensor"
        case .function: return "Function"
        case .object(let object): return object.typeName
        }
    }

    /// The value as a Double, when it is a number.
    public var numberValue: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        default: return nil
        }
    }

    /// How `print` shows the value (strings without quotes).
    public var printed: String {
        if case .string(let s) = self { return s }
        return repr
    }

    /// How a cell result shows the value (strings quoted).
    public var repr: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return ScriptValue.format(v)
        case .string(let s): return "\"" + s.replacingEscapes() + "\""
        case .bool(let b): return b ? "true" : "false"
        case .nil: return "nil"
        case .list(let items):
            let shown = items.prefix(100).map(\.repr).joined(separator: ", ")
            return "[" + shown + (items.count > 100 ? ", … (\(items.count) items)" : "") + "]"
        case .dictionary(let d):
            guard !d.entries.isEmpty else { return "[:]" }
            let shown = d.entries.prefix(100).map { ScriptValue.string($0.key).repr + ": " + $0.value.repr }.joined(separator: ", ")
            return "[" + shown + (d.entries.count > 100 ? ", … (\(d.entries.count) entries)" : "") + "]"
        case .range(let r): return r.description
        case .tensor(let t): return ScriptValue.describe(t)
        case .function(let f): return f.signature
        case .object(let o): return o.textDescription
        }
    }

    /// Shortest round-tripping form; integral values keep a ".0" so they read as Double. Negative
    /// zero (e.g. `-2 * 0.0`) is shown as "0.0": the display normalises it, the value keeps its sign.
    public static func format(_ v: Double) -> String {
        if v == 0 { return "0.0" }
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        return "\(v)"
    }

    static func describe(_ t: Tensor) -> String { TensorFormatter.describe(t) }

    /// The deepest nesting of lists accepted (keeps display, comparison and `tensor` bounded).
    public static let maximumListNesting = 32

    /// How deeply lists nest in this value (0 for a non-list), counting at most to `limit + 1`.
    func listNesting(limit: Int = ScriptValue.maximumListNesting) -> Int {
        let items: [ScriptValue]
        switch self {
        case .list(let values): items = values
        case .dictionary(let d): items = d.entries.map(\.value)
        default: return 0
        }
        if limit <= 0 { return 1 }
        var deepest = 0
        for item in items {
            switch item {
            case .list, .dictionary: deepest = max(deepest, item.listNesting(limit: limit - 1))
            default: break
            }
        }
        return 1 + deepest
    }

    /// Throws when lists nest deeper than `maximumListNesting`.
    func checkListNesting(at range: SourceRange) throws {
        if listNesting() > ScriptValue.maximumListNesting {
            throw ScriptError(.value, "lists are nested too deeply (more than \(ScriptValue.maximumListNesting) levels)", at: range)
        }
    }

    /// Whether the value counts as true in `if`/`while`/`&&`; only Bool is allowed.
    func truth(_ what: String, at range: SourceRange) throws -> Bool {
        guard case .bool(let b) = self else {
            throw ScriptError(.type, "\(what) must be a Bool, got \(typeName) \(repr.prefix(40))", at: range)
        }
        return b
    }
}

/// An integer range `a..<b` (closed ranges are stored half-open).
public struct IntRange: Sendable, Equatable, CustomStringConvertible {
    public var lower: Int
    public var upper: Int
    /// Whether it was written `a...b` (for display).
    public var closed: Bool

    public init(lower: Int, upper: Int, closed: Bool) {
        self.lower = lower
        self.upper = upper
        self.closed = closed
    }

    /// The number of integers in the range (at most `Int.max`).
    public var count: Int {
        let (difference, overflow) = upper.subtractingReportingOverflow(lower)
        return overflow ? Int.max : max(0, difference)
    }
    public var description: String { closed ? "\(lower)...\(upper - 1)" : "\(lower)..<\(upper)" }
}

extension ScriptValue: Equatable {
    public static func == (lhs: ScriptValue, rhs: ScriptValue) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.int(let a), .double(let b)): return Double(a) == b
        case (.double(let a), .int(let b)): return a == Double(b)
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.nil, .nil): return true
        case (.list(let a), .list(let b)): return a == b
        case (.dictionary(let a), .dictionary(let b)): return a == b
        case (.range(let a), .range(let b)): return a.lower == b.lower && a.upper == b.upper
        case (.tensor(let a), .tensor(let b)): return a == b
        case (.function(let a), .function(let b)): return a.name == b.name
        default: return false
        }
    }
}

/// The value of a dictionary literal: String keys (unique) in the order written.
public struct ScriptDictionary: Sendable, Equatable {
    public private(set) var entries: [(key: String, value: ScriptValue)]

    public init(_ entries: [(key: String, value: ScriptValue)] = []) {
        self.entries = []
        for entry in entries { self[entry.key] = entry.value }
    }

    /// The value for `key`, or nil; setting replaces an existing key in place or appends.
    public subscript(key: String) -> ScriptValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    public var keys: [String] { entries.map(\.key) }

    public static func == (lhs: ScriptDictionary, rhs: ScriptDictionary) -> Bool {
        lhs.entries.count == rhs.entries.count && lhs.entries.allSatisfy { rhs[$0.key] == $0.value }
    }
}
