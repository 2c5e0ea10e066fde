import GlassboxEngine

/// Sparseness of a map: the Gini index of its absolute values sorted ascending a₁ ≤ … ≤ aₙ,
/// G = Σₖ (2k − n − 1) aₖ / (n Σₖ aₖ): 0 when all values are equal, (n − 1)/n when one value holds
/// everything, 0 for an all-zero map. Higher is sparser: a few pixels explain the decision.
///
/// From Chalasani, Chen, Chowdhury, Wu & Jha (2020), Concise explanations of neural networks using
/// adversarial training, ICML (Quantus' `Sparseness`).
public struct Sparseness: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "sparseness", title: "Sparseness (Gini)", category: .complexity,
        citation: "Chalasani, Chen, Chowdhury, Wu & Jha (2020), Concise explanations of neural networks using adversarial training, ICML",
        summary: "The Gini index of the map's absolute values: 0 when relevance is spread evenly, near 1 when a few pixels hold it all; higher is sparser.",
        formula: "G(R) = \\frac{\\sum_{k=1}^{n} (2k - n - 1)\\, a_{(k)}}{n \\sum_{k=1}^{n} a_{(k)}},\\quad a_{(1)} \\le \\dots \\le a_{(n)} \\text{ the sorted } \\lvert R_i \\rvert",
        details: "Computed on the map of the unmodified image over all its values (channels included); an all-zero map scores 0. "
            + "Sparse is not the same as right: a map of one random pixel is as sparse as can be, so read it beside a faithfulness "
            + "metric.",
        direction: .higherIsBetter,
        example: "sparseness(net, xs, method: \"deepTaylor\").scores")

    public init() {}
    public init(options: MethodOptions) {}

    /// The Gini index of one map.
    public static func gini(_ map: ArraySlice<Float>) -> Float {
        let values = map.map { Double(abs($0)) }.sorted()
        let n = Double(values.count)
        let total = values.reduce(0, +)
        guard n > 0, total > 0 else { return 0 }
        var weighted = 0.0
        for (k, a) in values.enumerated() { weighted += (2 * Double(k + 1) - n - 1) * a }
        return Float(weighted / (n * total))
    }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let maps = try subject.maps(monitor: monitor, metric: Self.declaration.title)
        return result(subject, scores: (0..<subject.count).map { Self.gini(rowSlice(maps, $0)) })
    }
}
