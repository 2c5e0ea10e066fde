import GlassboxEngine

/// Properties and methods of the built-in value types, and dispatch to `ScriptObject`s.
enum Members {
    /// Property names of a value, for completion and suggestions.
    static func propertyNames(of value: ScriptValue) -> [String] {
        switch value {
        case .string: return ["count", "isEmpty"]
        case .list: return ["count", "isEmpty", "first", "last"]
        case .dictionary: return ["count", "isEmpty", "keys", "values"]
        case .range: return ["count", "lowerBound", "upperBound"]
        case .tensor: return ["shape", "count", "rank"]
        case .object(let o): return o.propertyNames
        default: return []
        }
    }

    /// Methods of a value.
    static func methods(of value: ScriptValue) -> [Builtin] {
        switch value {
        case .string(let s):
            return [
                noArgument("uppercased", "String", "The string in upper case.", "\"abc\".uppercased()") { .string(s.uppercased()) },
                noArgument("lowercased", "String", "The string in lower case.", "\"ABC\".lowercased()") { .string(s.lowercased()) },
                oneString("contains", "Whether the string contains `text`.", "\"digit 7\".contains(\"7\")") { .bool(s.contains($0)) },
                oneString("hasPrefix", "Whether the string starts with `text`.", "\"mnist-cnn\".hasPrefix(\"mnist\")") { .bool(s.hasPrefix($0)) },
                oneString("hasSuffix", "Whether the string ends with `text`.", "\"model.safetensors\".hasSuffix(\".safetensors\")") { .bool(s.hasSuffix($0)) },
                Builtin(
                    name: "split",
                    parameters: [BuiltinParameter("separator", type: "String", default: .string(" "), doc: "where to cut (not empty)")],
                    returns: "List", summary: "The pieces between separators (empty pieces are kept).",
                    example: "\"a,b,c\".split(separator: \",\")"
                ) { args, _ in
                    let separator = try args.string("separator")
                    guard !separator.isEmpty else { throw args.error(.value, "separator", "must not be empty") }
                    return .list(s.components(separatedBy: separator).map { .string($0) })
                },
            ]
        case .list(let items):
            return [
                noArgument("sum", "Number", "The sum of the numbers in the list (an Int when all are Ints).", "[1, 2, 3].sum()") {
                    var total = ScriptValue.int(0)
                    for (i, item) in items.enumerated() {
                        guard item.numberValue != nil else {
                            throw ScriptError(.type, "sum: item \(i) is a \(item.typeName), not a number")
                        }
                        total = try Operators.binary("+", total, item, at: SourceRange(.start, .start))
                    }
                    return total
                },
                noArgument("reversed", "List", "The items in reverse order.", "[1, 2, 3].reversed()") { .list(items.reversed()) },
                noArgument("sorted", "List", "The items in increasing order (all numbers or all strings).", "[3, 1, 2].sorted()") {
                    if items.allSatisfy({ $0.numberValue != nil }) {
                        return .list(items.sorted { $0.numberValue! < $1.numberValue! })
                    }
                    let strings = items.compactMap { item -> String? in if case .string(let t) = item { return t } else { return nil } }
                    guard strings.count == items.count else {
                        throw ScriptError(.type, "sorted: the items must be all numbers or all strings")
                    }
                    return .list(strings.sorted().map { .string($0) })
                },
                Builtin(
                    name: "contains",
                    parameters: [BuiltinParameter(nil, name: "item", type: "Any", doc: "the value to look for")],
                    returns: "Bool", summary: "Whether the list holds a value equal to `item`.",
                    example: "[1, 2, 3].contains(2)"
                ) { args, _ in .bool(items.contains(args.value("item"))) },
                Builtin(
                    name: "firstIndex",
                    parameters: [BuiltinParameter("of", type: "Any", doc: "the value to look for")],
                    returns: "Int", summary: "The index of the first item equal to `of`, or nil.",
                    example: "[\"a\", \"b\"].firstIndex(of: \"b\")"
                ) { args, _ in items.firstIndex(of: args.value("of")).map { .int($0) } ?? .nil },
                Builtin(
                    name: "joined",
                    parameters: [BuiltinParameter("separator", type: "String", default: .string(""), doc: "text between two items")],
                    returns: "String", summary: "The items as text, one after the other.",
                    example: "[1, 2, 3].joined(separator: \", \")"
                ) { args, _ in
                    let separator = try args.string("separator")
                    let pieces = items.map(\.printed)
                    let bytes = WorkingMemory.sum(pieces.map(\.utf8.count) + [WorkingMemory.product([separator.utf8.count, Swift.max(pieces.count - 1, 0)])])
                    try Operators.reserve(bytes, for: "joined: a string of \(bytes) bytes", at: nil)
                    return .string(pieces.joined(separator: separator))
                },
            ]
        case .tensor(let t):
            func reduce(_ name: String, _ summary: String, _ f: @escaping @Sendable ([Float]) -> Float) -> Builtin {
                noArgument(name, "Double", summary, "x.\(name)()") {
                    guard t.count > 0 else { throw ScriptError(.value, "\(name): the tensor is empty") }
                    return .double(Double(f(t.scalars)))
                }
            }
            return [
                reduce("sum", "The sum of all values.") { $0.reduce(0, +) },
                reduce("mean", "The mean of all values.") { $0.reduce(0, +) / Float($0.count) },
                reduce("min", "The smallest value.") { $0.min()! },
                reduce("max", "The largest value.") { $0.max()! },
                noArgument("toList", "List", "The values as a flat List of Doubles.", "x.toList()") {
                    try Operators.reserveItems(t.count, for: "toList: a List of \(t.count) items")
                    return .list(t.scalars.map { .double(Double($0)) })
                },
                Builtin(
                    name: "reshaped",
                    parameters: [BuiltinParameter(nil, name: "shape", type: "List",
                                                  doc: "the new shape: non-negative Ints, at most one -1 (inferred from the others)")],
                    returns: "Tensor",
                    summary: "The same values (in the same order) with a new shape holding as many values.",
                    example: "tensor([1, 2, 3, 4, 5, 6]).reshaped([2, 3])\ne.values.reshaped([-1, 28, 28])"
                ) { args, _ in .tensor(try reshaping(t, args)) },
            ]
        case .object(let o): return o.methods
        default: return []
        }
    }

    /// `t` with the shape of `reshaped`'s argument, checked.
    private static func reshaping(_ t: Tensor, _ args: BoundArguments) throws -> Tensor {
        var shape = try args.intList("shape")
        let shown = "[" + shape.map(String.init).joined(separator: ", ") + "]"
        if let bad = shape.first(where: { $0 < -1 }) {
            throw args.error(.value, "shape", "has the size \(bad) in \(shown); sizes must be ≥ 0 (or -1 for one inferred size)")
        }
        let inferred = shape.indices.filter { shape[$0] == -1 }
        guard inferred.count <= 1 else { throw args.error(.value, "shape", "has more than one -1 in \(shown)") }
        var known = 1
        for size in shape where size != -1 {
            let (product, overflow) = known.multipliedReportingOverflow(by: size)
            guard !overflow else { throw args.error(.value, "shape", "\(shown) holds too many values") }
            known = product
        }
        if let slot = inferred.first {
            guard known > 0, t.count % known == 0 else {
                throw args.error(.value, "shape", "\(shown) cannot hold the \(t.count) values of a tensor of shape \(t.shape)")
            }
            shape[slot] = t.count / known
        } else if known != t.count {
            throw args.error(.value, "shape", "\(shown) holds \(known) values but the tensor of shape \(t.shape) has \(t.count)")
        }
        return t.reshaped(shape)
    }

    /// Every member name (properties then methods).
    static func memberNames(of value: ScriptValue) -> [String] {
        propertyNames(of: value) + methods(of: value).map(\.name)
    }

    private static func oneString(_ name: String, _ summary: String, _ example: String,
                                  _ f: @escaping @Sendable (String) throws -> ScriptValue) -> Builtin {
        Builtin(name: name, parameters: [BuiltinParameter(nil, name: "text", type: "String", doc: "the text to look for")],
                returns: "Bool", summary: summary, example: example) { args, _ in try f(try args.string("text")) }
    }

    private static func noArgument(_ name: String, _ returns: String, _ summary: String, _ example: String,
                                   _ f: @escaping @Sendable () throws -> ScriptValue) -> Builtin {
        Builtin(name: name, parameters: [], returns: returns, summary: summary, example: example) { _, _ in try f() }
    }

    static func property(of value: ScriptValue, _ name: String, at range: SourceRange) throws -> ScriptValue {
        switch (value, name) {
        case (.string(let s), "count"): return .int(s.count)
        case (.string(let s), "isEmpty"): return .bool(s.isEmpty)
        case (.dictionary(let d), "count"): return .int(d.entries.count)
        case (.dictionary(let d), "isEmpty"): return .bool(d.entries.isEmpty)
        case (.dictionary(let d), "keys"): return .list(d.keys.map { .string($0) })
        case (.dictionary(let d), "values"): return .list(d.entries.map(\.value))
        case (.list(let items), "count"): return .int(items.count)
        case (.list(let items), "isEmpty"): return .bool(items.isEmpty)
        case (.list(let items), "first"): return items.first ?? .nil
        case (.list(let items), "last"): return items.last ?? .nil
        case (.range(let r), "count"): return .int(r.count)
        case (.range(let r), "lowerBound"): return .int(r.lower)
        case (.range(let r), "upperBound"): return .int(r.upper)
        case (.tensor(let t), "shape"): return .list(t.shape.map { .int($0) })
        case (.tensor(let t), "count"): return .int(t.count)
        case (.tensor(let t), "rank"): return .int(t.rank)
        case (.object(let o), _):
            do {
                if let v = try o.property(name) { return v }
            } catch let error as ScriptError {
                throw error.located(range)
            }
        default: break
        }
        // A method without parentheses is a function value (its display is its help, and
        // `help(xs.perDigit)` works).
        if let method = methods(of: value).first(where: { $0.name == name }) {
            return .function(method)
        }
        throw ScriptError(.name, "\(value.typeName) has no member '\(name)'", at: range,
                          suggestions: Suggestions.closest(to: name, among: memberNames(of: value)))
    }

    static func method(of value: ScriptValue, _ name: String, at range: SourceRange) throws -> Builtin {
        if let method = methods(of: value).first(where: { $0.name == name }) { return method }
        if propertyNames(of: value).contains(name) {
            throw ScriptError(.type, "'\(name)' is a property of \(value.typeName), not a method; write .\(name) without parentheses", at: range)
        }
        throw ScriptError(.name, "\(value.typeName) has no method '\(name)'", at: range,
                          suggestions: Suggestions.closest(to: name, among: memberNames(of: value)))
    }
}
