import GlassboxModels

extension Composite {
    /// z⁺ (LRP-α1β0) in every dense and conv layer.
    public static let zPlus = Composite("ZPlus", summary: "z⁺ (α1β0) in dense and conv layers") { p in
        let rule = LRPAlphaBetaRule(alpha: 1, beta: 0, stabilizer: p.stabilizer)
        return relevance("ZPlus", dense: rule, conv: rule, p)
    }
}
