/// Element-wise arithmetic and broadcasting (scalars, per-channel vectors).
extension Tensor {
    /// Applies `transform` to every value.
    @inlinable
    public func map(_ transform: (Float) -> Float) -> Tensor {
        // One pass into fresh storage (copying `scalars` first and then rewriting it would be two).
        let count = scalars.count
        let out = [Float](unsafeUninitializedCapacity: count) { p, initialized in
            scalars.withUnsafeBufferPointer { q in
                for i in 0..<count { (p.baseAddress! + i).initialize(to: transform(q[i])) }
            }
            initialized = count
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// Combines two tensors of the same shape value by value.
    @inlinable
    public func zipMap(_ other: Tensor, operation: String = "element-wise operation",
                       _ combine: (Float, Float) -> Float) throws -> Tensor {
        guard shape == other.shape else {
            throw EngineError.shapeMismatch(operation: operation, expected: "\(shape)", got: other.shape)
        }
        let count = scalars.count
        let out = [Float](unsafeUninitializedCapacity: count) { p, initialized in
            scalars.withUnsafeBufferPointer { a in
                other.scalars.withUnsafeBufferPointer { b in
                    for i in 0..<count { (p.baseAddress! + i).initialize(to: combine(a[i], b[i])) }
                }
            }
            initialized = count
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// `self + other` (same shape).
    public func adding(_ other: Tensor) throws -> Tensor { try zipMap(other, operation: "add", +) }
    /// `self − other` (same shape).
    public func subtracting(_ other: Tensor) throws -> Tensor { try zipMap(other, operation: "subtract", -) }
    /// `self ⊙ other` (same shape).
    public func multiplying(_ other: Tensor) throws -> Tensor { try zipMap(other, operation: "multiply", *) }
    /// `self ⊘ other` (same shape).
    public func dividing(_ other: Tensor) throws -> Tensor { try zipMap(other, operation: "divide", /) }
    /// Every value times `factor`.
    public func scaled(by factor: Float) -> Tensor { map { $0 * factor } }
    /// Every value plus `offset`.
    public func shifted(by offset: Float) -> Tensor { map { $0 + offset } }

    /// Adds `other` (same shape) into `self` in place.
    public mutating func add(_ other: Tensor) throws {
        guard shape == other.shape else {
            throw EngineError.shapeMismatch(operation: "add in place", expected: "\(shape)", got: other.shape)
        }
        scalars.withUnsafeMutableBufferPointer { p in
            other.scalars.withUnsafeBufferPointer { q in
                for i in p.indices { p[i] += q[i] }
            }
        }
    }

    /// Adds `vector[c]` to every value of channel `c` (axis 1) — a per-channel bias for [N, C, …]
    /// tensors, or a per-feature bias for [N, F].
    public func addingPerChannel(_ vector: Tensor) throws -> Tensor {
        guard rank >= 2, vector.rank == 1, vector.shape[0] == shape[1] else {
            throw EngineError.shapeMismatch(
                operation: "per-channel add", expected: "[\(rank >= 2 ? shape[1] : 0)] for a tensor \(shape)",
                got: vector.shape)
        }
        let channels = shape[1]
        let inner = shape.dropFirst(2).reduce(1, *)
        let outer = shape[0]
        var out = scalars
        out.withUnsafeMutableBufferPointer { p in
            vector.scalars.withUnsafeBufferPointer { v in
                var offset = 0
                for _ in 0..<outer {
                    for c in 0..<channels {
                        let b = v[c]
                        for i in 0..<inner { p[offset + i] += b }
                        offset += inner
                    }
                }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// Multiplies every value of channel `c` (axis 1) by `vector[c]`.
    public func multiplyingPerChannel(_ vector: Tensor) throws -> Tensor {
        guard rank >= 2, vector.rank == 1, vector.shape[0] == shape[1] else {
            throw EngineError.shapeMismatch(
                operation: "per-channel multiply", expected: "[\(rank >= 2 ? shape[1] : 0)] for a tensor \(shape)",
                got: vector.shape)
        }
        let channels = shape[1]
        let inner = shape.dropFirst(2).reduce(1, *)
        var out = scalars
        out.withUnsafeMutableBufferPointer { p in
            vector.scalars.withUnsafeBufferPointer { v in
                var offset = 0
                for _ in 0..<shape[0] {
                    for c in 0..<channels {
                        let f = v[c]
                        for i in 0..<inner { p[offset + i] *= f }
                        offset += inner
                    }
                }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }
}
