import GlassboxEngine

/// LRP-αβ (Bach et al. 2015) for dense and conv2d layers (α − β = 1, β ≥ 0); α = 1, β = 0 is the
/// z⁺ rule of deep Taylor decomposition:
///
///     z⁺ = layer(a; W⁺, b⁺), z⁻ = layer(a; W⁻, b⁻)
///     c⁺ = (W⁺)ᵀ (R ⊘ z⁺),  c⁻ = (W⁻)ᵀ (R ⊘ z⁻)
///     R_in = a ⊙ (α c⁺ − β c⁻)
///
/// (W⁺ = max(W, 0), W⁻ = min(W, 0); biases, when present, absorb relevance.) Meant for
/// non-negative inputs a (after a ReLU, or pixels in [0, 1]); each denominator gets
/// `stabilizer`·sign.
public struct LRPAlphaBetaRule: BackwardRule {
    public var alpha: Float
    public var beta: Float
    public var stabilizer: Float

    /// Defaults to the z⁺ rule.
    public init(alpha: Float = 1, beta: Float = 0, stabilizer: Float = 1e-10) {
        self.alpha = alpha
        self.beta = beta
        self.stabilizer = stabilizer
    }

    public var name: String { alpha == 1 && beta == 0 ? "z⁺" : "α\(Self.short(alpha))β\(Self.short(beta))" }
    public func applies(to kind: LayerKind) -> Bool { kind == .dense || kind == .conv2d }

    static func short(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e6 ? String(Int(value)) : "\(value)"
    }

    public func propagate(_ relevance: Tensor, context: RuleContext) throws -> Tensor {
        let layer = try linearLayer(context, rule: "LRP-αβ")
        let a = context.step.input
        let positive = layer.weight.value.map { Swift.max($0, 0) }
        let z = try layer.linearForward(a, weight: positive, bias: layer.bias?.value.map { Swift.max($0, 0) })
        let s = try stabilisedRatio(relevance, z, stabilizer: stabilizer, layer: layer.name)
        var c = try layer.linearTranspose(s, weight: positive, inputShape: a.shape).scaled(by: alpha)
        if beta != 0 {
            let negative = layer.weight.value.map { Swift.min($0, 0) }
            let zn = try layer.linearForward(a, weight: negative, bias: layer.bias?.value.map { Swift.min($0, 0) })
            let sn = try stabilisedRatio(relevance, zn, stabilizer: stabilizer, layer: layer.name)
            c = try c.subtracting(try layer.linearTranspose(sn, weight: negative, inputShape: a.shape).scaled(by: beta))
        }
        return try a.multiplying(c)
    }
}
