/// A dense float32 tensor: a shape and contiguous row-major storage.
///
/// Images are NCHW (batch, channels, height, width), as in ONNX and PyTorch. Storage is a Swift
/// array, so copies are cheap until written (copy-on-write); hot loops reach the memory through
/// `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`.
public struct Tensor: Sendable, Equatable {
    /// The size of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The values, row-major (the last dimension varies fastest).
    public var scalars: [Float]

    /// A tensor of `shape` holding `scalars`; their count must match the shape.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        precondition(
            shape.reduce(1, *) == scalars.count,
            "Tensor shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
        _ = HeapPolicy.isApplied
    }

    /// A tensor of `shape` filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// A rank-0 tensor holding one value.
    public init(scalar: Float) {
        self.init(shape: [], scalars: [scalar])
    }

    /// The number of values.
    public var count: Int { scalars.count }
    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The same values under another shape with the same count. One dimension may be -1, inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[hole] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: resolved, scalars: scalars)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}

