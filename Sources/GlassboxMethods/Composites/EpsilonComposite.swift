import GlassboxModels

extension Composite {
    /// LRP-ε in every dense and conv layer (Bach et al. 2015).
    public static let epsilon = Composite("Epsilon", summary: "ε in dense and conv layers") { p in
        let rule = LRPEpsilonRule(epsilon: p.epsilon)
        return relevance("Epsilon", dense: rule, conv: rule, p)
    }
}
