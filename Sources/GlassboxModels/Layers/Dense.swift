import GlassboxEngine

/// A fully connected layer y = x·Wᵀ + b on [N, inputs] batches; weight [outputs, inputs] (PyTorch
/// layout), bias [outputs].
public final class Dense: Layer {
    public let name: String
    public var kind: String { "dense" }
    public let inputs: Int
    public let outputs: Int
    /// [outputs, inputs].
    public let weight: Parameter
    /// [outputs], or nil for a layer without bias.
    public let bias: Parameter?
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    /// Glorot-uniform weights, zero bias. Non-positive sizes are reported by `outputShape(for:)`
    /// (and so by `Sequential.init`), not trapped.
    public init(name: String, inputs: Int, outputs: Int, bias: Bool, rng: inout SeededRandom) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        let (i, o) = (max(inputs, 0), max(outputs, 0))
        weight = Parameter(name: "\(name).weight", value: glorotUniform(shape: [o, i], fanIn: i, fanOut: o, rng: &rng))
        self.bias = bias ? Parameter(name: "\(name).bias", value: Tensor(zeros: [o])) : nil
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputs > 0, outputs > 0 else {
            throw LayerError.invalidConfiguration(layer: name, message: "sizes must be positive, got \(inputs) → \(outputs)")
        }
        guard inputShape.count == 2, inputShape[1] == inputs else {
            throw LayerError.shapeMismatch(layer: name, what: "input", expected: "[N, \(inputs)]", got: inputShape)
        }
        return [inputShape[0], outputs]
    }

    public func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor {
        let shape = try outputShape(for: x.shape)
        try checkParameters()
        var out = try MatrixProduct.matmul(x, weight.value, transposeB: true)
        if let bias { out = try out.addingPerChannel(bias.value) }
        return out.reshaped(shape)
    }

    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        if accumulateParameterGradients {
            try weight.gradient.add(try MatrixProduct.matmul(gy, step.input, transposeA: true))
            if let bias { try bias.gradient.add(try gy.sum(alongAxis: 0)) }
        }
        return try MatrixProduct.matmul(gy, weight.value)
    }

    /// Throws when a parameter was replaced by a tensor of the wrong shape (e.g. a bad model file).
    func checkParameters() throws {
        guard weight.value.shape == [outputs, inputs] else {
            throw LayerError.shapeMismatch(layer: name, what: "weight", expected: "[\(outputs), \(inputs)]",
                                           got: weight.value.shape)
        }
        if let bias, bias.value.shape != [outputs] {
            throw LayerError.shapeMismatch(layer: name, what: "bias", expected: "[\(outputs)]", got: bias.value.shape)
        }
    }
}
