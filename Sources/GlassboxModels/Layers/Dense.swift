import GlassboxEngine

/// A fully connected layer y = x·Wᵀ + b on [N, inputs] batches; weight [outputs, inputs] (PyTorch
/// layout), bias [outputs].
public final class Dense: Layer {
    public let name: String
    public var kind: LayerKind { .dense }
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
        return Tensor(shape: shape, scalars: Dense.affine(x, weight: weight.value, bias: bias?.value))
    }

    /// x·Wᵀ + b for x [N, inputs], W [outputs, inputs], b [outputs] (shapes already checked): the
    /// bias rows are written first and one `sgemm` adds the product onto them.
    static func affine(_ x: Tensor, weight: Tensor, bias: Tensor?) -> [Float] {
        let (n, inputs, outputs) = (x.shape[0], x.shape[1], weight.shape[0])
        var out = [Float](repeating: 0, count: n * outputs)
        if out.isEmpty { return out }
        out.withUnsafeMutableBufferPointer { po in
            if let bias {
                bias.scalars.withUnsafeBufferPointer { pb in
                    for row in 0..<n { (po.baseAddress! + row * outputs).update(from: pb.baseAddress!, count: outputs) }
                }
            }
            if inputs == 0 { return }
            x.scalars.withUnsafeBufferPointer { px in
                weight.scalars.withUnsafeBufferPointer { pw in
                    MatrixProduct.gemm(px.baseAddress!, transposeA: false, pw.baseAddress!, transposeB: true, po.baseAddress!,
                                       m: n, n: outputs, k: inputs, beta: bias == nil ? 0 : 1)
                }
            }
        }
        return out
    }

    public func backward(_ gy: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor {
        try checkSignal(gy, step)
        if accumulateParameterGradients { try addParameterGradients(gy, step: step) }
        return try MatrixProduct.matmul(gy, weight.value)
    }

    /// gradient(W) += gyᵀ · input (accumulated by sgemm in place), gradient(b) += Σ rows of gy.
    func addParameterGradients(_ gy: Tensor, step: LayerStep) throws {
        let (n, inputs) = step.input.rank == 2 ? (step.input.shape[0], step.input.shape[1]) : (0, 0)
        if weight.gradient.shape == [outputs, inputs], gy.shape == [n, outputs], n > 0 {
            gy.scalars.withUnsafeBufferPointer { pg in
                step.input.scalars.withUnsafeBufferPointer { px in
                    weight.gradient.scalars.withUnsafeMutableBufferPointer { pd in
                        MatrixProduct.parameterGemm(pg.baseAddress!, transposeA: true, px.baseAddress!, transposeB: false,
                                           pd.baseAddress!, m: outputs, n: inputs, k: n, beta: 1)
                    }
                }
            }
        } else {
            try weight.gradient.add(try MatrixProduct.matmul(gy, step.input, transposeA: true))
        }
        if let bias { try bias.gradient.add(try gy.sum(alongAxis: 0)) }
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

extension Dense: ParameterGradientLayer {
    func accumulateParameterGradients(_ outputGradient: Tensor, step: LayerStep) throws {
        try checkSignal(outputGradient, step)
        try addParameterGradients(outputGradient, step: step)
    }
}
