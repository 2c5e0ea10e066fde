import GlassboxEngine
import GlassboxModels

/// Layer-wise relevance propagation with any composite and per-layer rules (Bach et al. 2015;
/// Montavon et al. 2019): the explained value f(x) is placed at the target and redistributed layer
/// by layer, each layer by its rule, down to the pixels. Σ R is f(x) minus what biases and
/// stabilisers absorb (the conservation receipt shows how much).
public struct LRP: BackwardMethod {
    public static let declaration = MethodDeclaration(
        id: "lrp", title: "LRP",
        citation: "Bach et al. (2015), On pixel-wise explanations for non-linear classifier decisions by layer-wise relevance propagation, PLOS ONE; Montavon et al. (2019), Layer-wise relevance propagation: an overview",
        summary: "Layer-wise relevance propagation with a named composite and rules per layer name or kind.",
        details: "The composite gives a rule to every layer kind (Zennit's names: " + CompositeCatalog.all.map { "\($0.name) — \($0.summary)" }.joined(separator: "; ")
            + "). `rules:` overrides it per layer name, kind (\"dense\", \"conv\", \"pool\", \"activation\", …) or \"input\", e.g. "
            + "[\"dense\": \"epsilon\", \"conv\": \"zPlus\", \"input\": \"zB\"]; rule names: " + RuleNames.names.joined(separator: ", ")
            + " (in any case: \"zplus\" is \"zPlus\"), with numbers in parentheses where they take them (\"epsilon(0.1)\", \"alphaBeta(2)\", \"zB(-1, 1)\"). "
            + "Every map carries its conservation receipt: Σ R against f(x).",
        chapters: ["2.3"],
        options: [
            MethodOption("composite", .choice(CompositeCatalog.names), default: .string("EpsilonPlus"),
                         doc: "the rule for every layer kind"),
            MethodOption("rules", .rules, default: .none,
                         doc: "rules per layer name, kind or \"input\" on top of the composite, e.g. [\"conv1\": \"flat\"]"),
            .epsilon, .gamma, .alpha, .low, .high,
        ],
        display: .relevanceSigned,
        example: "lrp(net, xs)\nlrp(net, xs, composite: \"EpsilonGammaBox\", gamma: 0.5)\nlrp(net, xs, rules: [\"dense\": \"epsilon\", \"conv\": \"zPlus\", \"input\": \"zB\"])",
        page: "lrp.md", figure: "lrp(net, xs, target: \"label\")")

    public var model: ExplainedModel
    public var rules: RuleSet
    public var parameters: RuleParameters

    /// LRP with a ready rule set.
    public init(_ model: ExplainedModel, rules: RuleSet, parameters: RuleParameters = RuleParameters()) {
        self.model = model
        self.rules = rules
        self.parameters = parameters
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        let parameters = RuleParameters(options)
        let composite = CompositeCatalog.composite(options.string("composite")) ?? .epsilonPlus
        let rules = try RuleNames.applying(options.table("rules"), to: composite.rules(parameters), layers: model.network.layers,
                                           parameters: parameters, method: Self.declaration.id)
        self.init(model, rules: rules, parameters: parameters)
    }

    public var plan: BackwardPlan { BackwardPlan(rules: rules, seed: .relevance, receipt: .conservation) }
    public var combine: @Sendable (Float, Float, Float) -> Float { { r, _, _ in r } }
    public var settings: [MethodSetting] { [MethodSetting("rules", rules.name)] + parameters.settings(Self.declaration) }
}
