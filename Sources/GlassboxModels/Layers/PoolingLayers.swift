import GlassboxEngine

/// Max pooling over NCHW batches (TF SAME/VALID; padding never wins). Backward routes each
/// gradient to the first maximal cell of its window (the "switch").
public final class MaxPool2D: Layer {
    public let name: String
    public var kind: LayerKind { .maxpool }
    public let window: (Int, Int)
    public let stride: (Int, Int)
    public let padding: Padding

    public init(name: String, window: (Int, Int), stride: (Int, Int), padding: Padding) {
        self.name = name
        self.window = window
        self.stride = stride
        self.padding = padding
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try poolOutputShape(layer: name, inputShape, window: window, stride: stride, padding: padding)
    }

    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        return try naming(name) { try Pooling2D.maxForward(x, window: window, stride: stride, padding: padding) }
    }

    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        return try naming(name) {
            try Pooling2D.maxBackward(input: step.input, outputGradient: gy, window: window, stride: stride, padding: padding)
        }
    }
}

/// Average pooling over NCHW batches (TF SAME/VALID; the divisor counts only real cells).
public final class AvgPool2D: Layer {
    public let name: String
    public var kind: LayerKind { .avgpool }
    public let window: (Int, Int)
    public let stride: (Int, Int)
    public let padding: Padding

    public init(name: String, window: (Int, Int), stride: (Int, Int), padding: Padding) {
        self.name = name
        self.window = window
        self.stride = stride
        self.padding = padding
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try poolOutputShape(layer: name, inputShape, window: window, stride: stride, padding: padding)
    }

    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        return try naming(name) { try Pooling2D.averageForward(x, window: window, stride: stride, padding: padding) }
    }

    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        return try naming(name) {
            try Pooling2D.averageBackward(inputShape: step.input.shape, outputGradient: gy, window: window,
                                          stride: stride, padding: padding)
        }
    }
}

/// Global average pooling: [N, C, H, W] → [N, C].
public final class GlobalAvgPool2D: Layer {
    public let name: String
    public var kind: LayerKind { .globalavgpool }

    public init(name: String) { self.name = name }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 4, inputShape[2] > 0, inputShape[3] > 0 else {
            throw LayerError.shapeMismatch(layer: name, what: "input", expected: "[N, C, H, W]", got: inputShape)
        }
        return [inputShape[0], inputShape[1]]
    }

    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        return try naming(name) { try Pooling2D.globalAverageForward(x) }
    }

    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        return try naming(name) { try Pooling2D.globalAverageBackward(inputShape: step.input.shape, outputGradient: gy) }
    }
}

/// The output shape of a pooling layer, or an error naming the layer.
func poolOutputShape(layer: String, _ inputShape: [Int], window: (Int, Int), stride: (Int, Int),
                     padding: Padding) throws -> [Int] {
    guard inputShape.count == 4 else {
        throw LayerError.shapeMismatch(layer: layer, what: "input", expected: "[N, C, H, W]", got: inputShape)
    }
    let g = try naming(layer) {
        try WindowGeometry(inputHeight: inputShape[2], inputWidth: inputShape[3], kernel: window, stride: stride,
                           padding: padding, operation: "pool")
    }
    return [inputShape[0], inputShape[1], g.outputHeight, g.outputWidth]
}
