import XCTest
import GlassboxEngine
@testable import GlassboxModels

/// The rule-swapping backward walk: gradient, guided backprop and deconvnet, checked by hand.
final class LayersBackwardRuleTests: XCTestCase {
    /// Chapter 3.3 toy: ReLU input f = [[−2, 2], [2, −2]], incoming signal g = [[−1, −1], [1, 1]].
    func testChapterThreeThreeToy() throws {
        let model = try Sequential(layers: [ReLU(name: "relu")], inputShape: [2, 2])
        let f = Tensor(shape: [1, 2, 2], scalars: [-2, 2, 2, -2])
        let g = Tensor(shape: [1, 2, 2], scalars: [-1, -1, 1, 1])
        let record = try model.forwardRecording(f, training: false)
        XCTAssertEqual(try model.backward(record, seed: g, rules: .gradient).inputSignal.scalars, [0, -1, 1, 0])
        XCTAssertEqual(try model.backward(record, seed: g, rules: .deconvnet).inputSignal.scalars, [0, 0, 1, 1])
        XCTAssertEqual(try model.backward(record, seed: g, rules: .guidedBackprop).inputSignal.scalars, [0, 0, 1, 0])
    }

    /// x (2) → fc1 (3, W1) → ReLU → fc2 (2, W2), zero biases.
    func makeTwoLayerNetwork() throws -> Sequential {
        var rng = SeededRandom(seed: 0)
        let fc1 = Dense(name: "fc1", inputs: 2, outputs: 3, bias: true, rng: &rng)
        fc1.weight.value = Tensor(shape: [3, 2], scalars: [2, 1, 1, 3, 1, -1])
        let fc2 = Dense(name: "fc2", inputs: 3, outputs: 2, bias: false, rng: &rng)
        fc2.weight.value = Tensor(shape: [2, 3], scalars: [1, 1, 1, -1, 2, 3])
        return try Sequential(layers: [fc1, ReLU(name: "relu1"), fc2], inputShape: [2])
    }

    /// By hand for x = [1, −1]: h = W1·x = [1, −2, 2]; explaining class 1 the signal at the ReLU
    /// output is W2 row 1 = [−1, 2, 3].
    /// - gradient:  [−1, 0, 3]  → W1ᵀ· = [1, −4]
    /// - guided:    [0, 0, 3]   → [3, −3]
    /// - deconvnet: [0, 2, 3]   → [5, 3]
    /// Image 2, x = [0, 1], h = [1, 3, −1], explaining class 0: signal [1, 1, 1];
    /// gradient/guided [1, 1, 0] → [3, 4]; deconvnet [1, 1, 1] → [4, 3].
    func testTwoLayerNetworkByHandBatched() throws {
        let model = try makeTwoLayerNetwork()
        let x = Tensor(shape: [2, 2], scalars: [1, -1, 0, 1])
        XCTAssertEqual(try model.forward(x).scalars, [3, 5, 4, 5])
        let plain = try gradient(of: model, inputs: x, targets: [1, 0])
        XCTAssertEqual(plain.scalars, [1, -4, 3, 4])
        XCTAssertEqual(try gradient(of: model, inputs: x, targets: [1, 0], rules: .guidedBackprop).scalars, [3, -3, 3, 4])
        XCTAssertEqual(try gradient(of: model, inputs: x, targets: [1, 0], rules: .deconvnet).scalars, [5, 3, 4, 3])
        // Explaining no longer changes parameter gradients.
        XCTAssertEqual(model.parameters[0].gradient.scalars, [0, 0, 0, 0, 0, 0])
    }

    func testCaptureStopAndStart() throws {
        let model = try makeTwoLayerNetwork()
        let x = Tensor(shape: [1, 2], scalars: [1, -1])
        let record = try model.forwardRecording(x, training: false)
        let seed = try oneHotSeed(targets: [1], classes: 2)
        let result = try model.backward(record, seed: seed, rules: .gradient, captureAt: ["relu1", "fc1", "fc2"])
        XCTAssertEqual(result.captured["fc2"]?.scalars, [0, 1])
        XCTAssertEqual(result.captured["relu1"]?.scalars, [-1, 2, 3])
        XCTAssertEqual(result.captured["fc1"]?.scalars, [-1, 0, 3])
        let stopped = try model.backward(record, seed: seed, rules: .gradient, stopAt: "fc1")
        XCTAssertEqual(stopped.inputSignal.scalars, [-1, 0, 3])
        // Seeding hidden unit 2 of fc1 directly: the gradient is W1 row 2 = [1, −1].
        let hidden = try gradient(of: model, inputs: x, targets: [2], at: "fc1")
        XCTAssertEqual(hidden.scalars, [1, -1])
        // Per-layer override beats the kind rule.
        var rules = RuleSet.guidedBackprop
        rules.rulesByLayerName["relu1"] = GradientRule()
        XCTAssertEqual(try model.backward(record, seed: seed, rules: rules).inputSignal.scalars, [1, -4])
    }

    func testBackwardErrorsNameWhatIsWrong() throws {
        let model = try makeTwoLayerNetwork()
        let record = try model.forwardRecording(Tensor(shape: [1, 2], scalars: [1, -1]), training: false)
        XCTAssertThrowsError(try model.backward(record, seed: Tensor(zeros: [1, 3]), rules: .gradient)) { error in
            XCTAssertTrue("\(error)".contains("fc2") && "\(error)".contains("[1, 3]"), "\(error)")
        }
        XCTAssertThrowsError(try model.backward(record, seed: Tensor(zeros: [1, 2]), rules: .gradient, captureAt: ["conv9"])) {
            XCTAssertEqual($0 as? LayerError, .unknownLayer("conv9"))
        }
        XCTAssertThrowsError(try gradient(of: model, inputs: Tensor(zeros: [1, 2]), targets: [2]))
        XCTAssertThrowsError(try gradient(of: model, inputs: Tensor(zeros: [2, 2]), targets: [0]))
        let other = try makeTwoLayerNetwork()
        XCTAssertThrowsError(try other.backward(record, seed: Tensor(zeros: [1, 2]), rules: .gradient))
    }

    /// Guided backprop through max pooling and convolution equals the hand chain: pool routes to
    /// the switch, conv transposes, ReLUs gate by both signs.
    func testGuidedBackpropThroughConvNetMatchesManualChain() throws {
        var rng = SeededRandom(seed: 31)
        let conv = Conv2D(name: "conv", inChannels: 1, outChannels: 2, kernel: (3, 3), stride: (1, 1), padding: .same,
                          bias: true, rng: &rng)
        let model = try Sequential(layers: [conv, ReLU(name: "relu"),
                                            MaxPool2D(name: "pool", window: (2, 2), stride: (2, 2), padding: .same),
                                            Flatten(name: "flat")], inputShape: [1, 5, 5])
        let x = layerTestTensor([1, 1, 5, 5], seed: 32)
        let record = try model.forwardRecording(x, training: false)
        let seed = layerTestTensor([1, 18], seed: 33)
        let guided = try model.backward(record, seed: seed, rules: .guidedBackprop).inputSignal
        // Manual chain.
        let convOut = record.steps[0].output
        let reluOut = record.steps[1].output
        let atPool = try Pooling2D.maxBackward(input: reluOut, outputGradient: seed.reshaped([1, 2, 3, 3]), window: (2, 2),
                                               stride: (2, 2), padding: .same)
        var gated = atPool
        for i in gated.scalars.indices where !(convOut.scalars[i] > 0 && gated.scalars[i] > 0) { gated.scalars[i] = 0 }
        let expected = try Convolution2D.inputGradient(outputGradient: gated, weight: conv.weight.value, inputShape: x.shape,
                                                       stride: (1, 1), padding: .same)
        XCTAssertEqual(guided, expected)
        XCTAssertGreaterThan(gated.scalars.filter { $0 != 0 }.count, 0)
    }
}
