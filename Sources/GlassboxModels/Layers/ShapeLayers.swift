import GlassboxEngine

/// [N, d1, d2, …] → [N, d1·d2·…] (row-major, so NCHW flattens channel-major).
public final class Flatten: Layer {
    public let name: String
    public var kind: LayerKind { .flatten }
    public init(name: String) { self.name = name }
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count >= 1 else {
            throw LayerError.shapeMismatch(layer: name, what: "input", expected: "[N, …]", got: inputShape)
        }
        return [inputShape[0], inputShape.dropFirst().reduce(1, *)]
    }
    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor { x.reshaped(try outputShape(for: x.shape)) }
    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        return gy.reshaped(step.input.shape)
    }
}

/// [N, …] → [N] + `shape`, keeping the values in order.
public final class Reshape: Layer {
    public let name: String
    public var kind: LayerKind { .reshape }
    /// The target shape without the batch dimension.
    public let shape: [Int]
    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count >= 1, shape.allSatisfy({ $0 > 0 }),
              inputShape.dropFirst().reduce(1, *) == shape.reduce(1, *) else {
            throw LayerError.shapeMismatch(layer: name, what: "input",
                                           expected: "[N, …] with \(shape.reduce(1, *)) values per item to reshape to \(shape)",
                                           got: inputShape)
        }
        return [inputShape[0]] + shape
    }
    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor { x.reshaped(try outputShape(for: x.shape)) }
    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        return gy.reshaped(step.input.shape)
    }
}

/// Inverted dropout: while training, zeroes each value with probability `rate` and scales the rest
/// by 1/(1 − rate); the identity otherwise. The mask is kept in the step for backward.
public final class Dropout: Layer {
    public let name: String
    public var kind: LayerKind { .dropout }
    /// The drop probability, in [0, 1).
    public let rate: Float
    /// A rate outside [0, 1) is reported by `outputShape(for:)` (and so by `Sequential.init`).
    public init(name: String, rate: Float) {
        self.name = name
        self.rate = rate
    }
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard rate >= 0, rate < 1 else {
            throw LayerError.invalidConfiguration(layer: name, message: "dropout rate \(rate) must be in [0, 1)")
        }
        return inputShape
    }
    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        guard context.training, rate > 0 else { return x }
        let mask = try naming(name) { try DropoutMask.make(shape: x.shape, rate: rate, rng: &context.rng) }
        context.auxiliary = mask
        return try x.multiplying(mask)
    }
    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        guard let mask = step.auxiliary else { return gy }
        return try gy.multiplying(mask)
    }
}
