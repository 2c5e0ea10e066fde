import GlassboxModels

extension Composite {
    /// The w² rule in every dense and conv layer (relevance spread by squared weights only).
    public static let wSquare = Composite("WSquare", summary: "w² in dense and conv layers") { p in
        let rule = LRPWSquareRule(stabilizer: p.stabilizer)
        return relevance("WSquare", dense: rule, conv: rule, p)
    }
}
