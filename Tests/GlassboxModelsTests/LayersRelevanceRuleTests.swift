import XCTest
import GlassboxEngine
@testable import GlassboxModels

/// LRP-αβ / z⁺, z^B, proportional pooling, deep Taylor and DeepLIFT rescale.
final class LayersRelevanceRuleTests: XCTestCase {
    func dense(_ name: String, _ w: [Float], out: Int, in inputs: Int, bias: [Float]? = nil) -> Dense {
        var rng = SeededRandom(seed: 0)
        let layer = Dense(name: name, inputs: inputs, outputs: out, bias: bias != nil, rng: &rng)
        layer.weight.value = Tensor(shape: [out, inputs], scalars: w)
        if let bias { layer.bias!.value = Tensor(shape: [out], scalars: bias) }
        return layer
    }

    /// W = [[1, −2], [3, 1]], a = [1, 2]: z⁺ = [1, 5]. With R = [1, 5]: z⁺ gives [4, 2];
    /// α = 2, β = 1: z⁻ = [−4, 0], c⁻ = [0, 0.5], R = a ⊙ (2·[4, 1] − [0, 0.5]) = [8, 3].
    func testAlphaBetaByHand() throws {
        let model = try Sequential(layers: [dense("fc", [1, -2, 3, 1], out: 2, in: 2)], inputShape: [2])
        let record = try model.forwardRecording(Tensor(shape: [1, 2], scalars: [1, 2]), training: false)
        let seed = Tensor(shape: [1, 2], scalars: [1, 5])
        let zPlus = try model.backward(record, seed: seed, rules: .lrpAlphaBeta()).inputSignal
        assertNear(zPlus.scalars, [4, 2])
        let ab = try model.backward(record, seed: seed, rules: .lrpAlphaBeta(alpha: 2, beta: 1)).inputSignal
        assertNear(ab.scalars, [8, 3])
    }

    /// W = [[1, −1]], x = [0.5, 0.5], l = 0, h = 1: z = 0 − 0 + 1 = 1; R_in = [0.5, 0.5].
    func testBoundedRuleByHand() throws {
        let model = try Sequential(layers: [dense("fc", [1, -1], out: 1, in: 2)], inputShape: [2])
        let record = try model.forwardRecording(Tensor(shape: [1, 2], scalars: [0.5, 0.5]), training: false)
        let r = try model.backward(record, seed: Tensor(shape: [1, 1], scalars: [1]), rules: .deepTaylor()).inputSignal
        assertNear(r.scalars, [0.5, 0.5])
    }

    /// 7×7 → 4×4 SAME max pooling, a = ramp + 1, R = 1 everywhere: each real cell gets a_j / Σ_window a.
    func testProportionalPoolingSevenToFour() throws {
        let model = try Sequential(layers: [MaxPool2D(name: "pool", window: (2, 2), stride: (2, 2), padding: .same)],
                                   inputShape: [1, 7, 7])
        let a = Tensor(shape: [1, 1, 7, 7], scalars: (1...49).map(Float.init))
        let record = try model.forwardRecording(a, training: false)
        let rules = RuleSet(name: "pooling", rulesByKind: [.maxpool: ProportionalPoolingRule()])
        let r = try model.backward(record, seed: Tensor(repeating: 1, shape: [1, 1, 4, 4]), rules: rules).inputSignal
        XCTAssertEqual(r.scalars[48], 1, accuracy: 1e-6)                 // bottom-right corner, alone
        XCTAssertEqual(r.scalars[6], 7.0 / 21, accuracy: 1e-6)           // window {7, 14}
        XCTAssertEqual(r.scalars[13], 14.0 / 21, accuracy: 1e-6)
        XCTAssertEqual(r.scalars[0], 1.0 / 20, accuracy: 1e-6)           // window {1, 2, 8, 9}
        XCTAssertEqual(Double(r.sum()), 16, accuracy: 1e-4)
    }

    /// Deep Taylor on a bias-free conv net with inputs in [0, 1]: Σ_pixels R = the seed (1 for the
    /// explained class), per image.
    func testDeepTaylorConservesRelevance() throws {
        var rng = SeededRandom(seed: 51)
        let model = try Sequential(layers: [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 4, kernel: (3, 3), stride: (1, 1), padding: .same, bias: false, rng: &rng),
            ReLU(name: "relu1"),
            MaxPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same),
            Conv2D(name: "conv2", inChannels: 4, outChannels: 8, kernel: (3, 3), stride: (1, 1), padding: .same, bias: false, rng: &rng),
            ReLU(name: "relu2"),
            MaxPool2D(name: "pool2", window: (2, 2), stride: (2, 2), padding: .same),
            Flatten(name: "flatten"),
            Dense(name: "fc1", inputs: 8 * 2 * 2, outputs: 16, bias: false, rng: &rng), ReLU(name: "relu3"),
            Dense(name: "logits", inputs: 16, outputs: 3, bias: false, rng: &rng),
        ], inputShape: [1, 7, 7])
        let x = layerTestTensor([2, 1, 7, 7], seed: 52, low: 0, high: 1)
        let record = try model.forwardRecording(x, training: false)
        let relevance = try model.backward(record, seed: try oneHotSeed(targets: [0, 2], classes: 3),
                                           rules: .deepTaylor()).inputSignal
        for i in 0..<2 {
            let total = relevance.scalars[(i * 49)..<((i + 1) * 49)].reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(total, 1, accuracy: 1e-3, "image \(i)")
        }
        XCTAssertTrue(relevance.scalars.contains { $0 != 0 })
    }

    /// DeepLIFT rescale: contributions Δx ⊙ m sum to Δ(logit of the class) exactly (summation to
    /// delta), with biases and a conv stride-2 layer; the gradient rule does not.
    func testDeepLiftSummationToDelta() throws {
        var rng = SeededRandom(seed: 61)
        let conv = Conv2D(name: "conv1", inChannels: 1, outChannels: 3, kernel: (4, 4), stride: (2, 2), padding: .same,
                          bias: true, rng: &rng)
        conv.bias!.value = layerTestTensor([3], seed: 62, low: -0.2, high: 0.2)
        let fc1 = Dense(name: "fc1", inputs: 3 * 4 * 4, outputs: 10, bias: true, rng: &rng)
        fc1.bias!.value = layerTestTensor([10], seed: 63, low: -0.2, high: 0.2)
        let model = try Sequential(layers: [
            conv, ReLU(name: "relu1"), Flatten(name: "flatten"), fc1, ReLU(name: "relu2"),
            Dense(name: "logits", inputs: 10, outputs: 4, bias: true, rng: &rng),
        ], inputShape: [1, 8, 8])
        let x = layerTestTensor([2, 1, 8, 8], seed: 64, low: 0, high: 1)
        let x0 = Tensor(zeros: x.shape)
        let record = try model.forwardRecording(x, training: false)
        let reference = try model.forwardRecording(x0, training: false)
        let targets = [1, 3]
        let seed = try oneHotSeed(targets: targets, classes: 4)
        let m = try model.backward(record, seed: seed, rules: .deepLiftRescale, reference: reference).inputSignal
        let contributions = try x.subtracting(x0).multiplying(m)
        for (i, t) in targets.enumerated() {
            let total = contributions.scalars[(i * 64)..<((i + 1) * 64)].reduce(0.0) { $0 + Double($1) }
            let delta = Double(record.output.scalars[i * 4 + t] - reference.output.scalars[i * 4 + t])
            XCTAssertEqual(total, delta, accuracy: 1e-4 * max(1, abs(delta)), "image \(i)")
        }
        XCTAssertThrowsError(try model.backward(record, seed: seed, rules: .deepLiftRescale)) {
            XCTAssertTrue("\($0)".contains("reference"), "\($0)")
        }
    }

    func testRulesRejectLayersTheyDoNotFit() throws {
        let model = try Sequential(layers: [ReLU(name: "relu")], inputShape: [2])
        let record = try model.forwardRecording(Tensor(shape: [1, 2], scalars: [1, 2]), training: false)
        let rules = RuleSet(name: "bad", rulesByKind: [.relu: LRPAlphaBetaRule()])
        XCTAssertThrowsError(try model.backward(record, seed: Tensor(shape: [1, 2], scalars: [1, 1]), rules: rules)) {
            XCTAssertTrue("\($0)".contains("relu"), "\($0)")
        }
    }

    func assertNear(_ a: [Float], _ b: [Float], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5, "\(a) vs \(b)", file: file, line: line) }
    }
}
