import GlassboxEngine
import GlassboxModels

/// PatternNet (Kindermans et al. 2018): the backward pass with each dense and conv layer's weights
/// replaced by its learned signal patterns (`learnPatterns`), started from f(x) at the target. The
/// map is an estimate of the signal in the input that the explained output responded to, in pixel
/// units; for a linear model y = wᵀx it is a·y.
public struct PatternNet: BackwardMethod {
    public static let declaration = MethodDeclaration(
        id: "patternNet", title: "PatternNet",
        citation: "Kindermans, Schütt, Alber, Müller, Erhan, Kim & Dähne (2018), Learning how to explain neural networks: PatternNet and PatternAttribution, ICLR",
        summary: "PatternNet: the backward pass with every dense and conv weight replaced by its learned signal pattern a = cov[x, y] / σ²_y; an estimate of the signal in the input.",
        details: "Needs the model's patterns: learnPatterns(net, mnist.train) learns them in one pass (a₊ where a unit's output is > 0, "
            + "a₋ elsewhere), save(net, to: …) keeps them beside the model file and load reads them back. ReLUs and pooling keep their gradient.",
        options: [.patternRegimes], display: .signed, outputs: [.logit],
        example: "learnPatterns(net, mnist.train, images: 10000)\npatternNet(net, xs)", page: "patternnet.md",
        figure: "patternNet(net, xs, target: \"label\")")

    public var model: ExplainedModel
    public var patterns: SignalPatterns
    public var twoSided: Bool

    public init(_ model: ExplainedModel, twoSided: Bool = true) throws {
        self.model = model
        self.patterns = try model.signalPatterns(method: Self.declaration.title)
        self.twoSided = twoSided
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, twoSided: options.string("regimes") == "two-sided")
    }

    public var plan: BackwardPlan { BackwardPlan(rules: .patternNet(patterns, twoSided: twoSided), seed: .relevance) }
    public var combine: @Sendable (Float, Float, Float) -> Float { { s, _, _ in s } }
    public var settings: [MethodSetting] { [MethodSetting("patterns", "\(patterns.images) images"), MethodSetting("regimes", twoSided ? "two-sided" : "positive")] }
}
