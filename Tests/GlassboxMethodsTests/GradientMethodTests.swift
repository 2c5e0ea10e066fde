import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

final class GradientMethodTests: XCTestCase {
    /// Saliency (the signed gradient) against central finite differences, per image of a batch.
    private func checkAgainstFiniteDifferences(_ network: Sequential, inputs: Tensor, output: ExplainedOutput,
                                               classes: [Int], file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try ExplainedModel(network, output: output, batchSize: 3)
        let explanation = try Saliency(model).attribute(inputs, targets: .classes(classes))
        XCTAssertEqual(explanation.attributions.shape, inputs.shape)
        for i in 0..<inputs.shape[0] {
            let image = inputs.rows(i..<(i + 1))
            let expected = try finiteDifferenceGradient(network, image, class: classes[i], output: output)
            let got = try explanation.image(i).attributions.scalars
            let scale = max(expected.map(abs).max()!, 1e-3)
            for j in expected.indices {
                XCTAssertEqual(Double(got[j]), expected[j], accuracy: 2e-3 * scale + 1e-5,
                               "\(output) image \(i) value \(j)", file: file, line: line)
            }
            XCTAssertEqual(Double(explanation.outputs[i]), try explainedValue(network, image, class: classes[i], output: output),
                           accuracy: 1e-5, file: file, line: line)
        }
    }

    func testDenseGradientsMatchFiniteDifferences() throws {
        let network = try TestNetworks.dense()
        let inputs = TestNetworks.randomInputs([5, 6], seed: 11)
        for output in ExplainedOutput.allCases {
            try checkAgainstFiniteDifferences(network, inputs: inputs, output: output, classes: [0, 1, 2, 3, 1])
        }
    }

    func testConvMaxPoolGradientsMatchFiniteDifferences() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let inputs = TestNetworks.randomInputs([4, 1, 6, 6], seed: 12)
        for output in [ExplainedOutput.logit, .probability, .reluLogit] {
            try checkAgainstFiniteDifferences(network, inputs: inputs, output: output, classes: [0, 1, 2, 0])
        }
    }

    func testConvAvgPoolGradientsMatchFiniteDifferences() throws {
        let network = try TestNetworks.conv(pooling: "avg")
        let inputs = TestNetworks.randomInputs([4, 1, 6, 6], seed: 13)
        for output in [ExplainedOutput.logit, .probability, .reluLogit] {
            try checkAgainstFiniteDifferences(network, inputs: inputs, output: output, classes: [2, 1, 0, 1])
        }
    }

    func testReluLogitIsZeroWhenTheScoreIsNegative() throws {
        let network = try TestNetworks.dense()
        let inputs = TestNetworks.randomInputs([8, 6], seed: 21)
        let logits = try network.forward(inputs)
        // Pick for each image the class with the smallest logit; it is negative for these images.
        let lowest = (0..<8).map { i in (0..<4).min { logits.scalars[i * 4 + $0] < logits.scalars[i * 4 + $1] }! }
        let relu = try Saliency(ExplainedModel(network, output: .reluLogit)).attribute(inputs, targets: .classes(lowest))
        let plain = try Saliency(ExplainedModel(network, output: .logit)).attribute(inputs, targets: .classes(lowest))
        var checked = 0
        for i in 0..<8 where logits.scalars[i * 4 + lowest[i]] < 0 {
            XCTAssertTrue(try relu.image(i).attributions.scalars.allSatisfy { $0 == 0 })
            XCTAssertFalse(try plain.image(i).attributions.scalars.allSatisfy { $0 == 0 })
            XCTAssertEqual(relu.outputs[i], 0)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0)
    }

    func testChannelTargetOfAConvLayerMatchesFiniteDifferencesOfTheChannelSum() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let inputs = TestNetworks.randomInputs([2, 1, 6, 6], seed: 14)
        let model = try ExplainedModel(network)
        let explanation = try Saliency(model).attribute(inputs, targets: .channels([1, 3], layer: "relu2"))
        XCTAssertEqual(explanation.targetLayer, "relu2")
        for (i, channel) in [1, 3].enumerated() {
            let image = inputs.rows(i..<(i + 1))
            func channelSum(_ x: Tensor) throws -> Double {
                let record = try network.forwardRecording(x, training: false)
                let a = try record.output(of: "relu2") // [1, 4, 2, 2]
                return a.scalars[(channel * 4)..<(channel * 4 + 4)].reduce(0.0) { $0 + Double($1) }
            }
            XCTAssertEqual(Double(explanation.outputs[i]), try channelSum(image), accuracy: 1e-5)
            let got = try explanation.image(i).attributions.scalars
            for j in 0..<image.count {
                var plus = image, minus = image
                plus.scalars[j] += 1e-3
                minus.scalars[j] -= 1e-3
                let fd = (try channelSum(plus) - channelSum(minus)) / Double(plus.scalars[j] - minus.scalars[j])
                XCTAssertEqual(Double(got[j]), fd, accuracy: 3e-3, "value \(j)")
            }
        }
    }

    func testSensitivityIsTheSquaredGradientAndSaliencyAbsolute() throws {
        let network = try TestNetworks.dense()
        let inputs = TestNetworks.randomInputs([3, 6], seed: 15)
        let model = try ExplainedModel(network)
        let gradient = try Saliency(model).attribute(inputs, targets: .class(2))
        let sensitivity = try SensitivityAnalysis(model).attribute(inputs, targets: .class(2))
        let fourth = try SensitivityAnalysis(model, exponent: 4).attribute(inputs, targets: .class(2))
        let absolute = try Saliency(model, absolute: true).attribute(inputs, targets: .class(2))
        for j in 0..<inputs.count {
            let g = gradient.attributions.scalars[j]
            XCTAssertEqual(sensitivity.attributions.scalars[j], g * g, accuracy: 1e-7)
            XCTAssertEqual(fourth.attributions.scalars[j], g * g * g * g, accuracy: 1e-7)
            XCTAssertEqual(absolute.attributions.scalars[j], abs(g))
        }
        XCTAssertThrowsError(try SensitivityAnalysis(model, exponent: 3).attribute(inputs))
    }

    func testGradientTimesInputSumsToTheScoreOfABiasFreeReLUNetwork() throws {
        for network in [try TestNetworks.dense(seed: 5, bias: false), try TestNetworks.conv(pooling: "max", seed: 6, bias: false)] {
            let shape = [6] + network.inputShape
            let inputs = TestNetworks.randomInputs(shape, seed: 31, low: 0, high: 1)
            let explanation = try GradientTimesInput(ExplainedModel(network)).attribute(inputs)
            let logits = try network.forward(inputs)
            let classes = network.outputShape[0]
            for i in 0..<6 {
                let score = logits.scalars[i * classes + explanation.targets[i]]
                XCTAssertEqual(explanation.targets[i], try logits.argmax(alongAxis: 1)[i])
                XCTAssertEqual(explanation.sumPerImage[i], score, accuracy: 1e-4 * max(abs(score), 1e-2))
                XCTAssertEqual(explanation.outputs[i], score)
            }
        }
    }

    func testGradientTimesInputDoesNotSumToTheScoreWithBiases() throws {
        // The control for the test above: with biases the sum misses the bias contributions.
        let network = try TestNetworks.dense(seed: 5, bias: true)
        let inputs = TestNetworks.randomInputs([6, 6], seed: 31, low: 0, high: 1)
        let explanation = try GradientTimesInput(ExplainedModel(network)).attribute(inputs)
        let gaps = zip(explanation.sumPerImage, explanation.outputs).map { abs($0 - $1) }
        XCTAssertGreaterThan(gaps.max()!, 1e-2)
    }

    func testAllLogitsSumIsTheSumOfEveryClassGradient() throws {
        let network = try TestNetworks.dense()
        let inputs = TestNetworks.randomInputs([2, 6], seed: 16)
        let all = try Saliency(ExplainedModel(network, output: .allLogits)).attribute(inputs)
        var total = Tensor(zeros: inputs.shape)
        for c in 0..<4 {
            total = try total.adding(try Saliency(ExplainedModel(network)).attribute(inputs, targets: .class(c)).attributions)
        }
        for (a, b) in zip(all.attributions.scalars, total.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testBatchSizeDoesNotChangeTheResult() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let inputs = TestNetworks.randomInputs([7, 1, 6, 6], seed: 17)
        let one = try Saliency(ExplainedModel(network, batchSize: 1)).attribute(inputs)
        let many = try Saliency(ExplainedModel(network, batchSize: 64)).attribute(inputs)
        XCTAssertEqual(one.targets, many.targets)
        XCTAssertTrue(one.isClose(to: many, absolute: 1e-6, relative: 1e-5))
    }

    func testBadInputsThrowClearErrors() throws {
        let network = try TestNetworks.dense()
        let model = try ExplainedModel(network)
        XCTAssertThrowsError(try Saliency(model).attribute(Tensor(zeros: [2, 5]))) { error in
            XCTAssertTrue("\(error)".contains("[N] + [6]"), "\(error)")
        }
        XCTAssertThrowsError(try Saliency(model).attribute(Tensor(zeros: [2, 6]), targets: .class(4))) { error in
            XCTAssertTrue("\(error)".contains("class 4"), "\(error)")
        }
        XCTAssertThrowsError(try Saliency(model).attribute(Tensor(zeros: [2, 6]), targets: .classes([1])))
        XCTAssertThrowsError(try Saliency(model).attribute(Tensor(zeros: [1, 6]), targets: .channel(0, layer: "nope"))) { error in
            XCTAssertTrue("\(error)".contains("nope"), "\(error)")
        }
        XCTAssertThrowsError(try Saliency(model).attribute(Tensor(zeros: [1, 6]), targets: .channel(8, layer: "relu1")))
        var bad = Tensor(zeros: [1, 6])
        bad.scalars[3] = .nan
        XCTAssertThrowsError(try Saliency(model).attribute(bad))
        XCTAssertThrowsError(try ExplainedModel(network, batchSize: 0))
    }
}
