import GlassboxModels

extension Composite {
    /// Zennit's EpsilonAlpha2Beta1: ε in dense layers, α2β1 in convolutions.
    public static let epsilonAlpha2Beta1 = Composite("EpsilonAlpha2Beta1", summary: "ε in dense layers, α2β1 in conv layers") { p in
        relevance("EpsilonAlpha2Beta1", dense: LRPEpsilonRule(epsilon: p.epsilon),
                  conv: LRPAlphaBetaRule(alpha: 2, beta: 1, stabilizer: p.stabilizer), p)
    }
}
