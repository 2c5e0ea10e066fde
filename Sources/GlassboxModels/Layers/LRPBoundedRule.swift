import GlassboxEngine

/// The z^B rule of deep Taylor decomposition (Montavon et al. 2017) for the layer touching a
/// bounded input (low ≤ x ≤ high, e.g. pixels in [0, 1]), dense or conv2d:
///
///     z = layer(x; W) − layer(l; W⁺) − layer(h; W⁻)      (no bias)
///     s = R ⊘ z
///     R_in = x ⊙ Wᵀs − l ⊙ (W⁺)ᵀs − h ⊙ (W⁻)ᵀs
public struct LRPBoundedRule: BackwardRule {
    public var low: Float
    public var high: Float
    public var stabilizer: Float

    public init(low: Float = 0, high: Float = 1, stabilizer: Float = 1e-10) {
        self.low = low
        self.high = high
        self.stabilizer = stabilizer
    }

    public var name: String { "z^B (\(low)…\(high))" }
    public func applies(to kind: LayerKind) -> Bool { kind == .dense || kind == .conv2d }

    public func propagate(_ relevance: Tensor, context: RuleContext) throws -> Tensor {
        let layer = try linearLayer(context, rule: "LRP z^B")
        let x = context.step.input
        let w = layer.weight.value
        let positive = w.map { Swift.max($0, 0) }
        let negative = w.map { Swift.min($0, 0) }
        let l = Tensor(repeating: low, shape: x.shape)
        let h = Tensor(repeating: high, shape: x.shape)
        let z = try layer.linearForward(x, weight: w, bias: nil)
            .subtracting(try layer.linearForward(l, weight: positive, bias: nil))
            .subtracting(try layer.linearForward(h, weight: negative, bias: nil))
        let s = try stabilisedRatio(relevance, z, stabilizer: stabilizer, layer: layer.name)
        let c = try layer.linearTranspose(s, weight: w, inputShape: x.shape)
        let cp = try layer.linearTranspose(s, weight: positive, inputShape: x.shape)
        let cn = try layer.linearTranspose(s, weight: negative, inputShape: x.shape)
        return try x.multiplying(c).subtracting(try l.multiplying(cp)).subtracting(try h.multiplying(cn))
    }
}
