import GlassboxModels

extension Composite {
    /// LRP-αβ with β = α − 1 in every dense and conv layer (chapter 2.3).
    public static let alphaBeta = Composite("AlphaBeta", summary: "αβ (β = α − 1, α from alpha:) in dense and conv layers") { p in
        let rule = LRPAlphaBetaRule(alpha: p.alpha, beta: p.alpha - 1, stabilizer: p.stabilizer)
        return relevance("AlphaBeta", dense: rule, conv: rule, p)
    }
}
