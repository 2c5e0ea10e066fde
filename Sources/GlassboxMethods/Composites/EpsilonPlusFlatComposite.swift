import GlassboxModels

extension Composite {
    /// Zennit's EpsilonPlusFlat: EpsilonPlus with the flat rule at the layer touching the input.
    public static let epsilonPlusFlat = Composite("EpsilonPlusFlat", summary: "EpsilonPlus, with flat at the input layer") { p in
        relevance("EpsilonPlusFlat", dense: LRPEpsilonRule(epsilon: p.epsilon),
                  conv: LRPAlphaBetaRule(alpha: 1, beta: 0, stabilizer: p.stabilizer), input: LRPFlatRule(stabilizer: p.stabilizer), p)
    }
}
