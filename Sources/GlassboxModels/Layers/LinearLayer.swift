import GlassboxEngine

/// A layer that is affine in its input (dense, conv2d), exposing its map with substitute weights —
/// the seam LRP-type rules use to evaluate z⁺ = layer(a; W⁺, b⁺) and c = (W⁺)ᵀ s.
public protocol LinearLayer: Layer {
    /// The weight (PyTorch layout).
    var weight: Parameter { get }
    /// The bias, if any.
    var bias: Parameter? { get }
    /// The layer's map with `weight` / `bias` in place of its own.
    func linearForward(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor
    /// The transpose of the map with `weight`: from an output-shaped signal to an input-shaped one.
    func linearTranspose(_ signal: Tensor, weight: Tensor, inputShape: [Int]) throws -> Tensor
}

extension Dense: LinearLayer {
    public func linearForward(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        try naming(name) {
            var out = try MatrixProduct.matmul(x, weight, transposeB: true)
            if let bias { out = try out.addingPerChannel(bias) }
            return out
        }
    }

    public func linearTranspose(_ signal: Tensor, weight: Tensor, inputShape: [Int]) throws -> Tensor {
        let result = try naming(name) { try MatrixProduct.matmul(signal, weight) }
        guard result.shape == inputShape else {
            throw LayerError.shapeMismatch(layer: name, what: "transposed signal", expected: "\(inputShape)", got: result.shape)
        }
        return result
    }
}

extension Conv2D: LinearLayer {
    public func linearForward(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        try naming(name) { try Convolution2D.forward(input: x, weight: weight, bias: bias, stride: stride, padding: padding) }
    }

    public func linearTranspose(_ signal: Tensor, weight: Tensor, inputShape: [Int]) throws -> Tensor {
        try naming(name) {
            try Convolution2D.inputGradient(outputGradient: signal, weight: weight, inputShape: inputShape, stride: stride,
                                            padding: padding)
        }
    }
}

/// The linear layer of a rule context, or an error naming the rule and the layer.
func linearLayer(_ context: RuleContext, rule: String) throws -> any LinearLayer {
    guard let layer = context.layer as? any LinearLayer else {
        throw LayerError.invalidBackward("\(rule) applies to dense and conv2d layers, not '\(context.layer.name)' (\(context.layer.kind))")
    }
    return layer
}

/// R ⊘ z with 0 where z = 0, after adding `stabilizer`·sign(z).
func stabilisedRatio(_ relevance: Tensor, _ z: Tensor, stabilizer: Float, layer: String) throws -> Tensor {
    try relevance.zipMap(z, operation: "relevance ratio at '\(layer)'") { r, zv in
        let d = zv + (zv >= 0 ? stabilizer : -stabilizer)
        return d == 0 ? 0 : r / d
    }
}

/// Relevance spread by fixed non-negative `weights` (the w² and flat rules): z = layer(1; weights),
/// R_in = weightsᵀ (R ⊘ z), independent of the layer's input values.
func spreadByWeights(_ relevance: Tensor, layer: any LinearLayer, inputShape: [Int], weights: Tensor,
                     stabilizer: Float) throws -> Tensor {
    let ones = Tensor(repeating: 1, shape: inputShape)
    let z = try layer.linearForward(ones, weight: weights, bias: nil)
    let s = try stabilisedRatio(relevance, z, stabilizer: stabilizer, layer: layer.name)
    return try layer.linearTranspose(s, weight: weights, inputShape: inputShape)
}
