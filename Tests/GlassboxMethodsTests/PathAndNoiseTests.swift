@testable import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

final class PathAndNoiseTests: XCTestCase {
    nonisolated(unsafe) static var trained: (model: Sequential, accuracy: Float, test: TestNetworks.Synthetic)?

    private func trainedCNN() throws -> (model: Sequential, accuracy: Float, test: TestNetworks.Synthetic) {
        if let trained = Self.trained { return trained }
        let result = try TestNetworks.trainedCNN()
        Self.trained = result
        return result
    }

    func testTheTestModelIsTrained() throws {
        XCTAssertGreaterThan(try trainedCNN().accuracy, 0.9)
    }

    // MARK: Integrated gradients

    private func checkCompleteness(_ ig: IntegratedGradients, _ inputs: Tensor, tolerance: Float = 0.01,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let explanation = try ig.attribute(inputs)
        let baselines = try ig.baseline.images(for: inputs, method: "test")
        for i in 0..<inputs.shape[0] {
            let c = explanation.targets[i]
            let fx = try explainedValue(ig.model.network, inputs.rows(i..<(i + 1)), class: c, output: ig.model.output)
            let fb = try explainedValue(ig.model.network, baselines.rows(i..<(i + 1)), class: c, output: ig.model.output)
            XCTAssertEqual(Double(explanation.outputs[i]), fx, accuracy: 1e-4 * max(1, abs(fx)), file: file, line: line)
            XCTAssertEqual(Double(explanation.baselineOutputs![i]), fb, accuracy: 1e-4 * max(1, abs(fb)), file: file, line: line)
            let gap = fx - fb
            XCTAssertGreaterThan(abs(gap), 1e-3, "a meaningless check when f(x) = f(b)", file: file, line: line)
            XCTAssertEqual(Double(explanation.sumPerImage[i]), gap, accuracy: Double(tolerance) * abs(gap),
                           "image \(i): Σ IG vs f(x) − f(b)", file: file, line: line)
        }
    }

    func testCompletenessOnATrainedModelWithZeroBaseline() throws {
        let (network, _, test) = try trainedCNN()
        let inputs = test.images.rows(0..<6)
        try checkCompleteness(IntegratedGradients(ExplainedModel(network, batchSize: 128), steps: 300), inputs)
        try checkCompleteness(IntegratedGradients(ExplainedModel(network, output: .probability, batchSize: 128), steps: 300), inputs)
    }

    func testCompletenessOnATrainedModelWithNonZeroBaselines() throws {
        let (network, _, test) = try trainedCNN()
        let inputs = test.images.rows(0..<6)
        let model = try ExplainedModel(network, batchSize: 128)
        try checkCompleteness(IntegratedGradients(model, steps: 300, baseline: .constant(0.3)), inputs)
        try checkCompleteness(IntegratedGradients(model, steps: 300, baseline: .meanImage(of: test.images)), inputs)
        try checkCompleteness(IntegratedGradients(model, steps: 300, baseline: .image(test.images.rows(10..<11)),
                                                  rule: .trapezoid), inputs)
    }

    func testFewStepsAreNotComplete() throws {
        // The control: a 2-step sum on the same model misses completeness by more than 1% somewhere.
        let (network, _, test) = try trainedCNN()
        let inputs = test.images.rows(0..<6)
        let explanation = try IntegratedGradients(ExplainedModel(network), steps: 2).attribute(inputs)
        let relativeErrors = (0..<6).map { i in
            abs(explanation.sumPerImage[i] - (explanation.outputs[i] - explanation.baselineOutputs![i]))
                / abs(explanation.outputs[i] - explanation.baselineOutputs![i])
        }
        XCTAssertGreaterThan(relativeErrors.max()!, 0.01)
    }

    func testRightRiemannIsTheMeanOfTheGradientsAtTheNonZeroPathPoints() throws {
        // IG = (x − b) ⊙ mean_{k=1..K} ∇f(b + (k/K)(x − b)), computed here one path point at a time.
        let network = try TestNetworks.conv(pooling: "max")
        let x = TestNetworks.randomInputs([2, 1, 6, 6], seed: 51)
        let b = TestNetworks.randomInputs([2, 1, 6, 6], seed: 52)
        let model = try ExplainedModel(network, batchSize: 5)
        let ig = try IntegratedGradients(model, steps: 4, baseline: .image(b)).attribute(x, targets: .classes([0, 2]))
        let saliency = Saliency(model)
        var mean = Tensor(zeros: x.shape)
        for k in 1...4 {
            let point = try b.adding(try x.subtracting(b).scaled(by: Float(k) / 4))
            mean = try mean.adding(try saliency.attribute(point, targets: .classes([0, 2])).attributions.scaled(by: 0.25))
        }
        let expected = try x.subtracting(b).multiplying(mean)
        for (a, e) in zip(ig.attributions.scalars, expected.scalars) { XCTAssertEqual(a, e, accuracy: 1e-6) }
        // The trapezoid rule adds k = 0 with half weight and halves k = K.
        let trapezoid = try IntegratedGradients(model, steps: 4, baseline: .image(b), rule: .trapezoid)
            .attribute(x, targets: .classes([0, 2]))
        let g0 = try saliency.attribute(b, targets: .classes([0, 2])).attributions
        let g4 = try saliency.attribute(x, targets: .classes([0, 2])).attributions
        let trapezoidMean = try mean.adding(try g0.subtracting(g4).scaled(by: 0.125))
        let expectedTrapezoid = try x.subtracting(b).multiplying(trapezoidMean)
        for (a, e) in zip(trapezoid.attributions.scalars, expectedTrapezoid.scalars) { XCTAssertEqual(a, e, accuracy: 1e-6) }
    }

    func testIntegratedGradientsOfALinearModelAreExact() throws {
        var rng = SeededRandom(seed: 3)
        let dense = Dense(name: "logits", inputs: 5, outputs: 3, bias: true, rng: &rng)
        let network = try Sequential(layers: [dense], inputShape: [5])
        let x = TestNetworks.randomInputs([2, 5], seed: 53)
        let ig = try IntegratedGradients(ExplainedModel(network), steps: 3, baseline: .constant(0.5)).attribute(x, targets: .class(1))
        for i in 0..<2 {
            for j in 0..<5 {
                XCTAssertEqual(ig.attributions.scalars[i * 5 + j], (x.scalars[i * 5 + j] - 0.5) * dense.weight.value.scalars[5 + j],
                               accuracy: 1e-6)
            }
        }
    }

    func testIntegratedGradientsDoNotDependOnTheInternalBatchSize() throws {
        let network = try TestNetworks.conv(pooling: "avg")
        let x = TestNetworks.randomInputs([3, 1, 6, 6], seed: 54)
        let small = try IntegratedGradients(ExplainedModel(network, batchSize: 7), steps: 10).attribute(x)
        let large = try IntegratedGradients(ExplainedModel(network, batchSize: 100), steps: 10).attribute(x)
        XCTAssertTrue(small.isClose(to: large, absolute: 1e-6, relative: 1e-5))
    }

    func testBadBaselinesAndStepsThrow() throws {
        let model = try ExplainedModel(try TestNetworks.dense())
        let x = Tensor(zeros: [2, 6])
        XCTAssertThrowsError(try IntegratedGradients(model, steps: 0).attribute(x))
        XCTAssertThrowsError(try IntegratedGradients(model, baseline: .image(Tensor(zeros: [3, 6]))).attribute(x))
        XCTAssertThrowsError(try IntegratedGradients(model, baseline: .meanImage(of: Tensor(zeros: [3, 5]))).attribute(x))
        XCTAssertThrowsError(try IntegratedGradients(model, baseline: .constant(.infinity)).attribute(x))
    }

    func testIntegratedGradientsReportProgressAndStopWhenCancelled() throws {
        let model = try ExplainedModel(try TestNetworks.dense(), batchSize: 16)
        final class Events: @unchecked Sendable {
            var list: [ProgressEvent] = []
            let lock = NSLock()
        }
        // Progress comes after each group of chunks of 16 rows: one chunk at a time, or one per core
        // when whole passes run side by side. Both paths are checked on every machine.
        defer { ConcurrentWorkers.setAvailability(nil) }
        for workers in [false, true] {
            ConcurrentWorkers.setAvailability(workers)
            let events = Events()
            let monitor = WorkMonitor(progress: { event in events.lock.lock(); events.list.append(event); events.lock.unlock() })
            _ = try IntegratedGradients(model, steps: 10).attribute(TestNetworks.randomInputs([5, 6], seed: 55), monitor: monitor)
            let group = workers ? ConcurrentWorkers.width : 1
            let expected = stride(from: 16 * group, to: 50, by: 16 * group).map { $0 } + [50]
            XCTAssertEqual(events.list.map(\.completed), expected, "workers: \(workers)")
            XCTAssertTrue(events.list.allSatisfy { $0.total == 50 })
            XCTAssertEqual(events.list.map(\.finished), expected.map { $0 == 50 }, "workers: \(workers)")
        }

        let token = CancellationToken()
        token.cancel()
        XCTAssertThrowsError(try IntegratedGradients(model, steps: 10).attribute(Tensor(zeros: [2, 6]), targets: .class(0),
                                                                                  monitor: WorkMonitor(cancellation: token))) {
            XCTAssertTrue($0 is CancellationError)
        }
        XCTAssertThrowsError(try SmoothGrad(model).attribute(Tensor(zeros: [2, 6]), targets: .class(0),
                                                              monitor: WorkMonitor(cancellation: token))) {
            XCTAssertTrue($0 is CancellationError)
        }
    }

    func testAModelEndingInSoftmaxIsRefused() throws {
        var rng = SeededRandom(seed: 1)
        let network = try Sequential(layers: [Dense(name: "logits", inputs: 3, outputs: 2, bias: true, rng: &rng),
                                              Softmax(name: "softmax")], inputShape: [3])
        XCTAssertThrowsError(try ExplainedModel(network)) { XCTAssertTrue("\($0)".contains(".probability"), "\($0)") }
    }

    // MARK: SmoothGrad

    func testSmoothGradWithZeroNoiseEqualsTheGradient() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let x = TestNetworks.randomInputs([3, 1, 6, 6], seed: 61)
        let model = try ExplainedModel(network, batchSize: 8)
        let gradient = try Saliency(model).attribute(x)
        for noise in [SmoothGrad.Noise.relative(0), .absolute(0)] {
            let smooth = try SmoothGrad(model, samples: 5, noise: noise).attribute(x)
            XCTAssertEqual(smooth.targets, gradient.targets)
            XCTAssertTrue(smooth.isClose(to: gradient, absolute: 1e-7, relative: 1e-6))
        }
    }

    func testSmoothGradIsReproducibleAndSeedDependent() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let x = TestNetworks.randomInputs([2, 1, 6, 6], seed: 62)
        let a = try SmoothGrad(ExplainedModel(network, batchSize: 3), samples: 7, noise: .absolute(0.3), seed: 5).attribute(x)
        let b = try SmoothGrad(ExplainedModel(network, batchSize: 64), samples: 7, noise: .absolute(0.3), seed: 5).attribute(x)
        let c = try SmoothGrad(ExplainedModel(network, batchSize: 64), samples: 7, noise: .absolute(0.3), seed: 6).attribute(x)
        XCTAssertTrue(a.isClose(to: b, absolute: 1e-6, relative: 1e-5))
        XCTAssertGreaterThan(try a.maxAbsoluteDifference(to: c), 1e-3)
    }

    func testRunningAveragesAreTheMeansOfTheFirstSamples() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let x = TestNetworks.randomInputs([2, 1, 6, 6], seed: 63)
        let model = try ExplainedModel(network, batchSize: 4)
        let smooth = try SmoothGrad(model, samples: 6, noise: .relative(0.2), seed: 9)
        let running = try smooth.runningAverages(x, targets: .classes([1, 2]), at: [1, 3, 6])
        let noisy = try smooth.noisyInputs(x) // rows i·6 + s
        let gradients = try Saliency(model).attribute(noisy, targets: .classes([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]))
        for (entry, n) in zip(running, [1, 3, 6]) {
            XCTAssertEqual(entry.setting("samples"), "\(n)")
            for i in 0..<2 {
                var mean = [Float](repeating: 0, count: 36)
                for s in 0..<n {
                    let g = try gradients.image(i * 6 + s).attributions.scalars
                    for j in 0..<36 { mean[j] += g[j] / Float(n) }
                }
                let got = try entry.image(i).attributions.scalars
                for j in 0..<36 { XCTAssertEqual(got[j], mean[j], accuracy: 1e-5) }
            }
        }
        XCTAssertTrue(try smooth.attribute(x, targets: .classes([1, 2])).isClose(to: running[2], absolute: 1e-7, relative: 1e-6))
    }

    func testTheFirstNSamplesOfALongerRunAreAShorterRunForEveryImage() throws {
        // smoothGrad(samples: 8, runningAverages: [4, 8]) "N 4" must equal smoothGrad(samples: 4)
        // for every image, not only the first: noise depends on the image, the seed and the sample.
        let network = try TestNetworks.conv(pooling: "max")
        let x = TestNetworks.randomInputs([5, 1, 6, 6], seed: 64)
        let model = try ExplainedModel(network, batchSize: 3)
        let targets = Target.classes([0, 1, 2, 0, 1])
        let running = try SmoothGrad(model, samples: 8, noise: .relative(0.15), seed: 3)
            .runningAverages(x, targets: targets, at: [4, 8])
        let four = try SmoothGrad(model, samples: 4, noise: .relative(0.15), seed: 3).attribute(x, targets: targets)
        for i in 0..<5 {
            XCTAssertTrue(try running[0].image(i).isClose(to: four.image(i), absolute: 1e-7, relative: 1e-6), "image \(i)")
        }
        XCTAssertFalse(try running[1].image(2).isClose(to: four.image(2), absolute: 1e-7, relative: 1e-6))
    }

    func testRelativeNoiseScalesWithTheImageRange() throws {
        let network = try TestNetworks.dense()
        // Image 0 spans 0…1, image 1 spans 0…4: σ = 0.1 and 0.4.
        var values = [Float](repeating: 0.5, count: 12)
        values[0] = 0; values[1] = 1; values[6] = 0; values[7] = 4
        let x = Tensor(shape: [2, 6], scalars: values)
        let noisy = try SmoothGrad(ExplainedModel(network), samples: 2000, noise: .relative(0.1)).noisyInputs(x)
        for (i, sigma) in [(0, 0.1), (1, 0.4)] {
            var squares = 0.0, count = 0.0
            for s in 0..<2000 {
                for j in 2..<6 {
                    let d = Double(noisy.scalars[(i * 2000 + s) * 6 + j]) - 0.5
                    squares += d * d
                    count += 1
                }
            }
            XCTAssertEqual((squares / count).squareRoot(), sigma, accuracy: sigma * 0.03)
        }
    }

    func testIntegratedGradientsWithSmoothGradUsesTheNoise() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let x = TestNetworks.randomInputs([2, 1, 6, 6], seed: 64)
        let model = try ExplainedModel(network)
        let plain = try IntegratedGradients(model, steps: 5).attribute(x)
        let zeroNoise = try IntegratedGradients(model, steps: 5, smoothSamples: 3, smoothNoise: .absolute(0)).attribute(x)
        XCTAssertTrue(plain.isClose(to: zeroNoise, absolute: 1e-6, relative: 1e-5))
        let noisy = try IntegratedGradients(model, steps: 5, smoothSamples: 3, smoothNoise: .absolute(0.5)).attribute(x)
        XCTAssertGreaterThan(try plain.maxAbsoluteDifference(to: noisy), 1e-3)
    }

    // MARK: Randomisation sanity check

    func testExplanationsOfATrainedModelDifferFromThoseOfARandomModel() throws {
        let (trained, _, test) = try trainedCNN()
        let random = try TestNetworks.smallCNN(seed: 12345)
        let inputs = test.images.rows(0..<10)
        let classes = Target.classes(test.labels.prefix(10).map { $0 })
        let a = try Saliency(ExplainedModel(trained)).attribute(inputs, targets: classes)
        let b = try Saliency(ExplainedModel(random)).attribute(inputs, targets: classes)
        let correlations = try (0..<10).map { try a.correlation(with: b, image: $0, otherImage: $0) }
        let mean = correlations.reduce(0, +) / 10
        XCTAssertLessThan(abs(mean), 0.5, "\(correlations)")
        XCTAssertEqual(try a.correlation(with: a, image: 3, otherImage: 3), 1, accuracy: 1e-5)
    }

    // MARK: Explanation helpers

    func testExplanationHelpers() throws {
        let network = try TestNetworks.dense()
        let x = TestNetworks.randomInputs([3, 6], seed: 71)
        let a = try Saliency(ExplainedModel(network)).attribute(x)
        let b = try GradientTimesInput(ExplainedModel(network)).attribute(x)
        let sum = try a.adding(b), difference = try a.subtracting(b)
        for j in 0..<18 {
            XCTAssertEqual(sum.attributions.scalars[j], a.attributions.scalars[j] + b.attributions.scalars[j])
            XCTAssertEqual(difference.attributions.scalars[j], a.attributions.scalars[j] - b.attributions.scalars[j])
        }
        let second = try a[1]
        XCTAssertEqual(second.attributions.shape, [1, 6])
        XCTAssertEqual(second.attributions.scalars, Array(a.attributions.scalars[6..<12]))
        XCTAssertEqual(second.targets, [a.targets[1]])
        XCTAssertEqual(a.sumPerImage[1], a.attributions.scalars[6..<12].reduce(0, +), accuracy: 1e-6)
        XCTAssertThrowsError(try a.image(3))
        XCTAssertThrowsError(try a.adding(second))
        XCTAssertTrue(a.title.contains("Saliency"))
    }
}
