import GlassboxEngine

/// A script object that supports the element-wise operators `+ - * /` with numbers, tensors and
/// objects of its own kind (image batches, explanations).
///
/// The core's `Operators.binary` consults this protocol for `.object` operands (see the report of the
/// bindings branch); `ScriptArithmetic.apply` holds the whole rule so that hook is one line.
public protocol ScriptArithmetic: ScriptObject {
    /// The values the operator acts on, e.g. `[N, 1, H, W]` images.
    var arithmeticValues: Tensor { get }
    /// The same kind of object holding `values` (same shape) instead.
    func replacingValues(_ values: Tensor) throws -> ScriptValue
}

extension ScriptArithmetic {
    /// `self op other` (or `other op self` when `reversed`), or nil when `op` is not arithmetic.
    public func arithmetic(_ op: String, _ other: ScriptValue, reversed: Bool) throws -> ScriptValue? {
        guard let f = ScriptArithmeticOperators.function(op) else { return nil }
        let mine = arithmeticValues
        let theirs: Tensor
        switch other {
        case .int, .double:
            let s = Float(other.numberValue!)
            return try replacingValues(ScriptArithmeticOperators.map(mine) { reversed ? f(s, $0) : f($0, s) })
        case .tensor(let t): theirs = t
        case .object(let o as any ScriptArithmetic): theirs = o.arithmeticValues
        default:
            throw ScriptError(.type, "'\(op)' cannot be applied to \(typeName) and \(other.typeName)")
        }
        let aligned: Tensor
        if theirs.shape == mine.shape {
            aligned = theirs
        } else if theirs.count == mine.count {
            aligned = Tensor(shape: mine.shape, scalars: theirs.scalars)
        } else if mine.count > 0, theirs.count > 0, mine.count % theirs.count == 0,
                  Array(mine.shape.suffix(theirs.shape.drop { $0 == 1 }.count)) == Array(theirs.shape.drop { $0 == 1 }) {
            // One image (e.g. a mean image) against a batch: repeat it for every item.
            let repeats = mine.count / theirs.count
            var values = [Float]()
            values.reserveCapacity(mine.count)
            for _ in 0..<repeats { values += theirs.scalars }
            aligned = Tensor(shape: mine.shape, scalars: values)
        } else {
            throw ScriptError(.value, "'\(op)' needs matching shapes, got \(typeName) \(mine.shape) and \(other.typeName) \(theirs.shape)")
        }
        let result = reversed ? ScriptArithmeticOperators.zip(aligned, mine, f) : ScriptArithmeticOperators.zip(mine, aligned, f)
        return try replacingValues(result)
    }
}

/// Element-wise kernels for `ScriptArithmetic`: the arithmetic operators of `Operators` (comparisons
/// of rich values stay whole-value comparisons).
enum ScriptArithmeticOperators {
    static func function(_ op: String) -> ((Float, Float) -> Float)? {
        guard ["+", "-", "*", "/"].contains(op), let f = Operators.tensorFunction(op) else { return nil }
        return f
    }

    static func map(_ t: Tensor, _ f: (Float) -> Float) -> Tensor { Operators.map(t, f) }

    static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor { Operators.zip(a, b, f) }
}
