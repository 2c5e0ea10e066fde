import GlassboxEngine

/// LRP-ε (Bach et al. 2015) for any layer that is linear (affine) in its input — dense, conv2d,
/// average pooling:
///
///     z = layer(a)  (recorded output, bias included)
///     s = R ⊘ (z + ε·sign(z))
///     c = (∂z/∂a)ᵀ s          (the layer's own gradient: Wᵀs, or the transposed convolution)
///     R_in = a ⊙ c
///
/// With ε → 0 and no bias, Σ R_in = Σ R (conservation), except at units with z = 0; ε > 0 absorbs
/// the relevance of weak, contradictory units.
public struct LRPEpsilonRule: BackwardRule {
    /// The stabiliser ε ≥ 0 (sign(0) counts as +1).
    public var epsilon: Float

    public init(epsilon: Float = 1e-9) { self.epsilon = epsilon }

    public var name: String { "ε (ε = \(epsilon))" }
    public func applies(to kind: LayerKind) -> Bool { kind.isLinear }

    public func propagate(_ relevance: Tensor, context: RuleContext) throws -> Tensor {
        let step = context.step
        let s = try stabilisedRatio(relevance, step.output, stabilizer: epsilon, layer: step.layer.name)
        let c = try step.layer.backward(s, step: step, accumulateParameterGradients: false)
        return try step.input.multiplying(c)
    }
}
