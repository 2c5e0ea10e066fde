import GlassboxEngine

/// LRP-ε for any layer that is linear (affine) in its input — dense, conv2d, average pooling:
///
///     z = layer(a)  (recorded output, bias included)
///     s = R ⊘ (z + ε·sign(z))
///     c = (∂z/∂a)ᵀ s          (the layer's own gradient: Wᵀs, or the transposed convolution)
///     R_in = a ⊙ c
///
/// With ε → 0 and no bias, Σ R_in = Σ R (conservation), except at units with z = 0.
public struct LRPEpsilonRule: BackwardRule {
    /// The stabiliser ε ≥ 0 (sign(0) counts as +1).
    public var epsilon: Float

    public init(epsilon: Float = 1e-9) { self.epsilon = epsilon }

    public func propagate(_ relevance: Tensor, context: RuleContext) throws -> Tensor {
        let step = context.step
        let kind = step.layer.kind
        guard ["dense", "conv2d", "avgpool", "globalavgpool"].contains(kind) else {
            throw LayerError.invalidBackward("LRP-ε applies to linear layers, not '\(step.layer.name)' (\(kind))")
        }
        let eps = epsilon
        let s = try relevance.zipMap(step.output, operation: "LRP-ε at '\(step.layer.name)'") { r, z in
            let denominator = z + (z >= 0 ? eps : -eps)
            return denominator == 0 ? 0 : r / denominator
        }
        let c = try step.layer.backward(s, step: step, accumulateParameterGradients: false)
        return try step.input.multiplying(c)
    }
}

extension RuleSet {
    /// LRP-ε: linear layers use `LRPEpsilonRule`, ReLUs pass relevance through, max pooling routes
    /// it to the winner (its gradient), reshapes reshape. Seed with the explained output's value.
    public static func lrpEpsilon(_ epsilon: Float = 1e-9) -> RuleSet {
        let rule = LRPEpsilonRule(epsilon: epsilon)
        return RuleSet(name: "LRP-ε", rulesByKind: [
            "dense": rule, "conv2d": rule, "avgpool": rule, "globalavgpool": rule, "relu": PassThroughRule(),
        ])
    }
}
