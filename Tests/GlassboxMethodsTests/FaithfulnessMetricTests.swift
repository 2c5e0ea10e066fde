import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// Deletion, insertion, ROAD, faithfulness correlation and infidelity against values worked by
/// hand on linear models, and a good map scoring better than a random one.
final class FaithfulnessMetricTests: XCTestCase {
    /// S₀ = 4x₀ + 3x₁ + 2x₂ + x₃ on x = 1: gradient × input is (4, 3, 2, 1).
    func fourPixels() throws -> (ExplainedModel, Tensor) {
        (try MetricFixtures.linearModel([4, 3, 2, 1], height: 1, width: 4), MetricFixtures.ones([1, 1, 1, 4]))
    }

    func testDeletionAndInsertionAreasOfAHandWorkedCurve() throws {
        let (model, inputs) = try fourPixels()
        // Deletion: f = 10, 6, 3, 1, 0 at 0, ¼, ½, ¾, 1 → ¼ (8 + 4.5 + 2 + 0.5) = 3.75.
        let deletion = try Deletion(steps: 4).evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs),
                                                       monitor: .none)
        XCTAssertEqual(deletion.curve?.values[0], [10, 6, 3, 1, 0])
        XCTAssertEqual(deletion.curve?.x, [0, 0.25, 0.5, 0.75, 1])
        XCTAssertEqual(deletion.scores[0], 3.75, accuracy: 1e-6)
        // Insertion: f = 0, 4, 7, 9, 10 → ¼ (2 + 5.5 + 8 + 9.5) = 6.25.
        let insertion = try Insertion(steps: 4).evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs),
                                                         monitor: .none)
        XCTAssertEqual(insertion.curve?.values[0], [0, 4, 7, 9, 10])
        XCTAssertEqual(insertion.scores[0], 6.25, accuracy: 1e-6)
        // Two steps over four pixels change two pixels per step; a fill of 1 changes nothing.
        let coarse = try Deletion(steps: 2).evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs),
                                                     monitor: .none)
        XCTAssertEqual(coarse.curve?.values[0], [10, 3, 0])
        let noChange = try Deletion(steps: 4, fill: 1).evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs),
                                                                monitor: .none)
        XCTAssertEqual(noChange.scores[0], 10)
    }

    func testAGoodMapDeletesFasterAndInsertsFasterThanARandomOne() throws {
        var rng = SeededRandom(seed: 3)
        let model = try MetricFixtures.linearModel((0..<64).map { _ in rng.nextUniform(in: -1, 1) }, height: 8, width: 8)
        let inputs = TestNetworks.randomInputs([5, 1, 8, 8], seed: 4, low: 0, high: 1)
        let deletion = try Deletion(steps: 16), insertion = try Insertion(steps: 16)
        func score(_ metric: some ExplanationMetric, _ explainer: Explainer) throws -> MetricResult {
            try metric.evaluate(try MetricFixtures.subject(model, explainer, inputs), monitor: .none)
        }
        let goodDeletion = try score(deletion, .catalog(GradientTimesInput.self))
        let randomDeletion = try score(deletion, MetricFixtures.randomExplainer())
        XCTAssertLessThan(goodDeletion.mean, randomDeletion.mean)
        let goodInsertion = try score(insertion, .catalog(GradientTimesInput.self))
        let randomInsertion = try score(insertion, MetricFixtures.randomExplainer())
        XCTAssertGreaterThan(goodInsertion.mean, randomInsertion.mean)
    }

    func testNoisyLinearImputationOfHandWorkedHoles() {
        // The centre of a 3×3 image whose direct neighbours are 1 and diagonal ones 0:
        // (4 · 1/6 · 1 + 4 · 1/12 · 0) / 1 = 2/3.
        var image: [Float] = [0, 1, 0,
                              1, 9, 1,
                              0, 1, 0]
        var removed = [Bool](repeating: false, count: 9)
        removed[4] = true
        var random = SeededRandom(seed: 0)
        image.withUnsafeMutableBufferPointer { NoisyLinearImputation.impute($0, shape: [1, 3, 3], removed: removed, noise: 0, random: &random) }
        XCTAssertEqual(image[4], 2.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(image.enumerated().filter { $0.offset != 4 }.map(\.element), [0, 1, 0, 1, 1, 0, 1, 0])
        // A 1×4 row [0, ?, ?, 3]: each unknown is the mean of its left and right neighbour, solved
        // together: 2a = 0 + b, 2b = a + 3 → a = 1, b = 2 (linear interpolation).
        var row: [Float] = [0, 7, 7, 3]
        row.withUnsafeMutableBufferPointer {
            NoisyLinearImputation.impute($0, shape: [1, 1, 4], removed: [false, true, true, false], noise: 0, random: &random)
        }
        XCTAssertEqual(row[1], 1, accuracy: 1e-6)
        XCTAssertEqual(row[2], 2, accuracy: 1e-6)
        // A corner pixel: its three neighbours (1/6, 1/6, 1/12) are 3, 3 and 6: (0.5 + 0.5 + 0.5) / (5/12) = 3.6.
        var corner: [Float] = [5, 3, 3, 6]
        corner.withUnsafeMutableBufferPointer {
            NoisyLinearImputation.impute($0, shape: [1, 2, 2], removed: [true, false, false, false], noise: 0, random: &random)
        }
        XCTAssertEqual(corner[0], 3.6, accuracy: 1e-5)
        // Nothing known: imputed as 0 plus the noise.
        var blank: [Float] = [5, 5]
        blank.withUnsafeMutableBufferPointer { NoisyLinearImputation.impute($0, shape: [1, 1, 2], removed: [true, true], noise: 0, random: &random) }
        XCTAssertEqual(blank, [0, 0])
        // The noise is noise·N(0, 1): a large sample has the right spread.
        var big = [Float](repeating: 1, count: 400)
        big.withUnsafeMutableBufferPointer {
            NoisyLinearImputation.impute($0, shape: [1, 20, 20], removed: (0..<400).map { $0 % 2 == 0 }, noise: 0.5, random: &random)
        }
        let deviations = stride(from: 0, to: 400, by: 2).map { Double(big[$0]) - 1 }
        let spread = (deviations.reduce(0) { $0 + $1 * $1 } / Double(deviations.count)).squareRoot()
        XCTAssertEqual(spread, 0.5, accuracy: 0.08)
    }

    func testROADOnAHandWorkedImage() throws {
        // S₀ = x at the centre of a 3×3 image whose other pixels are 1 and whose centre is 4; the
        // map (gradient × input) puts everything on the centre. Removing the top 1/9 (11 %)
        // imputes the centre as 1 (all neighbours 1): f = 1. Removing nothing keeps f = 4.
        var weights = [Float](repeating: 0, count: 9)
        weights[4] = 1
        let model = try MetricFixtures.linearModel(weights, height: 3, width: 3)
        var values = [Float](repeating: 1, count: 9)
        values[4] = 4
        let inputs = Tensor(shape: [1, 1, 3, 3], scalars: values)
        let road = try ROAD(percentages: [0, 12], noise: 0)
        let run = try road.evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs), monitor: .none)
        XCTAssertEqual(run.curve?.values[0][0] ?? 0, 4, accuracy: 1e-6)
        XCTAssertEqual(run.curve?.values[0][1] ?? 0, 1, accuracy: 1e-6)
        XCTAssertEqual(run.scores[0], 2.5, accuracy: 1e-6)
        // Least relevant first removes a zero-relevance pixel (the first one) instead: f stays 4.
        let lerf = try ROAD(percentages: [12], order: .leastRelevantFirst, noise: 0)
            .evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs), monitor: .none)
        XCTAssertEqual(lerf.scores[0], 4, accuracy: 1e-6)
        XCTAssertEqual(lerf.direction, .higherIsBetter)
    }

    func testROADRanksAGoodMapAboveARandomOne() throws {
        var rng = SeededRandom(seed: 9)
        let model = try MetricFixtures.linearModel((0..<36).map { _ in rng.nextUniform(in: 0, 1) }, height: 6, width: 6)
        // Images whose pixels differ a lot from their neighbours, so imputation changes f.
        let inputs = TestNetworks.randomInputs([4, 1, 6, 6], seed: 2, low: 0, high: 1)
        let road = try ROAD(percentages: [10, 30, 50], noise: 0.01, seed: 3)
        let good = try road.evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs), monitor: .none)
        let random = try road.evaluate(try MetricFixtures.subject(model, MetricFixtures.randomExplainer(), inputs), monitor: .none)
        XCTAssertLessThan(good.mean, random.mean)
        // The same image scores the same alone (noise is keyed by the image, not its position).
        let alone = try road.evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs.rows(3..<4)),
                                      monitor: .none)
        XCTAssertEqual(alone.scores[0], good.scores[3])
    }

    func testFaithfulnessCorrelationIsOneForTheExactContributions() throws {
        var rng = SeededRandom(seed: 5)
        let model = try MetricFixtures.linearModel((0..<36).map { _ in rng.nextUniform(in: -1, 1) }, height: 6, width: 6)
        let inputs = TestNetworks.randomInputs([3, 1, 6, 6], seed: 6, low: 0, high: 1)
        // With fill 0, f(x) − f(x_S) = Σ_{i∈S} wᵢ xᵢ = Σ_{i∈S} Rᵢ exactly: ρ = 1.
        let metric = try FaithfulnessCorrelation(samples: 20, subsetSize: 5)
        let good = try metric.evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs), monitor: .none)
        for score in good.scores { XCTAssertEqual(score, 1, accuracy: 1e-5) }
        let random = try metric.evaluate(try MetricFixtures.subject(model, MetricFixtures.randomExplainer(), inputs), monitor: .none)
        for i in 0..<3 { XCTAssertLessThan(random.scores[i], 0.9) }
        // The negated map is perfectly anti-correlated.
        let negated = Explainer(name: "negated") { m, x, t, monitor in
            let output = try Explainer.catalog(GradientTimesInput.self).explain(m, x, t, monitor)
            return Explainer.Output(maps: Tensor(shape: output.maps.shape, scalars: output.maps.scalars.map { -$0 }))
        }
        let anti = try metric.evaluate(try MetricFixtures.subject(model, negated, inputs), monitor: .none)
        for score in anti.scores { XCTAssertEqual(score, -1, accuracy: 1e-5) }
        // Subsets are distinct positions.
        let noise = ImageNoise(inputs: inputs, seed: 0)
        let subset = FaithfulnessCorrelation.subset(noise, image: 0, sample: 3, size: 36, positions: 36)
        XCTAssertEqual(subset.sorted(), Array(0..<36))
        XCTAssertThrowsError(try FaithfulnessCorrelation(samples: 1))
    }

    func testInfidelityOfTheGradientOfALinearModelIsZeroAndOfAZeroMapIsTheMeanSquaredChange() throws {
        var rng = SeededRandom(seed: 8)
        let weights = (0..<16).map { _ in rng.nextUniform(in: -1, 1) }
        let model = try MetricFixtures.linearModel(weights, height: 4, width: 4)
        let inputs = TestNetworks.randomInputs([2, 1, 4, 4], seed: 1, low: 0, high: 1)
        let metric = try Infidelity(samples: 6, sigma: 0.2, seed: 4)
        // The signed gradient is w: Iᵀw = f(x) − f(x − I) exactly.
        let gradient = Explainer.catalog(Saliency.self, options: ["absolute": .bool(false)])
        let exact = try metric.evaluate(try MetricFixtures.subject(model, gradient, inputs), monitor: .none)
        for score in exact.scores { XCTAssertEqual(score, 0, accuracy: 1e-9) }
        // A zero map predicts no change: infidelity = mean over samples of (wᵀI)², worked from the
        // same perturbations.
        let zero = Explainer(name: "zero") { _, x, _, _ in Explainer.Output(maps: Tensor(zeros: x.shape)) }
        let none = try metric.evaluate(try MetricFixtures.subject(model, zero, inputs), monitor: .none)
        let noise = ImageNoise(inputs: inputs, seed: 4)
        for i in 0..<2 {
            var expected = 0.0
            for s in 0..<6 {
                let perturbation = Infidelity.perturbation(noise, image: i, sample: s, count: 16, sigma: 0.2)
                let change = zip(weights, perturbation).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                expected += change * change / 6
            }
            XCTAssertEqual(Double(none.scores[i]), expected, accuracy: 1e-5 * max(expected, 1))
        }
        // Good beats random; normalising rescues a map that is right up to its scale.
        let random = try metric.evaluate(try MetricFixtures.subject(model, MetricFixtures.randomExplainer(), inputs), monitor: .none)
        XCTAssertLessThan(exact.mean, random.mean)
        let tripled = Explainer(name: "3 × gradient") { m, x, t, monitor in
            let output = try gradient.explain(m, x, t, monitor)
            return Explainer.Output(maps: Tensor(shape: output.maps.shape, scalars: output.maps.scalars.map { 3 * $0 }))
        }
        XCTAssertGreaterThan(try metric.evaluate(try MetricFixtures.subject(model, tripled, inputs), monitor: .none).mean, 0.01)
        let normalised = try Infidelity(samples: 6, sigma: 0.2, normalize: true, seed: 4)
            .evaluate(try MetricFixtures.subject(model, tripled, inputs), monitor: .none)
        for score in normalised.scores { XCTAssertEqual(score, 0, accuracy: 1e-9) }
    }
}
