import GlassboxEngine
import GlassboxModels

/// LRP-ε (Bach et al. 2015): every dense and conv layer redistributes relevance in proportion to
/// the contributions z_ij = a_i w_ij, with ε·sign(z) added to each denominator so that weak,
/// contradictory contributions absorb relevance instead of exploding it.
public struct LRPEpsilon: BackwardMethod {
    public static let declaration = MethodDeclaration(
        id: "lrpEpsilon", title: "LRP-ε",
        citation: "Bach et al. (2015), On pixel-wise explanations for non-linear classifier decisions by layer-wise relevance propagation, PLOS ONE",
        summary: "LRP-ε: R_i = Σ_j a_i w_ij / (z_j + ε·sign(z_j)) · R_j in every dense and conv layer.",
        details: "Max pooling gives a window's relevance to its first maximal cell, activations pass it through. With ε → 0 "
            + "and no biases relevance is conserved; the receipt shows Σ R against f(x).",
        options: [.epsilon], display: .relevanceSigned,
        example: "lrpEpsilon(net, xs, epsilon: 0.01)", page: "lrp-epsilon.md",
        figure: "lrpEpsilon(net, xs, target: \"label\")")

    public var model: ExplainedModel
    public var epsilon: Float

    public init(_ model: ExplainedModel, epsilon: Float = 1e-6) {
        self.model = model
        self.epsilon = epsilon
    }

    public init(_ model: ExplainedModel, options: MethodOptions) {
        self.init(model, epsilon: options.float("epsilon"))
    }

    public var plan: BackwardPlan {
        var parameters = RuleParameters()
        parameters.epsilon = epsilon
        return BackwardPlan(rules: Composite.epsilon.rules(parameters), seed: .relevance, receipt: .conservation)
    }
    public var combine: @Sendable (Float, Float, Float) -> Float { { r, _, _ in r } }
    public var settings: [MethodSetting] { [MethodSetting("ε", "\(epsilon)")] }
}
