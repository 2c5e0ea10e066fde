import GlassboxModels

extension Composite {
    /// LRP-γ in every dense and conv layer.
    public static let gamma = Composite("Gamma", summary: "γ (γ from gamma:) in dense and conv layers") { p in
        let rule = LRPGammaRule(gamma: p.gamma)
        return relevance("Gamma", dense: rule, conv: rule, p)
    }
}
