import XCTest
import GlassboxEngine
@testable import GlassboxModels

final class LayersLRPEpsilonTests: XCTestCase {
    /// Dense 2→2 without bias, W = [[1, 2], [3, −1]], a = [1, 1]: z = [3, 2]. Relevance R = [3, 0]
    /// (the first output's value): R_in = a ⊙ Wᵀ(R/z) = [1·1, 1·2] = [1, 2]; sum 3.
    func testDenseByHand() throws {
        var rng = SeededRandom(seed: 0)
        let fc = Dense(name: "fc", inputs: 2, outputs: 2, bias: false, rng: &rng)
        fc.weight.value = Tensor(shape: [2, 2], scalars: [1, 2, 3, -1])
        let model = try Sequential(layers: [fc], inputShape: [2])
        let record = try model.forwardRecording(Tensor(shape: [1, 2], scalars: [1, 1]), training: false)
        XCTAssertEqual(record.output.scalars, [3, 2])
        let r = try model.backward(record, seed: Tensor(shape: [1, 2], scalars: [3, 0]), rules: .lrpEpsilon(0)).inputSignal
        XCTAssertEqual(r.scalars[0], 1, accuracy: 1e-6)
        XCTAssertEqual(r.scalars[1], 2, accuracy: 1e-6)
    }

    /// Without biases, relevance is conserved through conv, ReLU, max and average pooling and dense:
    /// Σ_pixels R = logit of the explained class, for each image of a batch.
    func testConservationThroughConvNet() throws {
        var rng = SeededRandom(seed: 41)
        let model = try Sequential(layers: [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 4, kernel: (3, 3), stride: (1, 1), padding: .same, bias: false, rng: &rng),
            ReLU(name: "relu1"),
            MaxPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same),
            Conv2D(name: "conv2", inChannels: 4, outChannels: 6, kernel: (4, 4), stride: (2, 2), padding: .same, bias: false, rng: &rng),
            ReLU(name: "relu2"),
            AvgPool2D(name: "pool2", window: (2, 2), stride: (2, 2), padding: .same),
            Flatten(name: "flatten"),
            Dense(name: "logits", inputs: 6 * 1 * 1, outputs: 3, bias: false, rng: &rng),
        ], inputShape: [1, 7, 7])
        let x = layerTestTensor([3, 1, 7, 7], seed: 42, low: 0, high: 1)
        let record = try model.forwardRecording(x, training: false)
        let targets = [0, 1, 2]
        var seed = try oneHotSeed(targets: targets, classes: 3)
        seed = try seed.multiplying(record.output)
        let relevance = try model.backward(record, seed: seed, rules: .lrpEpsilon(1e-9)).inputSignal
        for (i, t) in targets.enumerated() {
            let total = relevance.scalars[(i * 49)..<((i + 1) * 49)].reduce(0.0) { $0 + Double($1) }
            let logit = Double(record.output.scalars[i * 3 + t])
            XCTAssertEqual(total, logit, accuracy: 1e-4 * max(1, abs(logit)), "image \(i)")
        }
    }
}
