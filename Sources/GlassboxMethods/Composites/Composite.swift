import GlassboxModels

/// The numbers a relevance composite's rules take (each method's options set them).
public struct RuleParameters: Sendable, Equatable {
    /// LRP-ε's stabiliser.
    public var epsilon: Float = 1e-6
    /// LRP-γ's boost of the positive weights.
    public var gamma: Float = 0.25
    /// LRP-αβ's α (β = α − 1).
    public var alpha: Float = 1
    /// The input bounds of the z^B rule (pixels in [0, 1] by default).
    public var low: Float = 0
    public var high: Float = 1
    /// The tiny stabiliser of z⁺, proportional pooling and the other divisions (the reference's 1e-10).
    public var stabilizer: Float = 1e-10

    public init() {}
}

/// A named set of rules per layer kind, as Zennit's composites: "EpsilonPlus" is ε in dense
/// layers and z⁺ in convolutions. Each composite is one small file; `CompositeCatalog` lists them.
public struct Composite: Sendable {
    /// The name users write, e.g. "EpsilonPlus".
    public var name: String
    /// One line: which rule goes where.
    public var summary: String
    /// The rule set for these parameters.
    public var rules: @Sendable (RuleParameters) -> RuleSet

    public init(_ name: String, summary: String, rules: @escaping @Sendable (RuleParameters) -> RuleSet) {
        self.name = name
        self.summary = summary
        self.rules = rules
    }

    /// The relevance rule set every LRP composite starts from: `dense` and `conv` rules for the
    /// linear layers; average pooling by LRP-ε with the tiny stabiliser (relevance in proportion to
    /// the window's activations); max pooling to the window's first maximal cell (winner takes all);
    /// activations and dropout pass relevance through; flatten and reshape reshape it. Any other
    /// layer (a softmax inside the model) has no rule and is refused before the walk.
    public static func relevance(_ name: String, dense: any BackwardRule, conv: any BackwardRule,
                                 input: (any BackwardRule)? = nil, pooling: (any BackwardRule)? = nil,
                                 _ parameters: RuleParameters) -> RuleSet {
        let average = LRPEpsilonRule(epsilon: parameters.stabilizer)
        let pass = PassThroughRule()
        return RuleSet(name: name, defaultRule: nil, rulesByKind: [
            .dense: dense, .conv2d: conv, .avgpool: pooling ?? average, .globalavgpool: average,
            .maxpool: pooling ?? GradientRule(), .relu: pass, .sigmoid: pass, .tanh: pass, .dropout: pass,
            .flatten: GradientRule(), .reshape: GradientRule(),
        ], inputLayerRule: input)
    }
}

/// Every named LRP composite, in the order of the help.
public enum CompositeCatalog {
    public static let all: [Composite] = [
        .epsilon, .zPlus, .alphaBeta, .gamma, .wSquare, .flat,
        .epsilonPlus, .epsilonAlpha2Beta1, .epsilonPlusFlat, .epsilonGammaBox, .deepTaylor,
    ]

    /// The names, for choices and messages.
    public static var names: [String] { all.map(\.name) }

    /// The composite called `name`.
    public static func composite(_ name: String) -> Composite? { all.first { $0.name == name } }
}
