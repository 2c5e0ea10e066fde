import GlassboxEngine

/// max(x, 0), element-wise. Its rule is the one guided backprop and deconvnet replace.
public final class ReLU: Layer {
    public let name: String
    public var kind: LayerKind { .relu }
    public init(name: String) { self.name = name }
    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor { Activations.relu(x) }
    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        return try Activations.reluBackward(input: step.input, gradient: gy)
    }
}

/// 1 / (1 + e^(−x)), element-wise.
public final class Sigmoid: Layer {
    public let name: String
    public var kind: LayerKind { .sigmoid }
    public init(name: String) { self.name = name }
    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor { Activations.sigmoid(x) }
    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        return try Activations.sigmoidBackward(output: step.output, gradient: gy)
    }
}

/// tanh(x), element-wise.
public final class Tanh: Layer {
    public let name: String
    public var kind: LayerKind { .tanh }
    public init(name: String) { self.name = name }
    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor { Activations.tanh(x) }
    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        return try Activations.tanhBackward(output: step.output, gradient: gy)
    }
}

/// Softmax over the last axis (class probabilities from logits).
public final class Softmax: Layer {
    public let name: String
    public var kind: LayerKind { .softmax }
    public init(name: String) { self.name = name }
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count >= 2, inputShape.last! > 0 else {
            throw LayerError.shapeMismatch(layer: name, what: "input", expected: "[N, classes]", got: inputShape)
        }
        return inputShape
    }
    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        return try Activations.softmax(x)
    }
    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        return try Activations.softmaxBackward(output: step.output, gradient: gy)
    }
}

/// log(softmax(x)) over the last axis, computed stably.
public final class LogSoftmax: Layer {
    public let name: String
    public var kind: LayerKind { .logsoftmax }
    public init(name: String) { self.name = name }
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count >= 2, inputShape.last! > 0 else {
            throw LayerError.shapeMismatch(layer: name, what: "input", expected: "[N, classes]", got: inputShape)
        }
        return inputShape
    }
    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        return try Activations.logSoftmax(x)
    }
    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        return try Activations.logSoftmaxBackward(output: step.output, gradient: gy)
    }
}
