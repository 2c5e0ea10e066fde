import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// Max- and average sensitivity, the local Lipschitz estimate and chapter 5.1's continuity, against
/// values worked by hand, and a stable map scoring better than a random one.
final class RobustnessMetricTests: XCTestCase {
    func testSensitivityOfGradientTimesInputOnAnEqualWeightModel() throws {
        // S₀ = a Σ xᵢ: gradient × input is a·x, so R(x + δ) − R(x) = a·δ and the relative change
        // is ‖δ‖ / ‖x‖, worked here from the metric's own noise.
        let a: Float = 0.7
        let model = try MetricFixtures.linearModel([Float](repeating: a, count: 9), height: 3, width: 3)
        let inputs = TestNetworks.randomInputs([2, 1, 3, 3], seed: 3, low: 0.2, high: 1)
        let maximum = try MaxSensitivity(samples: 5, radius: 0.1, seed: 2)
        let average = try AverageSensitivity(samples: 5, radius: 0.1, seed: 2)
        let subject = try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs)
        let maxRun = try maximum.evaluate(subject, monitor: .none)
        let avgRun = try average.evaluate(subject, monitor: .none)
        let noise = ImageNoise(inputs: inputs, seed: 2)
        for i in 0..<2 {
            let x = Array(rowSlice(inputs, i)).map(Double.init)
            let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let changes = (0..<5).map { s in
                SensitivitySampling.perturbation(noise, image: i, sample: s, count: 9, radius: 0.1)
                    .reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() / norm
            }
            XCTAssertEqual(Double(maxRun.scores[i]), changes.max()!, accuracy: 1e-5)
            XCTAssertEqual(Double(avgRun.scores[i]), changes.reduce(0, +) / 5, accuracy: 1e-5)
        }
    }

    func testAConstantMapHasZeroSensitivityAndARandomOneHasMore() throws {
        var rng = SeededRandom(seed: 5)
        let model = try MetricFixtures.linearModel((0..<16).map { _ in rng.nextUniform(in: -1, 1) }, height: 4, width: 4)
        let inputs = TestNetworks.randomInputs([3, 1, 4, 4], seed: 9, low: 0, high: 1)
        let metric = try MaxSensitivity(samples: 4, radius: 0.1)
        // The gradient of a linear model does not depend on x.
        let constant = try metric.evaluate(try MetricFixtures.subject(model, .catalog(Saliency.self), inputs), monitor: .none)
        XCTAssertEqual(constant.scores, [0, 0, 0])
        let random = try metric.evaluate(try MetricFixtures.subject(model, MetricFixtures.randomExplainer(), inputs), monitor: .none)
        XCTAssertTrue(random.scores.allSatisfy { $0 > 0.5 }, "\(random.scores)")
        // An all-zero map divides by 1 (Captum): a zero map stays zero, sensitivity 0.
        let zero = Explainer(name: "zero") { _, x, _, _ in Explainer.Output(maps: Tensor(zeros: x.shape)) }
        XCTAssertEqual(try metric.evaluate(try MetricFixtures.subject(model, zero, inputs), monitor: .none).scores, [0, 0, 0])
    }

    func testSensitivityOfAnImageDoesNotDependOnItsBatch() throws {
        let model = try ExplainedModel(try TestNetworks.conv(pooling: "avg"))
        let images = TestNetworks.randomInputs([4, 1, 6, 6], seed: 4, low: 0, high: 1)
        let metric = try MaxSensitivity(samples: 6, radius: 0.1, seed: 2)
        let batch = try metric.evaluate(try MetricSubject(model: model, explainer: .catalog(GradientTimesInput.self), inputs: images,
                                                          targets: [0, 1, 2, 0]), monitor: .none)
        XCTAssertTrue(batch.scores.allSatisfy { $0 > 0 })
        let alone = try metric.evaluate(try MetricSubject(model: model, explainer: .catalog(GradientTimesInput.self), inputs: images.rows(2..<3),
                                                          targets: [2]), monitor: .none)
        XCTAssertEqual(alone.scores[0], batch.scores[2])
        let averaged = try AverageSensitivity(samples: 6, radius: 0.1, seed: 2)
            .evaluate(try MetricSubject(model: model, explainer: .catalog(GradientTimesInput.self), inputs: images, targets: [0, 1, 2, 0]),
                      monitor: .none)
        for i in 0..<4 { XCTAssertLessThanOrEqual(averaged.scores[i], batch.scores[i]) }
    }

    func testLocalLipschitzOfGradientTimesInputIsTheWeightOnAnEqualWeightModel() throws {
        // R(x) − R(x′) = a (x − x′): every ratio is a.
        let model = try MetricFixtures.linearModel([Float](repeating: 1.5, count: 16), height: 4, width: 4)
        let inputs = TestNetworks.randomInputs([2, 1, 4, 4], seed: 1, low: 0, high: 1)
        let metric = try LocalLipschitz(samples: 5, sigma: 0.1)
        let run = try metric.evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs), monitor: .none)
        for score in run.scores { XCTAssertEqual(score, 1.5, accuracy: 1e-4) }
        // Unequal weights: the ratio lies between the smallest and largest |w|.
        let spread = try MetricFixtures.linearModel((0..<16).map { Float($0 % 4) + 1 }, height: 4, width: 4)
        let between = try metric.evaluate(try MetricFixtures.subject(spread, .catalog(GradientTimesInput.self), inputs), monitor: .none)
        for score in between.scores {
            XCTAssertGreaterThan(score, 1)
            XCTAssertLessThan(score, 4)
        }
        let random = try metric.evaluate(try MetricFixtures.subject(model, MetricFixtures.randomExplainer(), inputs), monitor: .none)
        XCTAssertGreaterThan(random.mean, run.mean)
        XCTAssertThrowsError(try LocalLipschitz(sigma: 0))
    }

    /// Chapter 5.1's max(x₁, x₂) network: a = ReLU(x₁ − x₂, x₂ − x₁, x₁ + x₂), f = Σ a / 2.
    func maxNetwork() throws -> ExplainedModel {
        var rng = SeededRandom(seed: 1)
        let hidden = Dense(name: "hidden", inputs: 2, outputs: 3, bias: false, rng: &rng)
        hidden.weight.value = Tensor(shape: [3, 2], scalars: [1, -1, -1, 1, 1, 1])
        let out = Dense(name: "out", inputs: 3, outputs: 1, bias: false, rng: &rng)
        out.weight.value = Tensor(shape: [1, 3], scalars: [0.5, 0.5, 0.5])
        let network = try Sequential(layers: [hidden, ReLU(name: "relu"), out], inputShape: [2])
        return try ExplainedModel(network, output: .reluLogit)
    }

    func testTheContinuityChaptersClosedFormsOnTheMaxNetwork() throws {
        let model = try maxNetwork()
        let points: [(Float, Float)] = [(0.8, 0.3), (0.2, 0.9), (0.5, 0.45), (0.1, 0.6)]
        let inputs = Tensor(shape: [points.count, 2], scalars: points.flatMap { [$0.0, $0.1] })
        let targets = Target.classes([0, 0, 0, 0])
        XCTAssertEqual(try model.scores(inputs, classes: [0, 0, 0, 0]), points.map { max($0.0, $0.1) })
        // The text's SA is the gradient, (1, 0) or (0, 1); its square is the same here.
        let sa = try SensitivityAnalysis(model).attribute(inputs, targets: targets).attributions.scalars
        let std = try GradientTimesInput(model).attribute(inputs, targets: targets).attributions.scalars
        let zPlus = try LRP.make(model, options: ["rules": .table([OptionEntry("dense", .string("zPlus"))])])
            .attribute(inputs, targets: targets).attributions.scalars
        for (i, point) in points.enumerated() {
            let (x1, x2) = point
            let first = x1 > x2
            XCTAssertEqual(Array(sa[(2 * i)..<(2 * i + 2)]), first ? [1, 0] : [0, 1])
            XCTAssertEqual(Array(std[(2 * i)..<(2 * i + 2)]), first ? [x1, 0] : [0, x2])
            let expected: [Float] = first ? [(2 * x1 - x2) / 2, x2 / 2] : [x1 / 2, (2 * x2 - x1) / 2]
            XCTAssertEqual(zPlus[2 * i], expected[0], accuracy: 1e-6)
            XCTAssertEqual(zPlus[2 * i + 1], expected[1], accuracy: 1e-6)
        }
    }

    func testQuadrantSumsTranslationAndTheContinuityNumberByHand() throws {
        let map = (0..<16).map { Float($0) }
        XCTAssertEqual(TranslationContinuity.quadrantSums(map[...], shape: [1, 4, 4]), [10, 18, 50, 42])
        // Two images one apart in one pixel (‖Δx‖₂ = 1) whose maps differ by 3 in L1, and a copy
        // of the second whose map differs by 7 from it: max(3/1, 10/1, 7/0 skipped) = 10.
        let images = Tensor(shape: [3, 2], scalars: [0, 0, 1, 0, 1, 0])
        let maps = Tensor(shape: [3, 2], scalars: [0, 0, 1, 2, 5, 5])
        XCTAssertEqual(TranslationContinuity.continuity(images: images, maps: maps), 10)
        XCTAssertEqual(TranslationContinuity.continuity(images: Tensor(shape: [2, 1], scalars: [1, 1]),
                                                        maps: Tensor(shape: [2, 1], scalars: [0, 3])), 0)
        let image = Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try ImageTranslation.translated(image, dx: 1).scalars, [0, 1, 2, 0, 4, 5])
        XCTAssertEqual(try ImageTranslation.translated(image, dx: -2).scalars, [3, 0, 0, 6, 0, 0])
        XCTAssertEqual(try ImageTranslation.translated(image, dx: 0, dy: 1).scalars, [0, 0, 0, 1, 2, 3])
        XCTAssertEqual(try ImageTranslation.translated(image, dx: 5).scalars, [0, 0, 0, 0, 0, 0])
        XCTAssertThrowsError(try ImageTranslation.translated(Tensor(shape: [2, 3], scalars: [0, 0, 0, 0, 0, 0]), dx: 1))
    }

    func testTranslationContinuityOfALinearModelByHand() throws {
        // 1×1×4 images, S₀ = Σ x (all weights 1), gradient × input = x. x = (1, 0, 0, 0) shifted by
        // 0 and 1: images (1,0,0,0) and (0,1,0,0), maps equal to the images: ‖ΔR‖₁ = 2, ‖Δx‖₂ = √2.
        let model = try MetricFixtures.linearModel([1, 1, 1, 1], height: 1, width: 4)
        let inputs = Tensor(shape: [1, 1, 1, 4], scalars: [1, 0, 0, 0])
        let run = try TranslationContinuity(shifts: [0, 1]).evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs),
                                                                      monitor: .none)
        XCTAssertEqual(run.scores[0], Float(2 / 2.0.squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(run.curve?.values[0], [1, 1])
        let record = try XCTUnwrap(run.detail as? TranslationContinuity.Record)
        XCTAssertEqual(record.maps[0].scalars, [1, 0, 0, 0, 0, 1, 0, 0])
        // Quadrants of a 1×4 image: no top half (height 1 → rows 0..<0), so all goes to the bottom.
        XCTAssertEqual(record.quadrants[0][0], [0, 0, 0, 1])
        XCTAssertThrowsError(try TranslationContinuity(shifts: [3]))
    }

    func testDeepTaylorIsMoreContinuousThanRandomMapsAndQuadrantsAddUp() throws {
        let model = try ExplainedModel(try TestNetworks.conv(pooling: "avg", bias: false), output: .reluLogit)
        let inputs = TestNetworks.randomInputs([2, 1, 6, 6], seed: 8, low: 0, high: 1)
        let metric = try TranslationContinuity(shifts: [-1, 0, 1])
        let run = try metric.evaluate(try MetricSubject(model: model, explainer: .catalog(DeepTaylor.self), inputs: inputs, targets: [0, 1]),
                                      monitor: .none)
        let record = try XCTUnwrap(run.detail as? TranslationContinuity.Record)
        XCTAssertEqual(record.maps[1].shape, [3, 1, 6, 6])
        for s in 0..<3 {
            let total = rowSlice(record.maps[1], s).reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(Double(record.quadrants[1][s].reduce(0, +)), total, accuracy: 1e-5)
        }
        let random = try metric.evaluate(try MetricSubject(model: model, explainer: MetricFixtures.randomExplainer(), inputs: inputs,
                                                           targets: [0, 1]), monitor: .none)
        XCTAssertLessThan(run.mean, random.mean)
    }
}
