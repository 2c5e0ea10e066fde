/// Batch slicing, gathering, stacking and axis permutation.
extension Tensor {
    /// The number of values per item of the batch (axis 0).
    private var itemSize: Int { shape.dropFirst().reduce(1, *) }

    /// Items `range` along axis 0, e.g. a minibatch.
    public func slice(batch range: Range<Int>) throws -> Tensor {
        guard rank >= 1, range.lowerBound >= 0, range.upperBound <= shape[0] else {
            throw EngineError.invalidArgument(operation: "slice", message: "batch range \(range) is outside a tensor of shape \(shape)")
        }
        let size = itemSize
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, scalars: Array(scalars[(range.lowerBound * size)..<(range.upperBound * size)]))
    }

    /// Items `indices` along axis 0, in that order (repeats allowed), e.g. a shuffled minibatch.
    public func gather(batch indices: [Int]) throws -> Tensor {
        guard rank >= 1 else {
            throw EngineError.invalidArgument(operation: "gather", message: "a rank-0 tensor has no batch axis")
        }
        let size = itemSize
        var out = [Float](repeating: 0, count: indices.count * size)
        try scalars.withUnsafeBufferPointer { src in
            try out.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() {
                    guard i >= 0, i < shape[0] else {
                        throw EngineError.invalidArgument(operation: "gather", message: "index \(i) is outside 0..<\(shape[0])")
                    }
                    if size > 0 {
                        (dst.baseAddress! + k * size).update(from: src.baseAddress! + i * size, count: size)
                    }
                }
            }
        }
        var newShape = shape
        newShape[0] = indices.count
        return Tensor(shape: newShape, scalars: out)
    }

    /// Joins tensors along axis 0; all other dimensions must agree.
    public init(concatenating parts: [Tensor]) throws {
        guard let first = parts.first, first.rank >= 1 else {
            throw EngineError.invalidArgument(operation: "concatenate", message: "needs at least one tensor of rank ≥ 1")
        }
        let tail = Array(first.shape.dropFirst())
        var total = 0
        var values: [Float] = []
        values.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for part in parts {
            guard part.rank == first.rank, Array(part.shape.dropFirst()) == tail else {
                throw EngineError.shapeMismatch(operation: "concatenate", expected: "[n] + \(tail)", got: part.shape)
            }
            total += part.shape[0]
            values.append(contentsOf: part.scalars)
        }
        self.init(shape: [total] + tail, scalars: values)
    }

    /// Stacks same-shape tensors along a new axis 0.
    public init(stacking parts: [Tensor]) throws {
        guard let first = parts.first else {
            throw EngineError.invalidArgument(operation: "stack", message: "needs at least one tensor")
        }
        var values: [Float] = []
        values.reserveCapacity(parts.count * first.count)
        for part in parts {
            guard part.shape == first.shape else {
                throw EngineError.shapeMismatch(operation: "stack", expected: "\(first.shape)", got: part.shape)
            }
            values.append(contentsOf: part.scalars)
        }
        self.init(shape: [parts.count] + first.shape, scalars: values)
    }

    /// The axes reordered: output axis i is input axis `axes[i]` (e.g. [0, 3, 1, 2] turns NHWC
    /// into NCHW, [0, 2, 3, 1] NCHW into NHWC; [1, 0] transposes a matrix).
    public func permuted(_ axes: [Int]) throws -> Tensor {
        guard axes.count == rank, Set(axes) == Set(0..<rank) else {
            throw EngineError.invalidArgument(operation: "permute", message: "axes \(axes) are not a permutation of 0..<\(rank)")
        }
        let newShape = axes.map { shape[$0] }
        var strides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        let sourceStrides = axes.map { strides[$0] }
        var out = [Float](repeating: 0, count: count)
        if count == 0 || rank == 0 { return Tensor(shape: newShape, scalars: scalars) }
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var index = [Int](repeating: 0, count: rank)
                var offset = 0
                let last = rank - 1
                let innerCount = newShape[last]
                let innerStride = sourceStrides[last]
                var written = 0
                while written < count {
                    var o = offset
                    for _ in 0..<innerCount {
                        dst[written] = src[o]
                        o += innerStride
                        written += 1
                    }
                    // Advance the outer index (odometer) over axes 0..<last.
                    var axis = last - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offset += sourceStrides[axis]
                        if index[axis] < newShape[axis] { break }
                        offset -= sourceStrides[axis] * newShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return Tensor(shape: newShape, scalars: out)
    }

    /// The transpose of a matrix.
    public func transposed() throws -> Tensor {
        guard rank == 2 else {
            throw EngineError.shapeMismatch(operation: "transpose", expected: "[rows, columns]", got: shape)
        }
        return try permuted([1, 0])
    }
}
