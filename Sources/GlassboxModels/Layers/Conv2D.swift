import GlassboxEngine

/// A 2-D convolution (cross-correlation) on NCHW batches; weight [out, in, kh, kw] (PyTorch
/// layout), bias [out]; TensorFlow SAME/VALID padding (see `Padding`).
public final class Conv2D: Layer {
    public let name: String
    public var kind: LayerKind { .conv2d }
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: (Int, Int)
    public let stride: (Int, Int)
    public let padding: Padding
    /// [out, in, kh, kw].
    public let weight: Parameter
    /// [out], or nil for a layer without bias.
    public let bias: Parameter?
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    /// Glorot-uniform weights (fan-in = in·kh·kw, fan-out = out·kh·kw, as Keras), zero bias.
    /// Non-positive sizes are reported by `outputShape(for:)` (and so by `Sequential.init`), not trapped.
    public init(name: String, inChannels: Int, outChannels: Int, kernel: (Int, Int), stride: (Int, Int),
                padding: Padding, bias: Bool, rng: inout SeededRandom) {
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        let (i, o, kh, kw) = (max(inChannels, 0), max(outChannels, 0), max(kernel.0, 0), max(kernel.1, 0))
        weight = Parameter(
            name: "\(name).weight",
            value: glorotUniform(shape: [o, i, kh, kw], fanIn: i * kh * kw, fanOut: o * kh * kw, rng: &rng))
        self.bias = bias ? Parameter(name: "\(name).bias", value: Tensor(zeros: [o])) : nil
    }

    /// The weight shape [out, in, kh, kw].
    public var weightShape: [Int] { [outChannels, inChannels, kernel.0, kernel.1] }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inChannels > 0, outChannels > 0 else {
            throw LayerError.invalidConfiguration(
                layer: name, message: "channels must be positive, got \(inChannels) → \(outChannels)")
        }
        guard inputShape.count == 4, inputShape[1] == inChannels else {
            throw LayerError.shapeMismatch(layer: name, what: "input", expected: "[N, \(inChannels), H, W]", got: inputShape)
        }
        let g = try naming(name) {
            try WindowGeometry(inputHeight: inputShape[2], inputWidth: inputShape[3], kernel: kernel, stride: stride,
                               padding: padding, operation: "conv2d")
        }
        return [inputShape[0], outChannels, g.outputHeight, g.outputWidth]
    }

    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        try checkParameters()
        return try naming(name) {
            try Convolution2D.forward(input: x, weight: weight.value, bias: bias?.value, stride: stride, padding: padding)
        }
    }

    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        return try naming(name) {
            if accumulateParameterGradients {
                // Training: all three gradients in one pass over the batch.
                let gradients = try Convolution2D.gradients(outputGradient: gy, input: step.input, weight: weight.value,
                                                            stride: stride, padding: padding, withBias: bias != nil)
                try weight.gradient.add(gradients.weight)
                if let bias, let db = gradients.bias { try bias.gradient.add(db) }
                return gradients.input
            }
            return try Convolution2D.inputGradient(outputGradient: gy, weight: weight.value, inputShape: step.input.shape,
                                                   stride: stride, padding: padding)
        }
    }

    /// Throws when a parameter was replaced by a tensor of the wrong shape (e.g. a bad model file).
    func checkParameters() throws {
        guard weight.value.shape == weightShape else {
            throw LayerError.shapeMismatch(layer: name, what: "weight", expected: "\(weightShape)", got: weight.value.shape)
        }
        if let bias, bias.value.shape != [outChannels] {
            throw LayerError.shapeMismatch(layer: name, what: "bias", expected: "[\(outChannels)]", got: bias.value.shape)
        }
    }
}

extension Conv2D: ParameterGradientLayer {
    func accumulateParameterGradients(_ gy: Tensor, step: LayerStep) throws {
        try checkSignal(gy, step)
        try naming(name) {
            try weight.gradient.add(try Convolution2D.weightGradient(
                outputGradient: gy, input: step.input, weightShape: weightShape, stride: stride, padding: padding))
            if let bias { try bias.gradient.add(try Convolution2D.biasGradient(outputGradient: gy)) }
        }
    }
}
