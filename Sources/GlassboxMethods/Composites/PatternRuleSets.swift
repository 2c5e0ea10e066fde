import GlassboxEngine
import GlassboxModels

extension RuleSet {
    /// PatternNet (Kindermans et al. 2018): every dense and conv layer propagates back with its signal
    /// patterns a_± in place of its weights (`PatternRule`); ReLUs, pooling and reshaping layers
    /// keep their gradient. With `twoSided` false, a₊ serves both regimes.
    public static func patternNet(_ patterns: SignalPatterns, twoSided: Bool = true) -> RuleSet {
        var rules: [String: any BackwardRule] = [:]
        for pattern in patterns.layers {
            rules[pattern.layer] = PatternRule(positive: pattern.positive, negative: twoSided ? pattern.negative : pattern.positive,
                                               name: "pattern a")
        }
        return RuleSet(name: "PatternNet", rulesByLayerName: rules)
    }

    /// PatternAttribution: the same walk with w ⊙ a_± in place of the weights, so that for a linear
    /// model the map is (w ⊙ a) · y: the weight's contribution of the signal, not of the distractor.
    public static func patternAttribution(_ patterns: SignalPatterns, network: Sequential, twoSided: Bool = true) throws -> RuleSet {
        var rules: [String: any BackwardRule] = [:]
        for pattern in patterns.layers {
            guard let layer = network.layer(named: pattern.layer) as? any LinearLayer else {
                throw PatternError(source: "the patterns", reason: "name layer '\(pattern.layer)', which is not a dense or conv layer of the model")
            }
            let w = layer.weight.value
            let positive = try w.multiplying(pattern.positive)
            let negative = twoSided ? try w.multiplying(pattern.negative) : positive
            rules[pattern.layer] = PatternRule(positive: positive, negative: negative, name: "pattern w ⊙ a")
        }
        return RuleSet(name: "PatternAttribution", rulesByLayerName: rules)
    }
}

extension MethodOption {
    /// Which patterns serve the y ≤ 0 regime (PatternNet, PatternAttribution).
    static let patternRegimes = MethodOption(
        "regimes", .choice(["two-sided", "positive"]), default: .string("two-sided"),
        doc: "\"two-sided\": a₊ where a unit's output was > 0, a₋ elsewhere; \"positive\": a₊ everywhere (as iNNvestigate)")
}

extension ExplainedModel {
    /// The network's learned signal patterns, checked against its weights; an error saying how to
    /// get them when there are none.
    func signalPatterns(method: String) throws -> SignalPatterns {
        guard let patterns = network.signalPatterns else {
            throw MethodError.unsupportedModel(
                method: method,
                message: "the model has no signal patterns: learn them first with learnPatterns(net, mnist.train) or load a model saved with its patterns (load(\"net.safetensors\") reads net.patterns.safetensors beside it)")
        }
        do {
            try patterns.check(against: network)
        } catch let error as PatternError {
            throw MethodError.unsupportedModel(method: method, message: error.description)
        }
        return patterns
    }
}
