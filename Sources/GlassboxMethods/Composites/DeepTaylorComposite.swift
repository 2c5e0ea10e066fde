import GlassboxModels

extension Composite {
    /// Deep Taylor decomposition as chapters 2.4 and 5.1 do it: z⁺ in every dense and conv layer,
    /// the proportional rule at max and average pooling, z^B (low…high) at the input layer.
    public static let deepTaylor = Composite("DeepTaylor",
                                             summary: "z⁺ in dense and conv layers, proportional pooling, z^B at the input layer") { p in
        let zPlus = LRPAlphaBetaRule(alpha: 1, beta: 0, stabilizer: p.stabilizer)
        return relevance("DeepTaylor", dense: zPlus, conv: zPlus, input: LRPBoundedRule(low: p.low, high: p.high, stabilizer: p.stabilizer),
                         pooling: ProportionalPoolingRule(stabilizer: p.stabilizer), p)
    }
}
