import Foundation
import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// PatternNet and PatternAttribution: learned patterns against the closed form cov[x, y] / σ²_y
/// computed here by brute force, signal recovery on synthetic data, the pattern walk against the
/// gradient, and the side file.
final class PatternTests: XCTestCase {
    private func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for (x, y) in zip(a, b) { ab += Double(x) * Double(y); aa += Double(x) * Double(x); bb += Double(y) * Double(y) }
        return ab / (aa.squareRoot() * bb.squareRoot())
    }

    /// x = s + d with s = a_s · y and d = a_d · ε (y, ε independent standard normals); the filter w
    /// of `dims` inputs satisfies wᵀa_s = 1 and wᵀa_d = 0, so wᵀx = y exactly.
    private struct SignalAndDistractor {
        var signal: [Float]
        var distractor: [Float]
        var filter: [Float]
        var images: Tensor
    }

    private func signalAndDistractor(dims: Int, count: Int, seed: UInt64, noise: Float = 0) -> SignalAndDistractor {
        var rng = SeededRandom(seed: seed)
        let signal = (0..<dims).map { _ in rng.nextGaussian() }
        // The distractor shares much of the signal's direction, so the filter must turn away from both.
        let distractor = signal.map { 0.8 * $0 + 0.6 * rng.nextGaussian() }
        // w = P⊥ a_s / (a_sᵀ P⊥ a_s), P⊥ projecting out a_d.
        let dd = distractor.reduce(0) { $0 + Double($1) * Double($1) }
        let sd = zip(signal, distractor).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        let projected = zip(signal, distractor).map { Double($0) - sd / dd * Double($1) }
        let scale = zip(projected, signal).reduce(0) { $0 + $1.0 * Double($1.1) }
        let filter = projected.map { Float($0 / scale) }
        var values: [Float] = []
        values.reserveCapacity(dims * count)
        for _ in 0..<count {
            let y = rng.nextGaussian(), e = rng.nextGaussian()
            for i in 0..<dims { values.append(signal[i] * y + distractor[i] * e + (noise > 0 ? noise * rng.nextGaussian() : 0)) }
        }
        return SignalAndDistractor(signal: signal, distractor: distractor, filter: filter,
                                   images: Tensor(shape: [count, dims], scalars: values))
    }

    func testPatternsRecoverTheSignalDirectionOnSyntheticData() throws {
        let data = signalAndDistractor(dims: 16, count: 20_000, seed: 5)
        var rng = SeededRandom(seed: 1)
        let layer = Dense(name: "logit", inputs: 16, outputs: 1, bias: false, rng: &rng)
        layer.weight.value = Tensor(shape: [1, 16], scalars: data.filter)
        let network = try Sequential(layers: [layer], inputShape: [16])
        let patterns = try PatternLearning.learn(network, images: data.images, batchSize: 1000)
        let pattern = try XCTUnwrap(patterns.pattern(for: "logit"))
        // The filter is not the signal direction…
        XCTAssertLessThan(abs(cosine(data.filter, data.signal)), 0.9)
        // …but both patterns are.
        XCTAssertGreaterThan(cosine(pattern.positive.scalars, data.signal), 0.99)
        XCTAssertGreaterThan(cosine(pattern.negative.scalars, data.signal), 0.99)
        // And at the right scale: wᵀa_s = 1, so a itself is a_s.
        for (a, s) in zip(pattern.positive.scalars, data.signal) { XCTAssertEqual(a, s, accuracy: 0.05) }
        XCTAssertEqual(pattern.positiveShare, 0.5, accuracy: 0.02)
        XCTAssertEqual(patterns.images, 20_000)
    }

    /// cov_±[x, y] / wᵀcov_±[x, y] per unit, by brute force over explicit rows (x, y).
    private func bruteForcePatterns(rows: [[Double]], outputs: [[Double]], weight: Tensor) -> (positive: [Float], negative: [Float]) {
        let units = weight.shape[0], fan = weight.count / units
        var result: [[Float]] = []
        for positive in [true, false] {
            var a = [Float](repeating: 0, count: weight.count)
            for j in 0..<units {
                let chosen = rows.indices.filter { (outputs[$0][j] > 0) == positive }
                guard chosen.count >= 2 else { continue }
                let n = Double(chosen.count)
                let meanY = chosen.reduce(0) { $0 + outputs[$1][j] } / n
                var cov = [Double](repeating: 0, count: fan)
                for i in 0..<fan {
                    let meanX = chosen.reduce(0) { $0 + rows[$1][i] } / n
                    cov[i] = chosen.reduce(0) { $0 + (rows[$1][i] - meanX) * (outputs[$1][j] - meanY) } / n
                }
                let denominator = (0..<fan).reduce(0) { $0 + Double(weight.scalars[j * fan + $1]) * cov[$1] }
                for i in 0..<fan { a[j * fan + i] = Float(cov[i] / denominator) }
            }
            result.append(a)
        }
        return (result[0], result[1])
    }

    /// The patches under a kernel (zero padding `pad` on top and left), one row per (image, position),
    /// and the layer's outputs at the same rows.
    private func patches(_ step: LayerStep, conv: Conv2D, pad: Int) -> (rows: [[Double]], outputs: [[Double]]) {
        let x = step.input, z = step.output
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, oh, ow) = (z.shape[1], z.shape[2], z.shape[3])
        var rows: [[Double]] = [], outputs: [[Double]] = []
        for image in 0..<n {
            for r in 0..<oh {
                for col in 0..<ow {
                    var row: [Double] = []
                    for ch in 0..<c {
                        for kr in 0..<conv.kernel.0 {
                            for kc in 0..<conv.kernel.1 {
                                let (ir, ic) = (r * conv.stride.0 + kr - pad, col * conv.stride.1 + kc - pad)
                                let inside = ir >= 0 && ir < h && ic >= 0 && ic < w
                                row.append(inside ? Double(x.scalars[((image * c + ch) * h + ir) * w + ic]) : 0)
                            }
                        }
                    }
                    rows.append(row)
                    outputs.append((0..<o).map { Double(z.scalars[((image * o + $0) * oh + r) * ow + col]) })
                }
            }
        }
        return (rows, outputs)
    }

    private func assertClose(_ a: [Float], _ b: [Float], _ message: String) {
        let scale = b.map(abs).max() ?? 0
        XCTAssertGreaterThan(scale, 0, message)
        let gap = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(gap, 1e-3 * scale, "\(message): largest difference \(gap) of \(scale)")
    }

    func testLearnedPatternsOfEveryConvAndDenseLayerEqualTheBruteForceCovarianceRatio() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let images = TestNetworks.randomInputs([40, 1, 6, 6], seed: 11, low: 0, high: 1)
        // Batches of 7 rows: the statistics must add up across batches.
        let patterns = try PatternLearning.learn(network, images: images, batchSize: 7)
        let record = try network.forwardRecording(images, training: false)
        for (name, pad) in [("conv1", 1), ("conv2", 0)] {
            let conv = try XCTUnwrap(network.layer(named: name) as? Conv2D)
            let (rows, outputs) = patches(try XCTUnwrap(record.step(named: name)), conv: conv, pad: pad)
            let expected = bruteForcePatterns(rows: rows, outputs: outputs, weight: conv.weight.value)
            let learned = try XCTUnwrap(patterns.pattern(for: name))
            assertClose(learned.positive.scalars, expected.positive, "\(name) a₊")
            assertClose(learned.negative.scalars, expected.negative, "\(name) a₋")
        }
        let dense = try XCTUnwrap(network.layer(named: "logits") as? Dense)
        let step = try XCTUnwrap(record.step(named: "logits"))
        let rows = (0..<40).map { i in (0..<16).map { Double(step.input.scalars[i * 16 + $0]) } }
        let outputs = (0..<40).map { i in (0..<3).map { Double(step.output.scalars[i * 3 + $0]) } }
        let expected = bruteForcePatterns(rows: rows, outputs: outputs, weight: dense.weight.value)
        let learned = try XCTUnwrap(patterns.pattern(for: "logits"))
        assertClose(learned.positive.scalars, expected.positive, "logits a₊")
        assertClose(learned.negative.scalars, expected.negative, "logits a₋")
        XCTAssertEqual(patterns.layers.map(\.layer), ["conv1", "conv2", "logits"])
    }

    func testPatternAttributionAndPatternNetOfALinearModelAreTheClosedForm() throws {
        // A linear classifier (3 classes, biases) on x = s + d data.
        let data = signalAndDistractor(dims: 12, count: 3000, seed: 8)
        var rng = SeededRandom(seed: 3)
        let layer = Dense(name: "logits", inputs: 12, outputs: 3, bias: true, rng: &rng)
        TestNetworks.randomiseBiases([layer], rng: &rng)
        let network = try Sequential(layers: [layer], inputShape: [12])
        network.signalPatterns = try PatternLearning.learn(network, images: data.images, batchSize: 500)
        let record = try network.forwardRecording(data.images, training: false)
        let rows = (0..<3000).map { i in (0..<12).map { Double(data.images.scalars[i * 12 + $0]) } }
        let outputs = (0..<3000).map { i in (0..<3).map { Double(record.output.scalars[i * 3 + $0]) } }
        let a = bruteForcePatterns(rows: rows, outputs: outputs, weight: layer.weight.value)

        let inputs = TestNetworks.randomInputs([6, 12], seed: 4, low: -2, high: 2)
        let logits = try network.forward(inputs)
        let targets = [0, 1, 2, 2, 1, 0]
        let model = try ExplainedModel(network)
        let attribution = try PatternAttribution(model).attribute(inputs, targets: .classes(targets))
        let signal = try PatternNet(model).attribute(inputs, targets: .classes(targets))
        var expectedAttribution: [Float] = [], expectedSignal: [Float] = []
        var regimes = Set<Bool>()
        for (i, c) in targets.enumerated() {
            let y = logits.scalars[i * 3 + c]
            regimes.insert(y > 0)
            let pattern = y > 0 ? a.positive : a.negative
            for k in 0..<12 {
                let w = layer.weight.value.scalars[c * 12 + k]
                expectedAttribution.append(w * pattern[c * 12 + k] * y)     // (w ⊙ a) · y
                expectedSignal.append(pattern[c * 12 + k] * y)              // a · y
            }
            XCTAssertEqual(attribution.outputs[i], y, accuracy: 1e-5)
        }
        XCTAssertEqual(regimes, [true, false], "both regimes are exercised")
        assertClose(attribution.attributions.scalars, expectedAttribution, "PatternAttribution")
        assertClose(signal.attributions.scalars, expectedSignal, "PatternNet")
        // With regimes: "positive", a₊ serves both.
        let positiveOnly = try PatternAttribution.make(model, options: ["regimes": .string("positive")])
            .attribute(inputs, targets: .classes(targets))
        var expectedPositive: [Float] = []
        for (i, c) in targets.enumerated() {
            let y = logits.scalars[i * 3 + c]
            for k in 0..<12 { expectedPositive.append(layer.weight.value.scalars[c * 12 + k] * a.positive[c * 12 + k] * y) }
        }
        assertClose(positiveOnly.attributions.scalars, expectedPositive, "PatternAttribution, a₊ only")
    }

    func testThePatternWalkWithTheWeightsAsPatternsIsTheGradientTimesTheOutput() throws {
        // Patterns equal to the weights make PatternNet's walk the ordinary gradient, seeded with f(x):
        // this checks the walk through conv, pooling, ReLU, flatten and dense layers.
        let network = try TestNetworks.conv(pooling: "max")
        let layers = SignalPatterns.patternLayers(of: network).map {
            LayerPattern(layer: $0.name, positive: $0.weight.value, negative: $0.weight.value, positiveShare: 0.5)
        }
        network.signalPatterns = SignalPatterns(layers: layers, images: 1, fingerprint: SignalPatterns.fingerprint(of: network))
        let model = try ExplainedModel(network)
        let inputs = TestNetworks.randomInputs([5, 1, 6, 6], seed: 21, low: 0, high: 1)
        let walk = try PatternNet(model).attribute(inputs, targets: .class(1))
        let gradient = try Saliency(model, absolute: false).attribute(inputs, targets: .class(1))
        var expected: [Float] = []
        for i in 0..<5 { expected += gradient.attributions.scalars[(i * 36)..<((i + 1) * 36)].map { $0 * gradient.outputs[i] } }
        assertClose(walk.attributions.scalars, expected, "PatternNet with w as patterns")
    }

    func testPatternsAreSavedBesideTheModelAndCheckedWhenLoaded() throws {
        let network = try TestNetworks.conv(pooling: "avg")
        let patterns = try PatternLearning.learn(network, images: TestNetworks.randomInputs([12, 1, 6, 6], seed: 2, low: 0, high: 1))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("patterns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = SignalPatterns.sideFile(for: directory.appendingPathComponent("net.safetensors"))
        XCTAssertEqual(url.lastPathComponent, "net.patterns.safetensors")
        try patterns.save(to: url)
        XCTAssertEqual(try SignalPatterns.load(from: url, for: network), patterns)

        // Other weights: refused.
        let other = try TestNetworks.conv(pooling: "avg", seed: 9)
        XCTAssertThrowsError(try SignalPatterns.load(from: url, for: other)) { error in
            XCTAssertTrue("\(error)".contains("other weights"), "\(error)")
        }
        // Another architecture: the layers or shapes are named.
        XCTAssertThrowsError(try SignalPatterns.load(from: url, for: try TestNetworks.dense())) { error in
            XCTAssertTrue("\(error)".contains("dense and conv layers are [\"fc1\", \"fc2\", \"logits\"]"), "\(error)")
        }
        var wrong = patterns
        wrong.layers[1].positive = Tensor(zeros: [4, 3, 3, 3])
        XCTAssertThrowsError(try wrong.check(against: network)) { error in
            XCTAssertTrue("\(error)".contains("a₊ of layer 'conv2' has shape [4, 3, 3, 3], but the layer's weight has shape [4, 3, 2, 2]"), "\(error)")
        }
        // No patterns: the method says how to get them.
        XCTAssertThrowsError(try PatternNet(try ExplainedModel(other))) { error in
            XCTAssertTrue("\(error)".contains("learnPatterns"), "\(error)")
        }
        // Training changes the weights: the patterns are refused.
        network.signalPatterns = patterns
        network.parameters[0].value = network.parameters[0].value.map { $0 * 1.01 }
        XCTAssertThrowsError(try PatternAttribution(try ExplainedModel(network))) { error in
            XCTAssertTrue("\(error)".contains("other weights"), "\(error)")
        }
    }

    func testSignalEstimatorQualityIsOneForThePatternsAndNearZeroForTheFilterOnSyntheticData() throws {
        // x = a_s y + a_d ε + isotropic noise, and wᵀx ≈ y: the patterns leave in x − a wᵀx nothing
        // correlated with wᵀx (ρ ≈ 1); the filter's estimate leaves (a_s − w/‖w‖²) y in it (ρ far lower).
        // (Without the isotropic noise x spans two directions only, and any sampling error of a
        // would be found by the regression.)
        let data = signalAndDistractor(dims: 16, count: 8000, seed: 12, noise: 0.3)
        let learning = Tensor(shape: [6000, 16], scalars: Array(data.images.scalars[0..<(6000 * 16)]))
        let heldOut = Tensor(shape: [2000, 16], scalars: Array(data.images.scalars[(6000 * 16)...]))
        var rng = SeededRandom(seed: 1)
        let layer = Dense(name: "logit", inputs: 16, outputs: 1, bias: false, rng: &rng)
        layer.weight.value = Tensor(shape: [1, 16], scalars: data.filter)
        let network = try Sequential(layers: [layer], inputShape: [16])
        let patterns = try PatternLearning.learn(network, images: learning)
        let quality = try PatternQuality.measure(network, patterns: patterns, images: heldOut)
        XCTAssertEqual(quality.count, 1)
        XCTAssertEqual(quality[0].rows, 2000)
        XCTAssertGreaterThan(quality[0].pattern, 0.95)
        XCTAssertLessThan(quality[0].filter, 0.6)
        XCTAssertGreaterThan(quality[0].pattern - quality[0].filter, 0.4)
        // On a conv network every layer gets a value in [0, 1].
        let conv = try TestNetworks.conv(pooling: "max")
        let images = TestNetworks.randomInputs([30, 1, 6, 6], seed: 4, low: 0, high: 1)
        let convPatterns = try PatternLearning.learn(conv, images: images)
        let rows = try PatternQuality.measure(conv, patterns: convPatterns, images: images, units: 2)
        XCTAssertEqual(rows.map(\.layer), ["conv1", "conv2", "logits"])
        XCTAssertEqual(rows[0].rows, 30 * 36)
        XCTAssertEqual(rows[0].inputs, 9)
        for row in rows { XCTAssertTrue((0...1).contains(row.pattern) && (0...1).contains(row.filter), "\(row)") }
    }
}
