import GlassboxEngine

/// DeepLIFT's Rescale rule for a ReLU (or any point-wise activation): the multiplier at the input
/// is m_out · Δy / Δx, with Δ = actual − reference; where |Δx| < `threshold` the ordinary gradient
/// is used instead. Needs the walk to be given a reference record.
public struct DeepLiftRescaleRule: BackwardRule {
    public var threshold: Float

    public init(threshold: Float = 1e-7) { self.threshold = threshold }

    public func propagate(_ multipliers: Tensor, context: RuleContext) throws -> Tensor {
        guard let reference = context.reference else {
            throw LayerError.invalidBackward("DeepLIFT at '\(context.layer.name)' needs a reference forward record")
        }
        let step = context.step
        let gradient = try step.layer.backward(multipliers, step: step, accumulateParameterGradients: false)
        var out = gradient
        let threshold = self.threshold
        step.input.scalars.withUnsafeBufferPointer { x in
            reference.input.scalars.withUnsafeBufferPointer { x0 in
                step.output.scalars.withUnsafeBufferPointer { y in
                    reference.output.scalars.withUnsafeBufferPointer { y0 in
                        multipliers.scalars.withUnsafeBufferPointer { m in
                            out.scalars.withUnsafeMutableBufferPointer { o in
                                for i in o.indices {
                                    let dx = x[i] - x0[i]
                                    if abs(dx) >= threshold { o[i] = m[i] * (y[i] - y0[i]) / dx }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

extension RuleSet {
    /// LRP-αβ on dense and conv2d layers (z⁺ with the defaults), ReLUs pass relevance through,
    /// pooling by its gradient (winner takes all for max pooling, proportional for average).
    public static func lrpAlphaBeta(alpha: Float = 1, beta: Float = 0) -> RuleSet {
        let rule = LRPAlphaBetaRule(alpha: alpha, beta: beta)
        return RuleSet(name: alpha == 1 && beta == 0 ? "LRP-z⁺" : "LRP-α\(alpha)β\(beta)",
                       rulesByKind: ["dense": rule, "conv2d": rule, "relu": PassThroughRule(),
                                     "avgpool": LRPEpsilonRule(epsilon: 1e-10)])
    }

    /// Deep Taylor decomposition: z⁺ in hidden dense/conv layers, z^B (bounded by [low, high]) at the
    /// input layer, proportional pooling, ReLUs pass relevance through.
    public static func deepTaylor(low: Float = 0, high: Float = 1) -> RuleSet {
        let zPlus = LRPAlphaBetaRule()
        let pooling = ProportionalPoolingRule()
        return RuleSet(name: "deep Taylor",
                       rulesByKind: ["dense": zPlus, "conv2d": zPlus, "maxpool": pooling, "avgpool": pooling,
                                     "relu": PassThroughRule()],
                       inputLayerRule: LRPBoundedRule(low: low, high: high))
    }

    /// DeepLIFT with the Linear rule for dense/conv (their gradient) and the Rescale rule for ReLUs;
    /// walk with `reference:` and multiply the input multipliers by Δx for contributions.
    public static var deepLiftRescale: RuleSet {
        RuleSet(name: "DeepLIFT rescale", rulesByKind: ["relu": DeepLiftRescaleRule()])
    }
}
