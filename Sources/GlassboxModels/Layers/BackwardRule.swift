import GlassboxEngine

/// What a backward rule sees at one layer.
public struct RuleContext {
    /// The layer with its recorded input and output for the actual input.
    public let step: LayerStep
    /// The same layer's step for a reference input (DeepLIFT), when the walk was given one.
    public let reference: LayerStep?
    /// True for the layer that touches the network input (where z^B-style rules apply): the first
    /// layer that is not a flatten, reshape or dropout.
    public let isInputLayer: Bool
    /// True in training: gradient rules add parameter gradients.
    public let accumulateParameterGradients: Bool

    /// The layer.
    public var layer: any Layer { step.layer }
}

/// Turns the signal at a layer's output into the signal at its input (a gradient, a relevance, a
/// multiplier…). Each rule is a small value type; a `RuleSet` picks one per layer.
public protocol BackwardRule: Sendable {
    /// The signal at the layer's input, shaped like `context.step.input`.
    func propagate(_ signal: Tensor, context: RuleContext) throws -> Tensor
}

/// Which rule applies at which layer. Precedence: a rule for the layer's name, then the input-layer
/// rule (for the first layer), then a rule for the layer's kind, then `defaultRule`.
public struct RuleSet: Sendable {
    /// A short name for messages, e.g. "gradient", "guided backprop".
    public var name: String
    /// The rule for layers nothing else matches (usually `GradientRule`).
    public var defaultRule: any BackwardRule
    /// Rules by `Layer.kind`, e.g. ["relu": GuidedReLURule()].
    public var rulesByKind: [String: any BackwardRule]
    /// Rules by `Layer.name`, e.g. ["conv1": …] (strongest).
    public var rulesByLayerName: [String: any BackwardRule]
    /// The rule for the layer touching the input, if special (e.g. LRP z^B).
    public var inputLayerRule: (any BackwardRule)?

    public init(name: String, defaultRule: any BackwardRule = GradientRule(),
                rulesByKind: [String: any BackwardRule] = [:], rulesByLayerName: [String: any BackwardRule] = [:],
                inputLayerRule: (any BackwardRule)? = nil) {
        self.name = name
        self.defaultRule = defaultRule
        self.rulesByKind = rulesByKind
        self.rulesByLayerName = rulesByLayerName
        self.inputLayerRule = inputLayerRule
    }

    /// The rule for the layer in `context`.
    public func rule(for context: RuleContext) -> any BackwardRule {
        if let rule = rulesByLayerName[context.layer.name] { return rule }
        if context.isInputLayer, let rule = inputLayerRule { return rule }
        if let rule = rulesByKind[context.layer.kind] { return rule }
        return defaultRule
    }

    /// A copy using `rule` for every layer of `kind`.
    public func replacing(kind: String, with rule: any BackwardRule) -> RuleSet {
        var copy = self
        copy.rulesByKind[kind] = rule
        return copy
    }

    /// Ordinary backpropagation: every layer's own gradient.
    public static var gradient: RuleSet { RuleSet(name: "gradient") }

    /// Guided backprop (Springenberg et al.): ReLU passes g·1[out > 0]·1[g > 0].
    public static var guidedBackprop: RuleSet {
        RuleSet(name: "guided backprop", rulesByKind: ["relu": GuidedReLURule()])
    }

    /// Deconvnet (Zeiler & Fergus): ReLU passes max(g, 0) regardless of the forward activation.
    public static var deconvnet: RuleSet {
        RuleSet(name: "deconvnet", rulesByKind: ["relu": DeconvnetReLURule()])
    }
}
