import GlassboxModels

extension Composite {
    /// Zennit's EpsilonPlus: ε in dense layers, z⁺ in convolutions.
    public static let epsilonPlus = Composite("EpsilonPlus", summary: "ε in dense layers, z⁺ in conv layers") { p in
        relevance("EpsilonPlus", dense: LRPEpsilonRule(epsilon: p.epsilon),
                  conv: LRPAlphaBetaRule(alpha: 1, beta: 0, stabilizer: p.stabilizer), p)
    }
}
