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
/// multiplier…). Each rule is a small value type in a file of its own; a `RuleSet` picks one per
/// layer.
public protocol BackwardRule: Sendable {
    /// A short name for messages and tables, e.g. "gradient", "LRP-ε (ε = 1e-06)", "z⁺".
    var name: String { get }
    /// Whether the rule is defined for layers of `kind`. A backward walk checks every layer's rule
    /// before it starts, so a rule given a layer it cannot handle fails with an error naming both.
    func applies(to kind: LayerKind) -> Bool
    /// The signal at the layer's input, shaped like `context.step.input`.
    func propagate(_ signal: Tensor, context: RuleContext) throws -> Tensor
}

/// Which rule applies at which layer. Precedence: a rule for the layer's name, then the input-layer
/// rule (for the first layer), then a rule for the layer's kind, then `defaultRule`.
public struct RuleSet: Sendable {
    /// A short name for messages, e.g. "gradient", "guided backprop", "EpsilonPlus".
    public var name: String
    /// The rule for layers nothing else matches; nil when such a layer is an error (relevance
    /// composites name a rule for every kind they support).
    public var defaultRule: (any BackwardRule)?
    /// Rules by layer kind, e.g. [.relu: GuidedReLURule()].
    public var rulesByKind: [LayerKind: any BackwardRule]
    /// Rules by `Layer.name`, e.g. ["conv1": …] (strongest).
    public var rulesByLayerName: [String: any BackwardRule]
    /// The rule for the layer touching the input, if special (e.g. LRP z^B).
    public var inputLayerRule: (any BackwardRule)?

    public init(name: String, defaultRule: (any BackwardRule)? = GradientRule(),
                rulesByKind: [LayerKind: any BackwardRule] = [:], rulesByLayerName: [String: any BackwardRule] = [:],
                inputLayerRule: (any BackwardRule)? = nil) {
        self.name = name
        self.defaultRule = defaultRule
        self.rulesByKind = rulesByKind
        self.rulesByLayerName = rulesByLayerName
        self.inputLayerRule = inputLayerRule
    }

    /// The rule for `layer`, or nil when the set has none for it.
    public func rule(for layer: any Layer, isInputLayer: Bool) -> (any BackwardRule)? {
        if let rule = rulesByLayerName[layer.name] { return rule }
        if isInputLayer, let rule = inputLayerRule { return rule }
        if let rule = rulesByKind[layer.kind] { return rule }
        return defaultRule
    }

    /// The rule for the layer in `context`; throws when the set has none that fits it.
    public func rule(for context: RuleContext) throws -> any BackwardRule {
        try checkedRule(for: context.layer, isInputLayer: context.isInputLayer)
    }

    private func checkedRule(for layer: any Layer, isInputLayer: Bool) throws -> any BackwardRule {
        guard let rule = rule(for: layer, isInputLayer: isInputLayer) else {
            throw LayerError.noRule(layer: layer.name, kind: layer.kind, ruleSet: name)
        }
        guard rule.applies(to: layer.kind) else {
            throw LayerError.ruleDoesNotFit(layer: layer.name, kind: layer.kind, rule: rule.name, ruleSet: name)
        }
        return rule
    }

    /// Checks that every layer of `layers` at the positions `range` (default: all) has a rule that
    /// fits it; the error names the highest such layer that has none (the walk meets it first).
    public func check(_ layers: [any Layer], in range: Range<Int>? = nil) throws {
        let input = Sequential.inputLayerIndex(of: layers)
        for index in (range ?? 0..<layers.count).clamped(to: 0..<layers.count).reversed() {
            _ = try checkedRule(for: layers[index], isInputLayer: index == input)
        }
    }

    /// The rule each layer gets, in layer order (for tables: "which rule ran where").
    public func assignment(for layers: [any Layer]) -> [(layer: String, kind: LayerKind, rule: String)] {
        let input = Sequential.inputLayerIndex(of: layers)
        return layers.enumerated().map { index, layer in
            (layer.name, layer.kind, rule(for: layer, isInputLayer: index == input)?.name ?? "none")
        }
    }

    /// A copy using `rule` for every layer of `kind`.
    public func replacing(kind: LayerKind, with rule: any BackwardRule) -> RuleSet {
        var copy = self
        copy.rulesByKind[kind] = rule
        return copy
    }

    /// Ordinary backpropagation: every layer's own gradient.
    public static var gradient: RuleSet { RuleSet(name: "gradient") }
}

extension Sequential {
    /// The index of the layer "touching the input": the first one that only reshapes or copies
    /// (flatten, reshape, dropout) does not count.
    public static func inputLayerIndex(of layers: [any Layer]) -> Int {
        layers.firstIndex { !$0.kind.isShapeOnly } ?? 0
    }
}
