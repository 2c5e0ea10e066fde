/// Whole-tensor and per-axis reductions.
extension Tensor {
    /// The sum of all values, accumulated in double precision.
    public func sum() -> Float {
        var total = 0.0
        scalars.withUnsafeBufferPointer { p in for v in p { total += Double(v) } }
        return Float(total)
    }

    /// The mean of all values (0 for an empty tensor).
    public func mean() -> Float { count == 0 ? 0 : Float(Double(sum()) / Double(count)) }

    /// The largest value (−∞ for an empty tensor).
    public func max() -> Float { scalars.max() ?? -.infinity }

    /// The smallest value (+∞ for an empty tensor).
    public func min() -> Float { scalars.min() ?? .infinity }

    /// Splits the shape around `axis` into (outer, size, inner) counts.
    private func axisLayout(_ axis: Int, operation: String) throws -> (outer: Int, size: Int, inner: Int) {
        guard axis >= 0, axis < rank else {
            throw EngineError.invalidArgument(operation: operation, message: "axis \(axis) is out of range for shape \(shape)")
        }
        return (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    private func reduce(axis: Int, operation: String, initial: Float,
                        _ combine: (Float, Float) -> Float) throws -> Tensor {
        let (outer, size, inner) = try axisLayout(axis, operation: operation)
        var outShape = shape
        outShape.remove(at: axis)
        var out = [Float](repeating: initial, count: outer * inner)
        scalars.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                for a in 0..<outer {
                    for s in 0..<size {
                        let base = (a * size + s) * inner
                        for i in 0..<inner { o[a * inner + i] = combine(o[a * inner + i], p[base + i]) }
                    }
                }
            }
        }
        return Tensor(shape: outShape, scalars: out)
    }

    /// Sums along `axis`, removing it.
    public func sum(alongAxis axis: Int) throws -> Tensor {
        try reduce(axis: axis, operation: "sum along axis", initial: 0, +)
    }

    /// Means along `axis`, removing it.
    public func mean(alongAxis axis: Int) throws -> Tensor {
        let total = try sum(alongAxis: axis)
        let size = shape[axis]
        return size == 0 ? total : total.scaled(by: 1 / Float(size))
    }

    /// Maxima along `axis`, removing it.
    public func max(alongAxis axis: Int) throws -> Tensor {
        try reduce(axis: axis, operation: "max along axis", initial: -.infinity) { Swift.max($0, $1) }
    }

    /// Indices of the maxima along `axis` (first one on ties), in row-major order of the other axes.
    public func argmax(alongAxis axis: Int) throws -> [Int] {
        let (outer, size, inner) = try axisLayout(axis, operation: "argmax along axis")
        guard size > 0 else {
            throw EngineError.invalidArgument(operation: "argmax along axis", message: "axis \(axis) of \(shape) is empty")
        }
        var result = [Int](repeating: 0, count: outer * inner)
        scalars.withUnsafeBufferPointer { p in
            for a in 0..<outer {
                for i in 0..<inner {
                    var best = p[a * size * inner + i]
                    var bestIndex = 0
                    for s in 1..<size {
                        let v = p[(a * size + s) * inner + i]
                        if v > best { best = v; bestIndex = s }
                    }
                    result[a * inner + i] = bestIndex
                }
            }
        }
        return result
    }
}
