import GlassboxModels

extension Composite {
    /// The flat rule in every dense and conv layer (relevance spread uniformly over connections).
    public static let flat = Composite("Flat", summary: "flat in dense and conv layers") { p in
        let rule = LRPFlatRule(stabilizer: p.stabilizer)
        return relevance("Flat", dense: rule, conv: rule, p)
    }
}
