import Foundation
import GlassboxEngine

/// Sparseness of a map: the Gini index of its absolute values, sorted ascending a₁ ≤ … ≤ aₙ,
///
///     G = Σₖ (2k − n − 1) aₖ / (n Σₖ aₖ),
///
/// 0 when all values are equal, (n − 1)/n when one value holds everything. Higher is sparser (a
/// few pixels explain the decision). 0 for an all-zero map.
///
/// From Chalasani, Chen, Chowdhury, Wu & Jha (2020), Concise explanations of neural networks using
/// adversarial training, ICML (the form Quantus implements as `Sparseness`).
public enum Sparseness {
    public static let title = "Sparseness (Gini)"

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

    /// The Gini index of each map of `maps` ([N, …]).
    public static func perImage(_ maps: Tensor) -> [Float] {
        (0..<(maps.shape.first ?? 0)).map { gini(rowSlice(maps, $0)) }
    }
}

/// Complexity of a map: the Shannon entropy (in nats) of its share of absolute relevance per value,
/// pᵢ = |Rᵢ| / Σⱼ |Rⱼ|, H = −Σ pᵢ ln pᵢ. Lower is simpler: ln n when relevance is spread evenly over
/// n values, 0 when one value holds it all; 0 for an all-zero map.
///
/// From Bhatt, Weller & Moura (2020), Evaluating and aggregating feature-based model explanations,
/// IJCAI (Quantus' `Complexity`).
public enum Complexity {
    public static let title = "Complexity (entropy)"

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

    /// The entropy of each map of `maps` ([N, …]).
    public static func perImage(_ maps: Tensor) -> [Float] {
        (0..<(maps.shape.first ?? 0)).map { entropy(rowSlice(maps, $0)) }
    }
}
