import GlassboxEngine
import GlassboxModels

/// LRP-αβ (Bach et al. 2015; chapter 2.3): positive contributions get α times the relevance,
/// negative ones β = α − 1 times it, R_i = Σ_j (α z⁺_ij / z⁺_j − β z⁻_ij / z⁻_j) R_j, in every dense
/// and conv layer. α = 1 is z⁺ (chapter 2.3's α1β0), α = 2 is α2β1.
public struct LRPAlphaBeta: BackwardMethod {
    public static let declaration = MethodDeclaration(
        id: "lrpAlphaBeta", title: "LRP-αβ",
        citation: "Bach et al. (2015), On pixel-wise explanations for non-linear classifier decisions by layer-wise relevance propagation, PLOS ONE",
        summary: "LRP-αβ (chapter 2.3): positive contributions weighted α, negative ones β = α − 1, in dense and conv layers.",
        details: "Chapter 2.3 starts from the softmax probability: lrpAlphaBeta(net, xs, output: \"probability\", alpha: 2). "
            + "Biases absorb relevance (the receipt shows Σ R against f(x)). Shown as the reference does: bwr, symmetric range.",
        chapters: ["2.3"], options: [.alpha], display: .relevanceSigned,
        example: "lrpAlphaBeta(net, xs, output: \"probability\")\nlrpAlphaBeta(net, xs, output: \"probability\", alpha: 2)",
        page: "lrp-alpha-beta.md", figure: "lrpAlphaBeta(net, xs, target: \"label\")")

    public var model: ExplainedModel
    public var alpha: Float

    public init(_ model: ExplainedModel, alpha: Float = 1) throws {
        guard alpha >= 1, alpha.isFinite else {
            throw MethodError.invalidOption(method: Self.declaration.title, message: "α must be at least 1 (β = α − 1 ≥ 0), got \(alpha)")
        }
        self.model = model
        self.alpha = alpha
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, alpha: options.float("alpha"))
    }

    public var plan: BackwardPlan {
        var parameters = RuleParameters()
        parameters.alpha = alpha
        return BackwardPlan(rules: Composite.alphaBeta.rules(parameters), seed: .relevance, receipt: .conservation)
    }
    public var combine: @Sendable (Float, Float, Float) -> Float { { r, _, _ in r } }
    public var settings: [MethodSetting] { [MethodSetting("α", "\(alpha)"), MethodSetting("β", "\(alpha - 1)")] }
}
