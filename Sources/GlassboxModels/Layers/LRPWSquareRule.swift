import GlassboxEngine

/// The w² rule of deep Taylor decomposition (Montavon et al. 2017) for an unbounded input (ℝ^d),
/// dense or conv2d: each output's relevance is spread in proportion to the squared weights,
/// whatever the input,
///
///     R_i = Σ_j w_ij² / (Σ_i′ w_i′j²) · R_j
///
/// (for a convolution the denominators sum over the receptive field, padded cells excluded).
public struct LRPWSquareRule: BackwardRule {
    public var stabilizer: Float

    public init(stabilizer: Float = 1e-10) { self.stabilizer = stabilizer }

    public var name: String { "w²" }
    public func applies(to kind: LayerKind) -> Bool { kind == .dense || kind == .conv2d }

    public func propagate(_ relevance: Tensor, context: RuleContext) throws -> Tensor {
        let layer = try linearLayer(context, rule: "LRP w²")
        return try spreadByWeights(relevance, layer: layer, inputShape: context.step.input.shape,
                                   weights: layer.weight.value.map { $0 * $0 }, stabilizer: stabilizer)
    }
}
