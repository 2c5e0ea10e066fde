import GlassboxEngine

/// The flat rule (Lapuschkin et al. 2019) for dense and conv2d layers: each output's relevance is
/// spread uniformly over the inputs it is connected to, whatever the weights and the input,
///
///     R_i = Σ_j 1 / (Σ_i′ 1) · R_j
///
/// Used at the input layer by Zennit's `EpsilonPlusFlat`.
public struct LRPFlatRule: BackwardRule {
    public var stabilizer: Float

    public init(stabilizer: Float = 1e-10) { self.stabilizer = stabilizer }

    public var name: String { "flat" }
    public func applies(to kind: LayerKind) -> Bool { kind == .dense || kind == .conv2d }

    public func propagate(_ relevance: Tensor, context: RuleContext) throws -> Tensor {
        let layer = try linearLayer(context, rule: "LRP flat")
        return try spreadByWeights(relevance, layer: layer, inputShape: context.step.input.shape,
                                   weights: layer.weight.value.map { _ in 1 }, stabilizer: stabilizer)
    }
}
