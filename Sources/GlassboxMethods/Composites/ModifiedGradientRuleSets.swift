import GlassboxModels

extension RuleSet {
    /// Guided backprop (Springenberg et al.): ReLU passes g·1[out > 0]·1[g > 0].
    public static var guidedBackprop: RuleSet {
        RuleSet(name: "guided backprop", rulesByKind: [.relu: GuidedReLURule()])
    }

    /// Deconvnet (Zeiler & Fergus): ReLU passes max(g, 0) regardless of the forward activation.
    public static var deconvnet: RuleSet {
        RuleSet(name: "deconvnet", rulesByKind: [.relu: DeconvnetReLURule()])
    }

    /// DeepLIFT's Linear rule in dense and conv layers (their gradient), the Rescale rule at every
    /// activation, the gradient at the actual input for max pooling; walk with a reference record.
    public static var deepLiftRescale: RuleSet {
        RuleSet(name: "DeepLIFT rescale", rulesByKind: [.relu: DeepLiftRescaleRule(), .sigmoid: DeepLiftRescaleRule(),
                                                        .tanh: DeepLiftRescaleRule()])
    }
}
