import GlassboxEngine
import GlassboxModels

/// PatternAttribution (Kindermans et al. 2018): the relevance walk with each dense and conv layer's
/// weights replaced by w ⊙ a (weight times learned signal pattern), started from f(x) at the target.
/// For a linear model y = wᵀx + b the map is (w ⊙ a)·y: each input's share of the signal's
/// contribution, with the distractor's removed.
public struct PatternAttribution: BackwardMethod {
    public static let declaration = MethodDeclaration(
        id: "patternAttribution", title: "PatternAttribution",
        citation: "Kindermans, Schütt, Alber, Müller, Erhan, Kim & Dähne (2018), Learning how to explain neural networks: PatternNet and PatternAttribution, ICLR",
        summary: "PatternAttribution: relevance propagated with w ⊙ a (weights times learned signal patterns) in every dense and conv layer; (w ⊙ a)·y for a linear model.",
        details: "Needs the model's patterns (learnPatterns, or a model file saved with them). A root point of deep Taylor decomposition "
            + "estimated from data: ReLUs and pooling keep their gradient.",
        options: [.patternRegimes], display: .relevanceSigned, outputs: [.logit],
        example: "learnPatterns(net, mnist.train, images: 10000)\npatternAttribution(net, xs)", page: "patternattribution.md",
        figure: "patternAttribution(net, xs, target: \"label\")")

    public var model: ExplainedModel
    public var patterns: SignalPatterns
    public var twoSided: Bool
    private let rules: RuleSet

    public init(_ model: ExplainedModel, twoSided: Bool = true) throws {
        self.model = model
        self.patterns = try model.signalPatterns(method: Self.declaration.title)
        self.twoSided = twoSided
        self.rules = try .patternAttribution(patterns, network: model.network, twoSided: twoSided)
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, twoSided: options.string("regimes") == "two-sided")
    }

    public var plan: BackwardPlan { BackwardPlan(rules: rules, seed: .relevance) }
    public var combine: @Sendable (Float, Float, Float) -> Float { { r, _, _ in r } }
    public var settings: [MethodSetting] { [MethodSetting("patterns", "\(patterns.images) images"), MethodSetting("regimes", twoSided ? "two-sided" : "positive")] }
}
