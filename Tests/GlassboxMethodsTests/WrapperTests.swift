import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// SmoothGrad, the noise tunnel and integrated gradients over other methods, and the catalog's
/// option validation.
final class WrapperTests: XCTestCase {
    private func assertClose(_ a: Explanation, _ b: Explanation, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.attributions.shape, b.attributions.shape, label, file: file, line: line)
        let scale = max(b.attributions.scalars.map(abs).max() ?? 0, 1e-6)
        let worst = zip(a.attributions.scalars, b.attributions.scalars).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "\(label): largest difference \(worst) of \(scale)", file: file, line: line)
    }

    /// With zero noise every copy is the image itself: SmoothGrad of a method is that method.
    func testSmoothGradWithZeroNoiseIsTheWrappedMethod() throws {
        for network in [try TestNetworks.dense(), try TestNetworks.conv(pooling: "max")] {
            let model = try ExplainedModel(network, batchSize: 5)
            let x = TestNetworks.randomInputs([3] + network.inputShape, seed: 4, low: 0, high: 1)
            let methods: [any AttributionMethod] = [
                Saliency(model, absolute: true), GuidedBackprop(model), Deconvnet(model), GradientTimesInput(model),
                LRPEpsilon(model, epsilon: 0.01), try DeepTaylor(model), DeepLift(model, baseline: .constant(0.3)),
                try IntegratedGradients(model, steps: 3),
            ]
            for method in methods {
                let direct = try method.attribute(x, targets: .predicted, monitor: .none)
                let smooth = try SmoothGrad(model, samples: 3, noise: .absolute(0), base: method).attribute(x)
                assertClose(smooth, direct, "SmoothGrad of \(type(of: method).declaration.title)")
                XCTAssertEqual(smooth.targets, direct.targets)
                XCTAssertTrue(smooth.method.contains(type(of: method).declaration.title) || method is Saliency, smooth.method)
            }
            // The default base is the signed gradient.
            assertClose(try SmoothGrad(model, samples: 2, noise: .absolute(0)).attribute(x), try Saliency(model).attribute(x), "SmoothGrad")
        }
    }

    /// VarGrad of a linear model is 0 (its gradient does not depend on the input); SmoothGrad² is
    /// the mean of the squared maps of the noisy copies.
    func testNoiseTunnelKinds() throws {
        var rng = SeededRandom(seed: 3)
        let linear = try Sequential(layers: [Dense(name: "logits", inputs: 6, outputs: 3, bias: true, rng: &rng)], inputShape: [6])
        let model = try ExplainedModel(linear)
        let x = TestNetworks.randomInputs([2, 6], seed: 5)
        let variance = try NoiseTunnel(model, kind: .varGrad, samples: 10, noise: .absolute(0.5)).attribute(x)
        XCTAssertLessThan(variance.attributions.scalars.map(abs).max()!, 1e-10)

        let network = try TestNetworks.dense()
        let nonlinear = try ExplainedModel(network)
        let tunnel = try NoiseTunnel(nonlinear, base: GradientTimesInput(nonlinear), kind: .smoothGradSquared, samples: 6,
                                     noise: .relative(0.3), seed: 2)
        let squared = try tunnel.attribute(x, targets: .classes([1, 2]))
        let noisy = try SmoothGrad(nonlinear, samples: 6, noise: .relative(0.3), seed: 2).noisyInputs(x)
        let maps = try GradientTimesInput(nonlinear).attribute(noisy, targets: .classes([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]))
        for image in 0..<2 {
            for j in 0..<6 {
                let mean = (0..<6).map { s -> Double in let v = Double(maps.attributions.scalars[(image * 6 + s) * 6 + j]); return v * v }
                    .reduce(0, +) / 6
                XCTAssertEqual(Double(squared.attributions.scalars[image * 6 + j]), mean, accuracy: 1e-5 * max(1, mean))
            }
        }
        let varGrad = try NoiseTunnel(nonlinear, kind: .varGrad, samples: 6, noise: .relative(0.3), seed: 2).attribute(x)
        XCTAssertGreaterThan(varGrad.attributions.scalars.max()!, 0, "the gradient of a ReLU net varies under noise")
        XCTAssertGreaterThanOrEqual(varGrad.attributions.scalars.min()!, 0)
    }

    /// The noise of an image depends on its values, the seed and the sample number only.
    func testNoiseDependsOnlyOnTheImageTheSeedAndTheSample() throws {
        let network = try TestNetworks.dense()
        let model = try ExplainedModel(network)
        let batch = TestNetworks.randomInputs([3, 6], seed: 9)
        let reordered = Tensor(shape: [3, 6], scalars: Array(batch.scalars[12..<18] + batch.scalars[0..<12]))
        let a = try SmoothGrad(model, samples: 4, noise: .absolute(0.2), seed: 1).noisyInputs(batch)
        let b = try SmoothGrad(model, samples: 4, noise: .absolute(0.2), seed: 1).noisyInputs(reordered)
        let alone = try SmoothGrad(model, samples: 4, noise: .absolute(0.2), seed: 1).noisyInputs(batch.rows(2..<3))
        let more = try SmoothGrad(model, samples: 9, noise: .absolute(0.2), seed: 1).noisyInputs(batch.rows(2..<3))
        XCTAssertEqual(Array(a.scalars[(8 * 6)..<(12 * 6)]), Array(b.scalars[0..<(4 * 6)]), "position in the batch")
        XCTAssertEqual(Array(a.scalars[(8 * 6)..<(12 * 6)]), alone.scalars, "the other images")
        XCTAssertEqual(Array(more.scalars[0..<(4 * 6)]), alone.scalars, "the number of samples")
        let other = try SmoothGrad(model, samples: 4, noise: .absolute(0.2), seed: 2).noisyInputs(batch.rows(2..<3))
        XCTAssertNotEqual(other.scalars, alone.scalars, "the seed")
        // Two equal images get equal noise, so equal maps.
        let twice = Tensor(shape: [2, 6], scalars: Array(batch.scalars[0..<6]) + Array(batch.scalars[0..<6]))
        let pair = try SmoothGrad(model, samples: 4, noise: .absolute(0.2), seed: 1).attribute(twice, targets: .class(0))
        XCTAssertEqual(Array(pair.attributions.scalars[0..<6]), Array(pair.attributions.scalars[6..<12]))
        // Running averages: N 4 of 8 samples is the run with 4 samples, for every image.
        let running = try SmoothGrad(model, samples: 8, noise: .absolute(0.3), seed: 3).runningAverages(batch, targets: .class(1), at: [4, 8])
        let four = try SmoothGrad(model, samples: 4, noise: .absolute(0.3), seed: 3).attribute(batch, targets: .class(1))
        assertClose(running[0], four, "running average N 4")
    }

    /// Integrated gradients of a modified gradient: (x − b) ⊙ the mean of that method's signal on the path.
    func testIntegratedGradientsOfAModifiedGradient() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let model = try ExplainedModel(network)
        let x = TestNetworks.randomInputs([2] + network.inputShape, seed: 8, low: 0, high: 1)
        let steps = 4
        for (base, rules) in [(Deconvnet(model) as any BackwardMethod, RuleSet.deconvnet), (GuidedBackprop(model), .guidedBackprop)] {
            let ig = try IntegratedGradients(model, steps: steps, base: base).attribute(x, targets: .classes([0, 2]))
            var expected = [Double](repeating: 0, count: x.count)
            for k in 1...steps {
                let point = x.scaled(by: Float(k) / Float(steps))
                let signal = try gradient(of: network, inputs: point, targets: [0, 2], rules: rules)
                for j in 0..<x.count { expected[j] += Double(signal.scalars[j]) / Double(steps) }
            }
            for j in 0..<x.count {
                let value = Double(x.scalars[j]) * expected[j]
                XCTAssertEqual(Double(ig.attributions.scalars[j]), value, accuracy: 1e-5 * max(1, abs(value)))
            }
            XCTAssertEqual(ig.receipt, .completeness)
            XCTAssertTrue(ig.title.contains(type(of: base).declaration.title), ig.title)
        }
        // The plain gradient is the default, and the same as integrating saliency's signed gradient.
        let plain = try IntegratedGradients(model, steps: 5).attribute(x)
        let ofSaliency = try IntegratedGradients(model, steps: 5, base: Saliency(model)).attribute(x)
        XCTAssertEqual(plain.attributions, ofSaliency.attributions)
        // Relevance methods are not modified gradients.
        XCTAssertThrowsError(try IntegratedGradients(model, base: LRPEpsilon(model)))
        XCTAssertThrowsError(try IntegratedGradients.make(model, options: ["method": .string("lrp")])) { error in
            guard case let MethodError.option(_, option, _, given, candidates) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(option, "method")
            XCTAssertEqual(given, "lrp")
            XCTAssertTrue(candidates.contains("guidedBackprop"))
        }
    }

    /// Integrated gradients of a layer's channel: complete against the channel sum.
    func testIntegratedGradientsOfALayerChannel() throws {
        let network = try TestNetworks.conv(pooling: "avg")
        let model = try ExplainedModel(network)
        let x = TestNetworks.randomInputs([2] + network.inputShape, seed: 21, low: 0, high: 1)
        let ig = try IntegratedGradients(model, steps: 200).attribute(x, targets: .channel(1, layer: "relu2"))
        for (sum, expected) in zip(ig.sumPerImage, ig.expectedSums) where abs(expected) > 1e-3 {
            XCTAssertEqual(sum, expected, accuracy: 0.02 * abs(expected))
        }
        // An explained output other than the logit makes no sense for a channel.
        XCTAssertThrowsError(try IntegratedGradients(try ExplainedModel(network, output: .probability))
            .attribute(x, targets: .channel(1, layer: "relu2")))
    }

    /// Options are validated once, with the option's name and the closest names.
    func testOptionsAreValidatedByTheDeclaration() throws {
        let model = try ExplainedModel(try TestNetworks.dense())
        func problem(_ make: () throws -> Any) -> (String, String?, [String])? {
            do { _ = try make() } catch let MethodError.option(_, option, _, given, candidates) { return (option, given, candidates) } catch { return nil }
            return nil
        }
        XCTAssertEqual(problem { try IntegratedGradients.make(model, options: ["steps": .int(0)]) }?.0, "steps")
        XCTAssertEqual(problem { try IntegratedGradients.make(model, options: ["stpes": .int(3)]) }?.1, "stpes")
        XCTAssertEqual(problem { try IntegratedGradients.make(model, options: ["rule": .string("simpson")]) }?.2, ["riemann", "trapezoid"])
        XCTAssertEqual(problem { try SensitivityAnalysis.make(model, options: ["exponent": .int(3)]) }?.0, "exponent")
        XCTAssertEqual(problem { try SmoothGrad.make(model, options: ["samples": .double(2.5)]) }?.0, "samples")
        XCTAssertEqual(problem { try SmoothGrad.make(model, options: ["seed": .int(-1)]) }?.0, "seed")
        XCTAssertEqual(problem { try LRP.make(model, options: ["composite": .string("EpsilonPlsu")]) }?.1, "EpsilonPlsu")
        XCTAssertEqual(problem { try LRP.make(model, options: ["rules": .table([OptionEntry("dense", .string("epsilonn"))])]) }?.1, "epsilonn")
        XCTAssertEqual(problem { try LRP.make(model, options: ["rules": .table([OptionEntry("fc3", .string("epsilon"))])]) }?.1, "fc3")
        XCTAssertEqual(problem { try SmoothGrad.make(model, options: ["methodOptions": .table([OptionEntry("absolute", .bool(true))])]) }?.0,
                       "methodOptions")
        XCTAssertEqual(problem { try SmoothGrad.make(model, options: ["method": .string("saliency"),
                                                                      "methodOptions": .table([OptionEntry("absolut", .bool(true))])]) }?.1,
                       "absolut")
        // Integral Doubles count as integers; every option has a valid default.
        XCTAssertNoThrow(try IntegratedGradients.make(model, options: ["steps": .double(4)]))
        for method in MethodCatalog.all { XCTAssertNoThrow(try MethodOptions(method.declaration), method.declaration.id) }
    }

    /// A rule that does not fit a layer is refused before any work, naming the layer and the rule.
    func testAMisfittingRuleNamesTheLayerAndTheRule() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let model = try ExplainedModel(network)
        let lrp = try LRP.make(model, options: ["rules": .table([OptionEntry("pool1", .string("zPlus"))])])
        XCTAssertThrowsError(try lrp.attribute(TestNetworks.randomInputs([1, 1, 6, 6], seed: 1))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("pool1") && text.contains("z⁺"), text)
        }
        // A reference of the wrong shape.
        XCTAssertThrowsError(try DeepLift(model, baseline: .image(Tensor(zeros: [1, 1, 5, 5]))).attribute(TestNetworks.randomInputs([1, 1, 6, 6], seed: 1))) {
            XCTAssertTrue("\($0)".contains("reference image"), "\($0)")
        }
        // DeepLIFT has no rule for the softmax probability.
        XCTAssertThrowsError(try DeepLift(try ExplainedModel(network, output: .probability)).attribute(TestNetworks.randomInputs([1, 1, 6, 6], seed: 1)))
    }
}
