import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// Small models and explainers whose metric values can be worked out by hand.
enum MetricFixtures {
    /// A bias-free linear classifier on 1×height×width images: S₀ = Σᵢ wᵢ xᵢ, S₁ = 0. Gradient ×
    /// input is w ⊙ x, the gradient is w, and removing pixel i lowers S₀ by wᵢ xᵢ.
    static func linearModel(_ weights: [Float], height: Int, width: Int) throws -> ExplainedModel {
        var rng = SeededRandom(seed: 1)
        let dense = Dense(name: "logits", inputs: height * width, outputs: 2, bias: false, rng: &rng)
        var values = [Float](repeating: 0, count: 2 * height * width)
        for (i, w) in weights.enumerated() { values[i] = w }
        dense.weight.value = Tensor(shape: [2, height * width], scalars: values)
        let network = try Sequential(layers: [Flatten(name: "flatten"), dense], inputShape: [1, height, width])
        return try ExplainedModel(network)
    }

    /// The same architecture freshly initialised from `seed` (the randomisation metric's fresh
    /// network for `linearModel`).
    static func freshLinear(height: Int, width: Int) -> (UInt64) throws -> Sequential {
        { seed in
            var rng = SeededRandom(seed: seed)
            let dense = Dense(name: "logits", inputs: height * width, outputs: 2, bias: false, rng: &rng)
            return try Sequential(layers: [Flatten(name: "flatten"), dense], inputShape: [1, height, width])
        }
    }

    /// Maps of uniform noise in [−1, 1] drawn from `seed` and each image's position in the call: an
    /// explanation that knows nothing about the model.
    static func randomExplainer(seed: UInt64 = 11) -> Explainer {
        Explainer(name: "random") { _, inputs, _, _ in
            Explainer.Output(maps: TestNetworks.randomInputs(inputs.shape, seed: seed &+ UInt64(inputs.scalars.count)))
        }
    }

    /// The image itself as its map: an "edge detector" that ignores the model.
    static var inputExplainer: Explainer { Explainer(name: "input") { _, inputs, _, _ in Explainer.Output(maps: inputs) } }

    /// A subject on `model` with `explainer`, following class 0 for every image.
    static func subject(_ model: ExplainedModel, _ explainer: Explainer, _ inputs: Tensor,
                        fresh: ((UInt64) throws -> Sequential)? = nil) throws -> MetricSubject {
        try MetricSubject(model: model, explainer: explainer, inputs: inputs, targets: [Int](repeating: 0, count: inputs.shape[0]),
                          freshNetwork: fresh)
    }

    static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, scalars: [Float](repeating: 1, count: shape.reduce(1, *))) }
}
