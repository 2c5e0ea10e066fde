import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// Guided backprop and deconvnet against numbers worked out by hand.
final class RuleMethodTests: XCTestCase {
    /// x = [1, 2] → Dense W1 (3×2, no bias) → ReLU → Dense W2 (2×3, no bias).
    /// W1 rows [1, −1], [2, 1], [1, 1]: pre-activation [−1, 4, 3], ReLU output [0, 4, 3].
    /// W2 rows [2, −1, 3], [0, 1, 1]: logits [−4 + 9, 4 + 3] = [5, 7].
    private func handNetwork() throws -> Sequential {
        var rng = SeededRandom(seed: 0)
        let fc1 = Dense(name: "fc1", inputs: 2, outputs: 3, bias: false, rng: &rng)
        fc1.weight.value = Tensor(shape: [3, 2], scalars: [1, -1, 2, 1, 1, 1])
        let fc2 = Dense(name: "logits", inputs: 3, outputs: 2, bias: false, rng: &rng)
        fc2.weight.value = Tensor(shape: [2, 3], scalars: [2, -1, 3, 0, 1, 1])
        return try Sequential(layers: [fc1, ReLU(name: "relu"), fc2], inputShape: [2])
    }

    private let x = Tensor(shape: [1, 2], scalars: [1, 2])

    func testClassZeroByHand() throws {
        let model = try ExplainedModel(try handNetwork())
        // Signal at the ReLU output for class 0: g = row 0 of W2 = [2, −1, 3].
        // Gradient: g·1[pre > 0] = [0, −1, 3]; W1ᵀ·that = [0 − 2 + 3, 0 − 1 + 3] = [1, 2].
        let gradient = try Saliency(model).attribute(x, targets: .class(0))
        XCTAssertEqual(gradient.attributions.scalars, [1, 2])
        XCTAssertEqual(gradient.outputs, [5])
        // Guided: g·1[out > 0]·1[g > 0] = [0, 0, 3]; W1ᵀ·that = [3, 3].
        XCTAssertEqual(try GuidedBackprop(model).attribute(x, targets: .class(0)).attributions.scalars, [3, 3])
        // Deconvnet: max(g, 0) = [2, 0, 3]; W1ᵀ·that = [2 + 0 + 3, −2 + 0 + 3] = [5, 1].
        XCTAssertEqual(try Deconvnet(model).attribute(x, targets: .class(0)).attributions.scalars, [5, 1])
    }

    func testClassOneAndPredictedByHand() throws {
        let model = try ExplainedModel(try handNetwork())
        // Predicted class is 1 (logit 7 > 5). g = [0, 1, 1].
        // Gradient: [0, 1, 1] → W1ᵀ = [0 + 2 + 1, 0 + 1 + 1] = [3, 2]; guided and deconvnet agree here.
        let gradient = try Saliency(model).attribute(x)
        XCTAssertEqual(gradient.targets, [1])
        XCTAssertEqual(gradient.attributions.scalars, [3, 2])
        XCTAssertEqual(try GuidedBackprop(model).attribute(x).attributions.scalars, [3, 2])
        XCTAssertEqual(try Deconvnet(model).attribute(x).attributions.scalars, [3, 2])
    }

    func testHiddenUnitTargetsByHand() throws {
        let model = try ExplainedModel(try handNetwork())
        // Unit 0 of the ReLU is off (pre-activation −1): seed e_0 at the ReLU output.
        // Gradient and guided: blocked → [0, 0]. Deconvnet: max(e_0, 0) = e_0 → row 0 of W1 = [1, −1].
        let unit0 = Target.channel(0, layer: "relu")
        XCTAssertEqual(try Saliency(model).attribute(x, targets: unit0).attributions.scalars, [0, 0])
        XCTAssertEqual(try GuidedBackprop(model).attribute(x, targets: unit0).attributions.scalars, [0, 0])
        let deconv = try Deconvnet(model).attribute(x, targets: unit0)
        XCTAssertEqual(deconv.attributions.scalars, [1, -1])
        XCTAssertEqual(deconv.outputs, [0])
        // Unit 2 is on (3): all three give row 2 of W1 = [1, 1]; the explained value is 3.
        let unit2 = Target.channel(2, layer: "relu")
        for explanation in [try Saliency(model).attribute(x, targets: unit2), try GuidedBackprop(model).attribute(x, targets: unit2),
                            try Deconvnet(model).attribute(x, targets: unit2)] {
            XCTAssertEqual(explanation.attributions.scalars, [1, 1])
            XCTAssertEqual(explanation.outputs, [3])
        }
    }

    func testChapter33ToyExample() throws {
        // Forward input f = [[−2, 2], [2, −2]] into a ReLU; the layer after it (weights = the incoming
        // gradient g = [[−1, −1], [1, 1]]) makes ∂S/∂ReLU-output = g.
        var rng = SeededRandom(seed: 0)
        let readout = Dense(name: "logits", inputs: 4, outputs: 1, bias: false, rng: &rng)
        readout.weight.value = Tensor(shape: [1, 4], scalars: [-1, -1, 1, 1])
        let model = try ExplainedModel(try Sequential(layers: [ReLU(name: "relu"), readout], inputShape: [4]))
        let f = Tensor(shape: [1, 4], scalars: [-2, 2, 2, -2])
        XCTAssertEqual(try Saliency(model).attribute(f).attributions.scalars, [0, -1, 1, 0])
        XCTAssertEqual(try Deconvnet(model).attribute(f).attributions.scalars, [0, 0, 1, 1])
        XCTAssertEqual(try GuidedBackprop(model).attribute(f).attributions.scalars, [0, 0, 1, 0])
    }

    func testStrongestChannelsByHand() throws {
        let model = try ExplainedModel(try handNetwork())
        // ReLU outputs: image [1, 2] → [0, 4, 3]; image [2, 0] → [2, 4, 2]; totals [2, 8, 5].
        let batch = Tensor(shape: [2, 2], scalars: [1, 2, 2, 0])
        XCTAssertEqual(try FeatureChannels.totals(of: model, inputs: batch, layer: "relu"), [2, 8, 5])
        XCTAssertEqual(try FeatureChannels.strongest(2, of: model, inputs: batch, layer: "relu"), [1, 2])
        XCTAssertEqual(try FeatureChannels.strongest(3, of: model, inputs: batch, layer: "relu"), [1, 2, 0])
        XCTAssertThrowsError(try FeatureChannels.strongest(4, of: model, inputs: batch, layer: "relu"))
    }

    func testStrongestChannelsOfAConvLayerSumOverPositions() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let inputs = TestNetworks.randomInputs([3, 1, 6, 6], seed: 41)
        let model = try ExplainedModel(network, batchSize: 2)
        let totals = try FeatureChannels.totals(of: model, inputs: inputs, layer: "pool1")
        let activation = try network.forwardRecording(inputs, training: false).output(of: "pool1") // [3, 3, 3, 3]
        for c in 0..<3 {
            var expected = 0.0
            for i in 0..<3 { for j in 0..<9 { expected += Double(activation.scalars[(i * 3 + c) * 9 + j]) } }
            XCTAssertEqual(totals[c], expected, accuracy: 1e-5)
        }
        let top = try FeatureChannels.strongest(3, of: model, inputs: inputs, layer: "pool1")
        XCTAssertEqual(Set(top), [0, 1, 2])
        XCTAssertTrue(zip(top, top.dropFirst()).allSatisfy { totals[$0] >= totals[$1] })
    }
}
