import GlassboxEngine

/// The pattern backward pass of PatternNet and PatternAttribution (Kindermans et al. 2018) through a
/// dense or conv layer: the layer's transpose with the weight replaced by a pattern, chosen per
/// output value by the regime it was in on the forward pass,
///
///     s_in = P₊ᵀ (s ⊙ 1[z > 0]) + P₋ᵀ (s ⊙ 1[z ≤ 0])      (z: the layer's recorded output)
///
/// where P_± = a_± for PatternNet (the signal estimate) and P_± = w ⊙ a_± for PatternAttribution.
/// After a ReLU only the z > 0 units carry a signal, so a₋ only matters for layers without one
/// (the logits).
public struct PatternRule: BackwardRule {
    /// P₊ and P₋, shaped like the layer's weight.
    public var positive: Tensor
    public var negative: Tensor
    public var name: String

    public init(positive: Tensor, negative: Tensor, name: String) {
        self.positive = positive
        self.negative = negative
        self.name = name
    }

    public func applies(to kind: LayerKind) -> Bool { kind == .dense || kind == .conv2d }

    public func propagate(_ signal: Tensor, context: RuleContext) throws -> Tensor {
        let layer = try linearLayer(context, rule: name)
        guard positive.shape == layer.weight.value.shape, negative.shape == positive.shape else {
            throw LayerError.shapeMismatch(layer: layer.name, what: "pattern", expected: "\(layer.weight.value.shape)",
                                           got: positive.shape)
        }
        let z = context.step.output
        let up = try z.zipMap(signal, operation: "pattern rule at '\(layer.name)'") { zv, s in zv > 0 ? s : 0 }
        let down = try z.zipMap(signal, operation: "pattern rule at '\(layer.name)'") { zv, s in zv > 0 ? 0 : s }
        let shape = context.step.input.shape
        let a = try layer.linearTranspose(up, weight: positive, inputShape: shape)
        let b = try layer.linearTranspose(down, weight: negative, inputShape: shape)
        return try a.adding(b)
    }
}
