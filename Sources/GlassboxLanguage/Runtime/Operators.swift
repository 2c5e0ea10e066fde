import Foundation
import GlassboxEngine

/// The semantics of the operators, indexing and slicing, on every value type.
enum Operators {
    static func unary(_ op: String, _ value: ScriptValue, at range: SourceRange) throws -> ScriptValue {
        switch (op, value) {
        case ("-", .int(let v)):
            guard v != Int.min else { throw ScriptError(.arithmetic, "integer overflow in -\(v)", at: range) }
            return .int(-v)
        case ("-", .double(let v)): return .double(-v)
        case ("-", .tensor(let t)): return .tensor(map(t) { -$0 })
        case ("!", .bool(let b)): return .bool(!b)
        default:
            throw ScriptError(.type, "unary '\(op)' cannot be applied to a \(value.typeName)", at: range)
        }
    }

    /// Throws a MemoryError (at `range`) unless `bytes` more fit in the kernel's memory budget.
    static func reserve(_ bytes: Int, for what: @autoclosure () -> String, at range: SourceRange?) throws {
        do {
            try MemoryBudget.shared.check(bytes, for: what())
        } catch let error as MemoryExhausted {
            throw ScriptError(.memory, error.description, at: range)
        }
    }

    static func binary(_ op: String, _ l: ScriptValue, _ r: ScriptValue, at range: SourceRange) throws -> ScriptValue {
        // Results that could be large are checked against the memory budget first.
        switch (l, r) {
        case (.string(let a), .string(let b)) where op == "+":
            try reserve(a.utf8.count + b.utf8.count, for: "a string of \(a.utf8.count + b.utf8.count) bytes", at: range)
        case (.list(let a), .list(let b)) where op == "+":
            try reserve((a.count + b.count) * MemoryLayout<ScriptValue>.stride, for: "a list of \(a.count + b.count) items", at: range)
        case (.tensor(let a), .tensor(let b)):
            let count = max(a.count, b.count, Operators.broadcastShape(a.shape, b.shape)?.reduce(1, *) ?? 0)
            try reserve(count * 4, for: "a tensor of \(count) values", at: range)
        case (.tensor(let t), _), (_, .tensor(let t)):
            try reserve(t.count * 4, for: "a tensor of \(t.count) values", at: range)
        default:
            break
        }
        switch (l, r) {
        case (.int(let a), .int(let b)):
            return try integer(op, a, b, at: range)
        case (.int, .double), (.double, .int), (.double, .double):
            return try real(op, l.numberValue!, r.numberValue!, at: range)
        case (.string(let a), .string(let b)):
            switch op {
            case "+": return .string(a + b)
            case "==": return .bool(a == b)
            case "!=": return .bool(a != b)
            case "<": return .bool(a < b)
            case "<=": return .bool(a <= b)
            case ">": return .bool(a > b)
            case ">=": return .bool(a >= b)
            default: break
            }
        case (.list(let a), .list(let b)) where op == "+":
            return .list(a + b)
        case (.tensor(let a), .tensor(let b)):
            if let f = tensorFunction(op) {
                if a.shape == b.shape { return .tensor(zip(a, b, f)) }
                guard let result = broadcast(a, b, f) else {
                    throw ScriptError(.value, "'\(op)' needs tensors of the same shape, or shapes that broadcast (a row [M] or a column [N, 1] against [N, M]), got \(a.shape) and \(b.shape)", at: range)
                }
                return .tensor(result)
            }
        case (.tensor(let a), _) where r.numberValue != nil:
            if let f = tensorFunction(op) {
                let s = Float(r.numberValue!)
                return .tensor(map(a) { f($0, s) })
            }
        case (_, .tensor(let b)) where l.numberValue != nil:
            if let f = tensorFunction(op) {
                let s = Float(l.numberValue!)
                return .tensor(map(b) { f(s, $0) })
            }
        default:
            break
        }
        // Rich values with element-wise arithmetic (image batches, explanations).
        do {
            if case .object(let o as any ScriptArithmetic) = l, let v = try o.arithmetic(op, r, reversed: false) { return v }
            if case .object(let o as any ScriptArithmetic) = r, let v = try o.arithmetic(op, l, reversed: true) { return v }
        } catch var error as ScriptError {
            if error.range == nil { error.range = range }
            throw error
        }
        if op == "==" || op == "!=", case .object(let a as any ScriptArithmetic) = l, case .object(let b as any ScriptArithmetic) = r,
           ObjectIdentifier(type(of: a)) == ObjectIdentifier(type(of: b)) {
            // Two explanations (or image batches) are equal when their values are; labels and titles do not count.
            let same = a.arithmeticValues == b.arithmeticValues
            return .bool(op == "==" ? same : !same)
        }
        if op == "==" { return .bool(l == r) }
        if op == "!=" { return .bool(l != r) }
        if op == "+", case .string = l {
            throw ScriptError(.type, "'+' cannot be applied to String and \(r.typeName); write \"…\\(value)\" to put a value into a string", at: range)
        }
        throw ScriptError(.type, "'\(op)' cannot be applied to \(l.typeName) and \(r.typeName)", at: range)
    }

    private static func integer(_ op: String, _ a: Int, _ b: Int, at range: SourceRange) throws -> ScriptValue {
        func checked(_ result: (partialValue: Int, overflow: Bool)) throws -> ScriptValue {
            guard !result.overflow else {
                throw ScriptError(.arithmetic, "integer overflow in \(a) \(op) \(b); write one operand as a Double (e.g. \(a).0)", at: range)
            }
            return .int(result.partialValue)
        }
        switch op {
        case "+": return try checked(a.addingReportingOverflow(b))
        case "-": return try checked(a.subtractingReportingOverflow(b))
        case "*": return try checked(a.multipliedReportingOverflow(by: b))
        case "/":
            guard b != 0 else { throw ScriptError(.arithmetic, "division by zero", at: range) }
            return .double(Double(a) / Double(b))
        case "%":
            guard b != 0 else { throw ScriptError(.arithmetic, "remainder by zero", at: range) }
            return try checked(a.remainderReportingOverflow(dividingBy: b))
        case "==": return .bool(a == b)
        case "!=": return .bool(a != b)
        case "<": return .bool(a < b)
        case "<=": return .bool(a <= b)
        case ">": return .bool(a > b)
        case ">=": return .bool(a >= b)
        default: throw ScriptError(.type, "'\(op)' cannot be applied to Int and Int", at: range)
        }
    }

    private static func real(_ op: String, _ a: Double, _ b: Double, at range: SourceRange) throws -> ScriptValue {
        switch op {
        case "+": return .double(a + b)
        case "-": return .double(a - b)
        case "*": return .double(a * b)
        case "/":
            guard b != 0 else { throw ScriptError(.arithmetic, "division by zero", at: range) }
            return .double(a / b)
        case "%":
            guard b != 0 else { throw ScriptError(.arithmetic, "remainder by zero", at: range) }
            return .double(fmod(a, b))
        case "==": return .bool(a == b)
        case "!=": return .bool(a != b)
        case "<": return .bool(a < b)
        case "<=": return .bool(a <= b)
        case ">": return .bool(a > b)
        case ">=": return .bool(a >= b)
        default: throw ScriptError(.type, "'\(op)' cannot be applied to numbers", at: range)
        }
    }

    /// The element-wise function for `op`; comparisons give 1 or 0.
    static func tensorFunction(_ op: String) -> (@Sendable (Float, Float) -> Float)? {
        switch op {
        case "+": return { $0 + $1 }
        case "-": return { $0 - $1 }
        case "*": return { $0 * $1 }
        case "/": return { $0 / $1 }
        case "%": return { fmodf($0, $1) }
        case "==": return { $0 == $1 ? 1 : 0 }
        case "!=": return { $0 != $1 ? 1 : 0 }
        case "<": return { $0 < $1 ? 1 : 0 }
        case "<=": return { $0 <= $1 ? 1 : 0 }
        case ">": return { $0 > $1 ? 1 : 0 }
        case ">=": return { $0 >= $1 ? 1 : 0 }
        default: return nil
        }
    }

    static func map(_ t: Tensor, _ f: (Float) -> Float) -> Tensor {
        var out = [Float](repeating: 0, count: t.count)
        t.scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count { dst[i] = f(src[i]) }
            }
        }
        return Tensor(shape: t.shape, scalars: out)
    }

    /// The shape two shapes broadcast to (NumPy's rule: aligned at the right, each pair of sizes
    /// equal or one of them 1), or nil.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = Swift.max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a, pb = [Int](repeating: 1, count: rank - b.count) + b
        var shape: [Int] = []
        for (x, y) in Swift.zip(pa, pb) {
            guard x == y || x == 1 || y == 1 else { return nil }
            shape.append(x == 1 ? y : x)
        }
        return shape
    }

    /// `f` element-wise over `a` and `b` broadcast to a common shape, or nil when they do not broadcast.
    static func broadcast(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor? {
        guard let shape = broadcastShape(a.shape, b.shape) else { return nil }
        let rank = shape.count
        func strides(_ s: [Int]) -> [Int] {
            let padded = [Int](repeating: 1, count: rank - s.count) + s
            var result = [Int](repeating: 0, count: rank)
            var step = 1
            for d in stride(from: rank - 1, through: 0, by: -1) {
                result[d] = padded[d] == 1 ? 0 : step
                step *= padded[d]
            }
            return result
        }
        let sa = strides(a.shape), sb = strides(b.shape)
        let count = shape.reduce(1, *)
        var out = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        var ia = 0, ib = 0
        a.scalars.withUnsafeBufferPointer { x in
            b.scalars.withUnsafeBufferPointer { y in
                for i in 0..<count {
                    out[i] = f(x[ia], y[ib])
                    // Advance the multi-index, updating both offsets.
                    var d = rank - 1
                    while d >= 0 {
                        index[d] += 1
                        ia += sa[d]
                        ib += sb[d]
                        if index[d] < shape[d] { break }
                        ia -= sa[d] * shape[d]
                        ib -= sb[d] * shape[d]
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }

    static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        var out = [Float](repeating: 0, count: a.count)
        a.scalars.withUnsafeBufferPointer { x in
            b.scalars.withUnsafeBufferPointer { y in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<x.count { dst[i] = f(x[i], y[i]) }
                }
            }
        }
        return Tensor(shape: a.shape, scalars: out)
    }

    /// Rows `rows` along the first dimension; `dropFirst` removes that dimension (for `t[i]`).
    static func slice(_ t: Tensor, _ rows: Range<Int>, dropFirst: Bool) -> Tensor {
        let inner = t.shape.dropFirst().reduce(1, *)
        let scalars = Array(t.scalars[(rows.lowerBound * inner)..<(rows.upperBound * inner)])
        let shape = dropFirst ? Array(t.shape.dropFirst()) : [rows.count] + t.shape.dropFirst()
        return Tensor(shape: shape, scalars: scalars)
    }

    static func checkIndex(_ i: Int, count: Int, what: String, at range: SourceRange) throws {
        if i < 0 {
            throw ScriptError(.index, "negative index \(i) is not supported; count from the start (the last item is at .count - 1)", at: range)
        }
        if i >= count {
            let valid = count == 0 ? "it is empty" : "valid indices are 0...\(count - 1)"
            throw ScriptError(.index, "index \(i) is out of range for a \(what) of \(count) item\(count == 1 ? "" : "s"); \(valid)", at: range)
        }
    }

    private static func checkSlice(_ r: IntRange, count: Int, what: String, at range: SourceRange) throws -> Range<Int> {
        if r.lower < 0 {
            throw ScriptError(.index, "negative index \(r.lower) is not supported in a slice", at: range)
        }
        if r.upper > count {
            throw ScriptError(.index, "slice \(r) is out of range for a \(what) of \(count) item\(count == 1 ? "" : "s")", at: range)
        }
        return r.lower..<r.upper
    }

    static func index(_ receiver: ScriptValue, _ index: ScriptValue, at range: SourceRange, whole: SourceRange) throws -> ScriptValue {
        switch (receiver, index) {
        case (.list(let items), .int(let i)):
            try checkIndex(i, count: items.count, what: "List", at: range)
            return items[i]
        case (.list(let items), .range(let r)):
            return .list(Array(items[try checkSlice(r, count: items.count, what: "List", at: range)]))
        case (.dictionary(let d), .string(let key)):
            guard let value = d[key] else {
                throw ScriptError(.index, "the dictionary has no key \"\(key)\"; its keys are " + d.keys.map { "\"\($0)\"" }.joined(separator: ", "),
                                  at: range, suggestions: Suggestions.closest(to: key, among: d.keys))
            }
            return value
        case (.dictionary, _):
            throw ScriptError(.type, "a dictionary is indexed by a String key, got \(index.typeName)", at: range)
        case (.string(let s), .int(let i)):
            let characters = Array(s)
            try checkIndex(i, count: characters.count, what: "String", at: range)
            return .string(String(characters[i]))
        case (.string(let s), .range(let r)):
            let characters = Array(s)
            return .string(String(characters[try checkSlice(r, count: characters.count, what: "String", at: range)]))
        case (.range(let outer), .int(let i)):
            try checkIndex(i, count: outer.count, what: "Range", at: range)
            return .int(outer.lower + i)
        case (.tensor(let t), .int(let i)):
            guard t.rank > 0 else { throw ScriptError(.index, "a rank-0 Tensor cannot be indexed", at: whole) }
            try checkIndex(i, count: t.shape[0], what: "Tensor", at: range)
            return .tensor(slice(t, i..<(i + 1), dropFirst: true))
        case (.tensor(let t), .range(let r)):
            guard t.rank > 0 else { throw ScriptError(.index, "a rank-0 Tensor cannot be sliced", at: whole) }
            return .tensor(slice(t, try checkSlice(r, count: t.shape[0], what: "Tensor", at: range), dropFirst: false))
        case (.tensor(let t), .list(let items)):
            // The rows (along the first axis) at these indices, in this order.
            guard t.rank > 0 else { throw ScriptError(.index, "a rank-0 Tensor cannot be indexed", at: whole) }
            let per = t.shape[0] == 0 ? 0 : t.count / t.shape[0]
            var values: [Float] = []
            values.reserveCapacity(items.count * per)
            for item in items {
                guard case .int(let i) = item else { throw ScriptError(.type, "a Tensor is indexed with a List of Ints, got \(item.typeName)", at: range) }
                try checkIndex(i, count: t.shape[0], what: "Tensor", at: range)
                values += t.scalars[(i * per)..<((i + 1) * per)]
            }
            return .tensor(Tensor(shape: [items.count] + t.shape.dropFirst(), scalars: values))
        case (.object(let object), _):
            let element: ScriptValue?
            do {
                element = try object.element(at: index)
            } catch let error as ScriptError {
                throw error.located(range)
            }
            if let element { return element }
            throw ScriptError(.type, "a \(object.typeName) cannot be indexed with a \(index.typeName)", at: whole)
        default:
            throw ScriptError(.type, "a \(receiver.typeName) cannot be indexed with a \(index.typeName); use an Int or a Range like 0..<5", at: range)
        }
    }
}
