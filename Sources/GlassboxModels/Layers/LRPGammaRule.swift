import GlassboxEngine

/// LRP-γ (Montavon et al. 2019, "Layer-wise relevance propagation: an overview") for dense and
/// conv2d layers: the positive weights are boosted by γ ≥ 0,
///
///     z = layer(a; W + γW⁺, b + γb⁺)
///     R_in = a ⊙ (W + γW⁺)ᵀ (R ⊘ (z + ε·sign(z)))
///
/// γ = 0 is LRP-0 (ε → 0); γ → ∞ approaches z⁺. Meant for non-negative inputs.
public struct LRPGammaRule: BackwardRule {
    public var gamma: Float
    public var stabilizer: Float

    public init(gamma: Float = 0.25, stabilizer: Float = 1e-6) {
        self.gamma = gamma
        self.stabilizer = stabilizer
    }

    public var name: String { "γ (γ = \(gamma))" }
    public func applies(to kind: LayerKind) -> Bool { kind == .dense || kind == .conv2d }

    public func propagate(_ relevance: Tensor, context: RuleContext) throws -> Tensor {
        let layer = try linearLayer(context, rule: "LRP-γ")
        let a = context.step.input
        let g = gamma
        let weight = layer.weight.value.map { $0 + g * Swift.max($0, 0) }
        let z = try layer.linearForward(a, weight: weight, bias: layer.bias?.value.map { $0 + g * Swift.max($0, 0) })
        let s = try stabilisedRatio(relevance, z, stabilizer: stabilizer, layer: layer.name)
        return try a.multiplying(try layer.linearTranspose(s, weight: weight, inputShape: a.shape))
    }
}
