import GlassboxModels

extension Composite {
    /// Zennit's EpsilonGammaBox: ε in dense layers, γ in convolutions, z^B (low…high) at the input.
    public static let epsilonGammaBox = Composite("EpsilonGammaBox",
                                                  summary: "ε in dense layers, γ in conv layers, z^B at the input layer") { p in
        relevance("EpsilonGammaBox", dense: LRPEpsilonRule(epsilon: p.epsilon), conv: LRPGammaRule(gamma: p.gamma),
                  input: LRPBoundedRule(low: p.low, high: p.high, stabilizer: p.stabilizer), p)
    }
}
