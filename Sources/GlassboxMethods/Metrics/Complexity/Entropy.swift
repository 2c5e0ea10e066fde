import Foundation
import GlassboxEngine

/// Complexity of a map: the Shannon entropy (in nats) of each value's share of the absolute
/// relevance, pᵢ = |Rᵢ| / Σⱼ |Rⱼ|, H = −Σ pᵢ ln pᵢ: ln n when relevance is spread evenly over n
/// values, 0 when one value holds it all (and for an all-zero map). Lower is simpler.
///
/// From Bhatt, Weller & Moura (2020), Evaluating and aggregating feature-based model explanations,
/// IJCAI (Quantus' `Complexity`).
public struct Entropy: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "entropy", title: "Complexity (entropy)", category: .complexity,
        citation: "Bhatt, Weller & Moura (2020), Evaluating and aggregating feature-based model explanations, IJCAI",
        summary: "The entropy (nats) of each pixel's share of the absolute relevance: ln n when spread evenly, 0 when one pixel holds it all; lower is simpler.",
        formula: "H(R) = -\\sum_{i} p_i \\ln p_i,\\quad p_i = \\frac{\\lvert R_i \\rvert}{\\sum_j \\lvert R_j \\rvert}",
        details: "Computed on the map of the unmodified image over all its values; an all-zero map scores 0. On 28×28 images the "
            + "largest possible value is ln 784 ≈ 6.66.",
        direction: .lowerIsBetter,
        example: "entropy(net, xs, method: \"saliency\").mean")

    public init() {}
    public init(options: MethodOptions) {}

    /// The entropy of one map.
    public static func entropy(_ map: ArraySlice<Float>) -> Float {
        let total = map.reduce(0.0) { $0 + Double(abs($1)) }
        guard total > 0 else { return 0 }
        var h = 0.0
        for value in map where value != 0 {
            let p = Double(abs(value)) / total
            h -= p * log(p)
        }
        return Float(h)
    }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let maps = try subject.maps(monitor: monitor, metric: Self.declaration.title)
        return result(subject, scores: (0..<subject.count).map { Self.entropy(rowSlice(maps, $0)) })
    }
}
