import Foundation
import GlassboxEngine

/// Numbers and small tensors: abs, min, max, sum, mean, sqrt, exp, log, round, tensor, zeros.
enum MathBuiltins {
    static var all: [Builtin] {
        [abs, minimum, maximum, sum, mean, elementwise("sqrt", "The square root.", Foundation.sqrt, domain: { $0 >= 0 }, "a non-negative number"),
         elementwise("exp", "e raised to the power of x.", Foundation.exp, domain: { _ in true }, ""),
         elementwise("log", "The natural logarithm.", Foundation.log, domain: { $0 > 0 }, "a positive number"),
         round, tensor, zeros]
    }

    static let abs = Builtin(
        name: "abs",
        parameters: [BuiltinParameter(nil, name: "x", type: "Number or Tensor", doc: "a number or a tensor")],
        returns: "Number",
        summary: "The absolute value (element-wise on a tensor); an Int stays an Int.",
        example: "abs(-3)     // 3\nabs(-2.5)   // 2.5"
    ) { args, _ in
        switch args.value("x") {
        case .int(let v):
            guard v != Int.min else { throw args.error(.arithmetic, "x", "is too large for abs") }
            return .int(Swift.abs(v))
        case .double(let v): return .double(Swift.abs(v))
        case .tensor(let t): return .tensor(Operators.map(t) { Swift.abs($0) })
        case let other: throw args.error(.type, "x", "must be a number or a Tensor, got \(other.typeName)")
        }
    }

    private static func extremum(_ name: String, _ better: @escaping @Sendable (Double, Double) -> Bool) -> Builtin {
        Builtin(
            name: name,
            parameters: [BuiltinParameter(nil, name: "values", type: "Number or Tensor", variadic: true,
                                          doc: "two or more numbers, or one List of numbers; or a Tensor and a number or Tensor (element-wise)")],
            returns: "Number",
            summary: "The \(name == "min" ? "smallest" : "largest") of the numbers; Ints stay Ints. With a Tensor, element-wise: \(name)(w, 0) is \(name == "min" ? "W⁻" : "W⁺").",
            example: "\(name)(3, 1, 2)\n\(name)([4.5, 2.0])\n\(name)(w, 0)"
        ) { args, _ in
            if args.variadic.contains(where: { if case .tensor = $0 { return true } else { return false } }) {
                guard args.variadic.count == 2 else {
                    throw ScriptError(.value, "\(name): with a Tensor, give two values (a Tensor and a number or a Tensor), got \(args.variadic.count)")
                }
                func tensor(_ v: ScriptValue) throws -> Tensor {
                    if case .tensor(let t) = v { return t }
                    guard let x = v.numberValue else { throw ScriptError(.type, "\(name): needs a number or a Tensor, got \(v.typeName)") }
                    return Tensor(scalar: Float(x))
                }
                let a = try tensor(args.variadic[0]), b = try tensor(args.variadic[1])
                guard let result = Operators.broadcast(a, b, { x, y in better(Double(x), Double(y)) ? x : y }) else {
                    throw ScriptError(.value, "\(name): the shapes \(a.shape) and \(b.shape) do not broadcast")
                }
                return .tensor(result)
            }
            var values = args.variadic
            if values.count == 1, case .list(let items) = values[0] { values = items }
            guard !values.isEmpty else {
                throw ScriptError(.value, "\(name): needs at least one number")
            }
            var best = values[0]
            for (i, v) in values.enumerated() {
                guard let x = v.numberValue else {
                    throw ScriptError(.type, "\(name): item \(i) must be a number, got \(v.typeName)")
                }
                if better(x, best.numberValue!) { best = v }
            }
            return best
        }
    }

    /// The numbers of an aggregate's arguments: several numbers, one List of numbers, or one Tensor.
    private static func numbers(_ name: String, _ args: BoundArguments) throws -> [ScriptValue] {
        var values = args.variadic
        if values.count == 1, case .list(let items) = values[0] { values = items }
        if values.count == 1, case .tensor(let t) = values[0] { return t.scalars.map { .double(Double($0)) } }
        for (i, v) in values.enumerated() where v.numberValue == nil {
            throw ScriptError(.type, "\(name): item \(i) must be a number, got \(v.typeName) \(v.repr.prefix(30))")
        }
        return values
    }

    private static func aggregateParameters() -> [BuiltinParameter] {
        [BuiltinParameter(nil, name: "values", type: "Number", variadic: true, doc: "numbers, one List of numbers, or one Tensor"),
         BuiltinParameter("axis", type: "Int", default: .nil, doc: "with a Tensor: reduce along this axis only (a Tensor one rank lower)"),
         BuiltinParameter("keepDims", type: "Bool", default: .bool(false), doc: "with axis: keep the axis with size 1 (so it broadcasts back)")]
    }

    /// `sum`/`mean` of a Tensor along `axis:`, or nil when no axis is given.
    private static func alongAxis(_ name: String, _ args: BoundArguments, mean: Bool) throws -> ScriptValue? {
        guard !args.isNil("axis") else { return nil }
        guard args.variadic.count == 1, case .tensor(let t) = args.variadic[0] else {
            throw args.error(.type, "axis", "needs one Tensor to reduce")
        }
        var axis = try args.int("axis")
        if axis < 0 { axis += t.rank }
        guard axis >= 0, axis < t.rank else { throw args.error(.value, "axis", "must be in 0..<\(t.rank) for a Tensor of shape \(t.shape)") }
        let outer = t.shape[..<axis].reduce(1, *), size = t.shape[axis], inner = t.shape[(axis + 1)...].reduce(1, *)
        var out = [Float](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                var total = 0.0
                for k in 0..<size { total += Double(t.scalars[(o * size + k) * inner + i]) }
                out[o * inner + i] = Float(mean ? total / Double(Swift.max(size, 1)) : total)
            }
        }
        var shape = t.shape
        if try args.bool("keepDims") { shape[axis] = 1 } else { shape.remove(at: axis) }
        return .tensor(Tensor(shape: shape, scalars: out))
    }

    static let sum = Builtin(
        name: "sum",
        parameters: aggregateParameters(),
        returns: "Number",
        summary: "The sum of the numbers (of a List, or of a Tensor's elements); Ints give an Int, 0 for none.",
        example: "sum([1, 2, 3])        // 6\nsum(similarity(e1, e2))\nsum(e.values, axis: 0)"
    ) { args, _ in
        if let reduced = try alongAxis("sum", args, mean: false) { return reduced }
        let values = try numbers("sum", args)
        if values.allSatisfy({ if case .int = $0 { return true } else { return false } }) {
            var total = 0
            for case .int(let v) in values {
                let (next, overflow) = total.addingReportingOverflow(v)
                guard !overflow else { throw ScriptError(.arithmetic, "sum: integer overflow; give the numbers as Doubles") }
                total = next
            }
            return .int(total)
        }
        return .double(values.reduce(0.0) { $0 + $1.numberValue! })
    }

    static let mean = Builtin(
        name: "mean",
        parameters: aggregateParameters(),
        returns: "Double",
        summary: "The arithmetic mean of the numbers (of a List, or of a Tensor's elements).",
        example: "mean([1, 2, 3, 4])    // 2.5\nmean(similarity(e1, e2))\nmean(xs.values, axis: 0)"
    ) { args, _ in
        if let reduced = try alongAxis("mean", args, mean: true) { return reduced }
        let values = try numbers("mean", args)
        guard !values.isEmpty else { throw ScriptError(.value, "mean: needs at least one number") }
        return .double(values.reduce(0.0) { $0 + $1.numberValue! } / Double(values.count))
    }

    static let minimum = extremum("min") { $0 < $1 }
    static let maximum = extremum("max") { $0 > $1 }

    private static func elementwise(_ name: String, _ summary: String, _ f: @escaping @Sendable (Double) -> Double,
                                    domain: @escaping @Sendable (Double) -> Bool, _ domainText: String) -> Builtin {
        Builtin(
            name: name,
            parameters: [BuiltinParameter(nil, name: "x", type: "Number or Tensor", doc: "a number, or a tensor (element-wise)")],
            returns: "Double",
            summary: summary + " Always a Double (element-wise on a tensor).",
            example: "\(name)(2.0)"
        ) { args, _ in
            switch args.value("x") {
            case .tensor(let t): return .tensor(Operators.map(t) { Float(f(Double($0))) })
            case let other:
                guard let x = other.numberValue else {
                    throw args.error(.type, "x", "must be a number or a Tensor, got \(other.typeName)")
                }
                guard domain(x) else { throw args.error(.value, "x", "must be \(domainText), got \(other.repr)") }
                return .double(f(x))
            }
        }
    }

    static let round = Builtin(
        name: "round",
        parameters: [
            BuiltinParameter(nil, name: "x", type: "Number", doc: "the number to round"),
            BuiltinParameter("digits", type: "Int", default: .int(0), doc: "decimal places to keep"),
        ],
        returns: "Double",
        summary: "Rounds half away from zero to the given number of decimal places; always a Double.",
        example: "round(2.5)               // 3.0\nround(3.14159, digits: 2) // 3.14"
    ) { args, _ in
        let x = try args.double("x")
        let digits = try args.int("digits")
        guard (0...15).contains(digits) else { throw args.error(.value, "digits", "must be between 0 and 15, got \(digits)") }
        let scale = pow(10.0, Double(digits))
        return .double((x * scale).rounded(.toNearestOrAwayFromZero) / scale)
    }

    static let tensor = Builtin(
        name: "tensor",
        parameters: [BuiltinParameter(nil, name: "values", type: "List", doc: "numbers, or nested lists of equal length")],
        returns: "Tensor",
        summary: "A tensor from (nested) lists of numbers; the nesting gives the shape.",
        example: "let t = tensor([[1, 2], [3, 4]])\nt * 2 + 1"
    ) { args, _ in
        do {
            return .tensor(try TensorConversion.tensor(from: args.value("values")))
        } catch let problem as TensorConversion.Problem {
            throw args.error(problem.kind, "values", problem.message)
        }
    }

    static let zeros = Builtin(
        name: "zeros",
        parameters: [BuiltinParameter(nil, name: "shape", type: "List", doc: "the size of each dimension, e.g. [2, 3]")],
        returns: "Tensor",
        summary: "A tensor of zeros with the given shape.",
        example: "zeros([2, 3]) + 1"
    ) { args, _ in
        guard case .list(let items) = args.value("shape") else {
            throw args.error(.type, "shape", "must be a List of Ints, got \(args.value("shape").typeName)")
        }
        var dims: [Int] = []
        for item in items {
            guard case .int(let d) = item, d >= 0 else {
                throw args.error(.value, "shape", "must hold non-negative Ints, got \(item.repr)")
            }
            dims.append(d)
        }
        var total = 1
        for d in dims {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            total = overflow ? Int.max : product
        }
        guard total <= 16_777_216 else {
            throw args.error(.value, "shape", "is too large (more than 16,777,216 values)")
        }
        try Operators.reserve(total * 4, for: "zeros(\(dims)) (\(total) values)", at: args.ranges["shape"])
        return .tensor(Tensor(zeros: dims))
    }
}
