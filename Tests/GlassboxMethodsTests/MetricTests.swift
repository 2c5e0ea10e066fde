import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// The evaluation metrics against values worked by hand, and good explanations scoring better than
/// random ones.
final class MetricTests: XCTestCase {
    /// A bias-free linear classifier on 1×h×w images: S_0 = Σ w_i x_i, S_1 = 0.
    func linearModel(_ weights: [Float], height: Int, width: Int) throws -> ExplainedModel {
        var rng = SeededRandom(seed: 1)
        let dense = Dense(name: "logits", inputs: height * width, outputs: 2, bias: false, rng: &rng)
        let w = dense.parameters.first { $0.name.hasSuffix("weight") || $0.name.hasSuffix("weights") } ?? dense.parameters[0]
        // Row 0 (class 0) holds `weights`, row 1 zeros; the layout is [outputs, inputs] or [inputs, outputs].
        var values = [Float](repeating: 0, count: w.value.count)
        if w.value.shape == [2, height * width] {
            for i in 0..<weights.count { values[i] = weights[i] }
        } else {
            for i in 0..<weights.count { values[i * 2] = weights[i] }
        }
        w.value = Tensor(shape: w.value.shape, scalars: values)
        let network = try Sequential(layers: [Flatten(name: "flatten"), dense], inputShape: [1, height, width])
        return try ExplainedModel(network)
    }

    func testBestWindowTiesGoToTheFirstWindowAndRemovedCellsAreSkipped() {
        // 1×3×4 map: the 2×2 windows at (0,0) and (0,2) both sum to 4; (1,1) sums to 3.
        let map: [Float] = [1, 1, 1, 1,
                            1, 1, 1, 1,
                            0, 0, 1, 0]
        var excluded = [Bool](repeating: false, count: 12)
        XCTAssertEqual(RegionPerturbation.bestWindow(map[...], shape: [1, 3, 4], patch: 2, excluding: excluded, order: .mostRelevantFirst),
                       .init(row: 0, column: 0))
        // Windows: (0,0) 4, (0,1) 4, (0,2) 4, (1,0) 2, (1,1) 3, (1,2) 3. Removing cell (0,1) rules out
        // (0,0) and (0,1), leaving (0,2) as the first window of sum 4.
        excluded[1] = true
        XCTAssertEqual(RegionPerturbation.bestWindow(map[...], shape: [1, 3, 4], patch: 2, excluding: excluded, order: .mostRelevantFirst),
                       .init(row: 0, column: 2))
        XCTAssertEqual(RegionPerturbation.bestWindow(map[...], shape: [1, 3, 4], patch: 2, excluding: excluded, order: .leastRelevantFirst),
                       .init(row: 1, column: 0))
        // Removing cell (1,0) too leaves (1,1) and (1,2) at 3: the first one wins.
        excluded[4] = true
        XCTAssertEqual(RegionPerturbation.bestWindow(map[...], shape: [1, 3, 4], patch: 2, excluding: excluded, order: .leastRelevantFirst),
                       .init(row: 1, column: 1))
        XCTAssertNil(RegionPerturbation.bestWindow(map[...], shape: [1, 3, 4], patch: 2, excluding: [Bool](repeating: true, count: 12),
                                                   order: .mostRelevantFirst))
    }

    func testRegionPerturbationRemovesTheMostRelevantPixelsOfALinearModelInOrder() throws {
        // S = Σ w x with x = 1: gradient × input is w itself, so pixels go in decreasing order of w.
        let weights: [Float] = [3, -1, 5, 2, 0.5, 4, -2, 1, 6]
        let model = try linearModel(weights, height: 3, width: 3)
        let inputs = Tensor(shape: [1, 1, 3, 3], scalars: [Float](repeating: 1, count: 9))
        let method = Explainer(GradientTimesInput(model))
        let result = try RegionPerturbation(steps: 5, patch: 1).run(model: model, explainer: method, inputs: inputs, targets: [0])
        XCTAssertEqual(result.windows[0].map { $0.row * 3 + $0.column }, [8, 2, 5, 0])
        let total: Float = weights.reduce(0, +)
        XCTAssertEqual(result.scores[0], [total, total - 6, total - 11, total - 15, total - 18])
        // Least relevant first removes -2, then -1: the score rises.
        let least = try RegionPerturbation(steps: 3, patch: 1, order: .leastRelevantFirst)
            .run(model: model, explainer: method, inputs: inputs, targets: [0])
        XCTAssertEqual(least.windows[0].map { $0.row * 3 + $0.column }, [6, 1])
        XCTAssertEqual(least.scores[0], [total, total + 2, total + 3])
        // Removed windows are written with the fill value.
        let after = try result.image(inputs, index: 0, removed: 2)
        XCTAssertEqual(after.scalars, [1, 1, 0, 1, 1, 1, 1, 1, 0])
    }

    func testCurveAreasOfAKnownCurve() {
        let result = RegionPerturbation.Result(method: "m", scores: [[4, 2, 1, 0], [4, 2, 1, 0]], windows: [[], []], targets: [0, 0],
                                               patch: 1, fill: 0, order: .mostRelevantFirst)
        XCTAssertEqual(result.areaUnderCurve, 5)
        XCTAssertEqual(result.aopc, 2.25)
        XCTAssertEqual(result.averageCurve, [4, 2, 1, 0])
        XCTAssertEqual(result.confidenceHalfWidth, [0, 0, 0, 0])
        XCTAssertEqual(CurveArea.trapezoid([1]), 0)
    }

    func testAGoodExplanationIsMoreSelectiveThanARandomOne() throws {
        var rng = SeededRandom(seed: 7)
        let weights = (0..<64).map { _ in rng.nextUniform(in: -1, 1) }
        let model = try linearModel(weights, height: 8, width: 8)
        let inputs = TestNetworks.randomInputs([6, 1, 8, 8], seed: 3, low: 0, high: 1)
        let good = Explainer(GradientTimesInput(model))
        let random = Explainer(name: "random") { inputs, _, _ in TestNetworks.randomInputs(inputs.shape, seed: 11) }
        let procedure = try RegionPerturbation(steps: 8, patch: 2)
        let goodRun = try procedure.run(model: model, explainer: good, inputs: inputs, targets: [Int](repeating: 0, count: 6))
        let randomRun = try procedure.run(model: model, explainer: random, inputs: inputs, targets: [Int](repeating: 0, count: 6))
        XCTAssertGreaterThan(goodRun.aopc, randomRun.aopc)
        XCTAssertLessThan(goodRun.areaUnderCurve, randomRun.areaUnderCurve)
    }

    func testRegionPerturbationRefusesImpossibleRuns() throws {
        let model = try linearModel([1, 2, 3, 4], height: 2, width: 2)
        let inputs = Tensor(shape: [1, 1, 2, 2], scalars: [1, 1, 1, 1])
        let method = Explainer(GradientTimesInput(model))
        XCTAssertThrowsError(try RegionPerturbation(steps: 3, patch: 2).run(model: model, explainer: method, inputs: inputs, targets: [0]))
        XCTAssertThrowsError(try RegionPerturbation(steps: 1, patch: 3).run(model: model, explainer: method, inputs: inputs, targets: [0]))
        XCTAssertThrowsError(try RegionPerturbation(steps: 0))
        let wrongShape = Explainer(name: "wrong") { _, _, _ in Tensor(shape: [1, 3], scalars: [0, 0, 0]) }
        XCTAssertThrowsError(try RegionPerturbation(steps: 2, patch: 1).run(model: model, explainer: wrongShape, inputs: inputs, targets: [0]))
    }

    func testGiniAndEntropyOfHandWorkedMaps() {
        XCTAssertEqual(Sparseness.gini([0, 0, 0, 1][...]), 0.75, accuracy: 1e-7)
        XCTAssertEqual(Sparseness.gini([2, 2, 2, 2][...]), 0, accuracy: 1e-7)
        XCTAssertEqual(Sparseness.gini([0, 0, 0, 0][...]), 0)
        // Sorted |R| = 1, 1, 2: (−2·1 + 0·1 + 2·2) / (3·4) = 1/6; signs do not matter.
        XCTAssertEqual(Sparseness.gini([-1, 2, 1][...]), 1.0 / 6, accuracy: 1e-7)
        XCTAssertEqual(Complexity.entropy([1, -1, 1, 1][...]), Float(log(4.0)), accuracy: 1e-6)
        XCTAssertEqual(Complexity.entropy([0, 5, 0, 0][...]), 0)
        XCTAssertEqual(Complexity.entropy([1, 3][...]), Float(-(0.25 * log(0.25) + 0.75 * log(0.75))), accuracy: 1e-6)
        let maps = Tensor(shape: [2, 4], scalars: [0, 0, 0, 1, 2, 2, 2, 2])
        XCTAssertEqual(Sparseness.perImage(maps), [0.75, 0])
    }

    func testMaxSensitivityIsZeroForAConstantGradientAndTheSameInAnyBatch() throws {
        var rng = SeededRandom(seed: 5)
        let model = try linearModel((0..<16).map { _ in rng.nextUniform(in: -1, 1) }, height: 4, width: 4)
        let inputs = TestNetworks.randomInputs([3, 1, 4, 4], seed: 9, low: 0, high: 1)
        let constant = try MaxSensitivity(samples: 4, radius: 0.1).run(model: model, explainer: Explainer(Saliency(model)), inputs: inputs,
                                                                      targets: [0, 0, 0])
        XCTAssertEqual(constant.maximum, [0, 0, 0])
        // Gradient × input on a linear model changes by w ⊙ δ, at most radius·‖w‖/‖w ⊙ x‖ relative.
        let procedure = try MaxSensitivity(samples: 6, radius: 0.1, seed: 2)
        let network = try TestNetworks.conv(pooling: "avg")
        let convModel = try ExplainedModel(network)
        let images = TestNetworks.randomInputs([4, 1, 6, 6], seed: 4, low: 0, high: 1)
        let method = Explainer(GradientTimesInput(convModel))
        let batch = try procedure.run(model: convModel, explainer: method, inputs: images, targets: [0, 1, 2, 0])
        XCTAssertTrue(batch.maximum.allSatisfy { $0 > 0 })
        for i in 0..<4 {
            XCTAssertGreaterThanOrEqual(batch.maximum[i], batch.average[i])
        }
        let alone = try procedure.run(model: convModel, explainer: method, inputs: images.rows(2..<3), targets: [2])
        XCTAssertEqual(alone.maximum[0], batch.maximum[2], accuracy: 1e-6 * max(1, batch.maximum[2]))
    }

    /// Chapter 5.1's max(x₁, x₂) network: a = ReLU(x₁ − x₂, x₂ − x₁, x₁ + x₂), f = Σ a / 2.
    func maxNetwork() throws -> ExplainedModel {
        var rng = SeededRandom(seed: 1)
        let hidden = Dense(name: "hidden", inputs: 2, outputs: 3, bias: false, rng: &rng)
        let out = Dense(name: "out", inputs: 3, outputs: 1, bias: false, rng: &rng)
        let hiddenWeights: [[Float]] = [[1, -1], [-1, 1], [1, 1]]   // [unit][input]
        func set(_ layer: Dense, _ rows: [[Float]]) {
            let p = layer.parameters.first { !$0.name.hasSuffix("bias") }!
            let outputs = rows.count, inputs = rows[0].count
            var values = [Float](repeating: 0, count: outputs * inputs)
            for o in 0..<outputs {
                for i in 0..<inputs {
                    if p.value.shape == [outputs, inputs] { values[o * inputs + i] = rows[o][i] } else { values[i * outputs + o] = rows[o][i] }
                }
            }
            p.value = Tensor(shape: p.value.shape, scalars: values)
        }
        set(hidden, hiddenWeights)
        set(out, [[0.5, 0.5, 0.5]])
        let network = try Sequential(layers: [hidden, ReLU(name: "relu"), out], inputShape: [2])
        return try ExplainedModel(network, output: .reluLogit)
    }

    func testTheContinuityChaptersClosedFormsOnTheMaxNetwork() throws {
        let model = try maxNetwork()
        let points: [(Float, Float)] = [(0.8, 0.3), (0.2, 0.9), (0.5, 0.45), (0.1, 0.6)]
        let inputs = Tensor(shape: [points.count, 2], scalars: points.flatMap { [$0.0, $0.1] })
        let targets = Target.classes([Int](repeating: 0, count: points.count))
        XCTAssertEqual(try model.scores(inputs, classes: [0, 0, 0, 0]), points.map { max($0.0, $0.1) })
        let sa = try SensitivityAnalysis(model).attribute(inputs, targets: targets).attributions.scalars
        let std = try GradientTimesInput(model).attribute(inputs, targets: targets).attributions.scalars
        let zPlus = try LRP.make(model, options: ["rules": .table([OptionEntry("dense", .string("zPlus"))])])
            .attribute(inputs, targets: targets).attributions.scalars
        for (i, (x1, x2)) in points.enumerated() {
            let first = x1 > x2
            XCTAssertEqual(Array(sa[(2 * i)..<(2 * i + 2)]), first ? [1, 0] : [0, 1])
            XCTAssertEqual(Array(std[(2 * i)..<(2 * i + 2)]), first ? [x1, 0] : [0, x2])
            let expected: [Float] = first ? [(2 * x1 - x2) / 2, x2 / 2] : [x1 / 2, (2 * x2 - x1) / 2]
            XCTAssertEqual(zPlus[2 * i], expected[0], accuracy: 1e-6)
            XCTAssertEqual(zPlus[2 * i + 1], expected[1], accuracy: 1e-6)
        }
    }

    func testTranslationContinuityQuadrantsAndContinuityNumber() throws {
        // Quadrant sums of a 1×4×4 map numbered 0…15.
        let map = (0..<16).map { Float($0) }
        XCTAssertEqual(TranslationContinuity.quadrantSums(map[...], shape: [1, 4, 4]), [0 + 1 + 4 + 5, 2 + 3 + 6 + 7, 10 + 11 + 14 + 15, 8 + 9 + 12 + 13])
        // Two images 1 apart in one pixel (‖Δx‖₂ = 1) whose maps differ by 3 in L1, and a copy.
        let images = Tensor(shape: [3, 2], scalars: [0, 0, 1, 0, 1, 0])
        let maps = Tensor(shape: [3, 2], scalars: [0, 0, 1, 2, 5, 5])
        XCTAssertEqual(TranslationContinuity.continuity(images: images, maps: maps), 10)
        // Translation: zero fill, positive dx moves right.
        let image = Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try ImageTranslation.translated(image, dx: 1).scalars, [0, 1, 2, 0, 4, 5])
        XCTAssertEqual(try ImageTranslation.translated(image, dx: -2).scalars, [3, 0, 0, 6, 0, 0])
        XCTAssertEqual(try ImageTranslation.translated(image, dx: 0, dy: 1).scalars, [0, 0, 0, 1, 2, 3])
        // On a conv model: one batched run, a map per shift, quadrant sums adding up to each map's sum.
        let model = try ExplainedModel(try TestNetworks.conv(pooling: "avg", bias: false), output: .reluLogit)
        let x = TestNetworks.randomInputs([1, 1, 6, 6], seed: 8, low: 0, high: 1)
        let run = try TranslationContinuity(shifts: [-1, 0, 1]).run(model: model, explainer: Explainer(GradientTimesInput(model)), image: x, target: 0)
        XCTAssertEqual(run.maps.shape, [3, 1, 6, 6])
        for s in 0..<3 {
            let total = rowSlice(run.maps, s).reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(Double(run.quadrants[s].reduce(0, +)), total, accuracy: 1e-5)
        }
        XCTAssertGreaterThan(run.continuity, 0)
    }
}
