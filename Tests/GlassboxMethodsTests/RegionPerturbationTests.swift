import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// Chapter 5.2's selectivity procedure: the window rule (find_roi), the order of removal on a
/// network where it is known, AOPC and AUC of known curves, and a good map beating a random one.
final class RegionPerturbationTests: XCTestCase {
    func testWindowRuleOfTheReferenceOnATinyMap() {
        // 1×3×4 map; the 2×2 windows sum to: (0,0) 4, (0,1) 4, (0,2) 4, (1,0) 2, (1,1) 3, (1,2) 3.
        let map: [Float] = [1, 1, 1, 1,
                            1, 1, 1, 1,
                            0, 0, 1, 0]
        let shape = [1, 3, 4]
        var excluded = [Bool](repeating: false, count: 12)
        // Ties go to the first window in row-major order.
        XCTAssertEqual(RelevantWindow.best(map[...], shape: shape, patch: 2, excluding: excluded), RelevantWindow.Corner(row: 0, column: 0))
        // After removing the window at (0,0), every window touching its cells is out: (0,1), (1,0)
        // and (1,1) touch it, so (0,2) is the first window of sum 4.
        for cell in [0, 1, 4, 5] { excluded[cell] = true }
        XCTAssertEqual(RelevantWindow.best(map[...], shape: shape, patch: 2, excluding: excluded), RelevantWindow.Corner(row: 0, column: 2))
        // Least relevant first: the smallest sum among the free windows, (0,2) 4 and (1,2) 3.
        XCTAssertEqual(RelevantWindow.best(map[...], shape: shape, patch: 2, excluding: excluded, order: .leastRelevantFirst),
                       RelevantWindow.Corner(row: 1, column: 2))
        // No free window left.
        XCTAssertNil(RelevantWindow.best(map[...], shape: shape, patch: 2, excluding: [Bool](repeating: true, count: 12)))
        // Channels are summed: channel 1 makes the window at (1,1) the largest (3 + 6, against
        // 4 + 0 at (0,0), 2 + 3 at (1,0) and 3 + 3 at (1,2)).
        let twoChannels: [Float] = map + [0, 0, 0, 0,
                                          0, 0, 0, 0,
                                          0, 3, 3, 0]
        XCTAssertEqual(RelevantWindow.best(twoChannels[...], shape: [2, 3, 4], patch: 2, excluding: [Bool](repeating: false, count: 12)),
                       RelevantWindow.Corner(row: 1, column: 1))
    }

    func testWindowRuleTiesAmongEqualNegativeWindowsAndAPatchOfOne() {
        // Every 1×1 window of -0.1 ties: the first one wins, whatever the rounding of other sums.
        let map = [Float](repeating: -0.1, count: 9)
        XCTAssertEqual(RelevantWindow.best(map[...], shape: [1, 3, 3], patch: 1, excluding: [Bool](repeating: false, count: 9)),
                       RelevantWindow.Corner(row: 0, column: 0))
        var excluded = [Bool](repeating: false, count: 9)
        excluded[0] = true
        excluded[1] = true
        XCTAssertEqual(RelevantWindow.best(map[...], shape: [1, 3, 3], patch: 1, excluding: excluded), RelevantWindow.Corner(row: 0, column: 2))
    }

    func testPixelsOfALinearModelGoInTheOrderOfTheirContributions() throws {
        // S = Σ w x with x = 1: gradient × input is w itself, so single pixels go in decreasing w.
        let weights: [Float] = [3, -1, 5, 2, 0.5, 4, -2, 1, 6]
        let model = try MetricFixtures.linearModel(weights, height: 3, width: 3)
        let inputs = MetricFixtures.ones([1, 1, 3, 3])
        let subject = try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs)
        let run = try RegionPerturbation(steps: 5, patch: 1).evaluate(subject, monitor: .none)
        let record = try XCTUnwrap(run.detail as? RegionPerturbation.Record)
        XCTAssertEqual(record.windows[0].map { $0.row * 3 + $0.column }, [8, 2, 5, 0])
        let total: Float = 18.5
        let curve: [Float] = [total, total - 6, total - 11, total - 15, total - 18]
        XCTAssertEqual(run.curve?.values[0], curve)
        // AOPC = (0 + 6 + 11 + 15 + 18) / 5 = 10.
        XCTAssertEqual(run.scores[0], 10, accuracy: 1e-5)
        XCTAssertEqual(run.direction, .higherIsBetter)
        // Least relevant first removes -2, then -1: f rises.
        let least = try RegionPerturbation(steps: 3, patch: 1, order: .leastRelevantFirst)
            .evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs), monitor: .none)
        let leastRecord = try XCTUnwrap(least.detail as? RegionPerturbation.Record)
        XCTAssertEqual(leastRecord.windows[0].map { $0.row * 3 + $0.column }, [6, 1])
        XCTAssertEqual(least.curve?.values[0], [total, total + 2, total + 3])
        XCTAssertEqual(least.direction, .lowerIsBetter)
        // The replayed image after two removals has the fill value in both windows.
        let after = try record.image(inputs, index: 0, removed: 2)
        XCTAssertEqual(after.scalars, [1, 1, 0, 1, 1, 1, 1, 1, 0])
        XCTAssertThrowsError(try record.image(inputs, index: 0, removed: 5))
    }

    func testWindowsAreChosenOnTheRecomputedMap() throws {
        // S = ReLU(x₀ + x₁) + 3·ReLU(x₂ − x₀) at x = (1, 1, 1): S = 2 and gradient × input is
        // (1, 1, 0), so pixel 0 goes first (tie with pixel 1: the first wins). On (0, 1, 1) the
        // second unit wakes up: S = 4 and the map is (0, 1, 3). Recomputed, pixel 2 goes next
        // (S = 1); with the first map, pixel 1 goes (S = 3).
        var rng = SeededRandom(seed: 1)
        let hidden = Dense(name: "hidden", inputs: 3, outputs: 2, bias: false, rng: &rng)
        hidden.weight.value = Tensor(shape: [2, 3], scalars: [1, 1, 0, -1, 0, 1])
        let out = Dense(name: "logits", inputs: 2, outputs: 2, bias: false, rng: &rng)
        out.weight.value = Tensor(shape: [2, 2], scalars: [1, 3, 0, 0])
        let network = try Sequential(layers: [Flatten(name: "flatten"), hidden, ReLU(name: "relu"), out], inputShape: [1, 1, 3])
        let model = try ExplainedModel(network)
        let inputs = MetricFixtures.ones([1, 1, 1, 3])
        let expected: [Bool: ([Int], [Float])] = [true: ([0, 2], [2, 4, 1]), false: ([0, 1], [2, 4, 3])]
        for (recompute, (order, scores)) in expected {
            let subject = try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs)
            let run = try RegionPerturbation(steps: 3, patch: 1, recompute: recompute).evaluate(subject, monitor: .none)
            let record = try XCTUnwrap(run.detail as? RegionPerturbation.Record)
            XCTAssertEqual(record.windows[0].map(\.column), order, "recompute \(recompute)")
            XCTAssertEqual(run.curve?.values[0], scores, "recompute \(recompute)")
        }
    }

    func testAOPCAndAreaOfAKnownCurve() {
        // f = 4, 2, 1, 0: AOPC = (0 + 2 + 3 + 4) / 4 = 2.25; trapezoid = 3 + 1.5 + 0.5 = 5.
        XCTAssertEqual(RegionPerturbation.aopc([4, 2, 1, 0]), 2.25)
        XCTAssertEqual(CurveArea.trapezoid([4, 2, 1, 0]), 5)
        XCTAssertEqual(CurveArea.trapezoid([4, 2, 1, 0], x: [0, 0.5, 1, 2]), 1.5 + 0.75 + 0.5)
        XCTAssertEqual(CurveArea.trapezoid([1]), 0)
        XCTAssertEqual(RegionPerturbation.aopc([]), 0)
        let curve = MetricCurve(x: [0, 1, 2, 3], xLabel: "k", yLabel: "f", values: [[4, 2, 1, 0], [2, 2, 1, 0]])
        XCTAssertEqual(curve.average, [3, 2, 1, 0])
        XCTAssertEqual(curve.area, 2.5 + 1.5 + 0.5)
        // Two values 4 and 2: standard error √(2/2) = 1, so the band is 1.96.
        XCTAssertEqual(curve.band[0], 1.96, accuracy: 1e-6)
        XCTAssertEqual(curve.band[3], 0)
    }

    func testAGoodMapIsMoreSelectiveThanARandomOne() throws {
        var rng = SeededRandom(seed: 7)
        let weights = (0..<64).map { _ in rng.nextUniform(in: -1, 1) }
        let model = try MetricFixtures.linearModel(weights, height: 8, width: 8)
        let inputs = TestNetworks.randomInputs([6, 1, 8, 8], seed: 3, low: 0, high: 1)
        let procedure = try RegionPerturbation(steps: 8, patch: 2)
        let good = try procedure.evaluate(try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs), monitor: .none)
        let random = try procedure.evaluate(try MetricFixtures.subject(model, MetricFixtures.randomExplainer(), inputs), monitor: .none)
        XCTAssertGreaterThan(good.mean, random.mean)
        XCTAssertLessThan(try XCTUnwrap(good.curve).area, try XCTUnwrap(random.curve).area)
        for i in 0..<6 { XCTAssertGreaterThan(good.scores[i], random.scores[i], "image \(i)") }
    }

    func testAnImageScoresTheSameAloneAndInABatch() throws {
        let network = try TestNetworks.conv(pooling: "avg", bias: false)
        let model = try ExplainedModel(network, output: .reluLogit)
        let inputs = TestNetworks.randomInputs([4, 1, 6, 6], seed: 5, low: 0, high: 1)
        let procedure = try RegionPerturbation(steps: 4, patch: 2)
        let batch = try procedure.evaluate(try MetricSubject(model: model, explainer: .catalog(DeepTaylor.self), inputs: inputs,
                                                             targets: [0, 1, 2, 0]), monitor: .none)
        let alone = try procedure.evaluate(try MetricSubject(model: model, explainer: .catalog(DeepTaylor.self), inputs: inputs.rows(2..<3),
                                                             targets: [2]), monitor: .none)
        XCTAssertEqual(alone.curve?.values[0], batch.curve?.values[2])
        XCTAssertEqual(alone.scores[0], batch.scores[2])
    }

    func testImpossibleRunsAreClearErrors() throws {
        let model = try MetricFixtures.linearModel([1, 2, 3, 4], height: 2, width: 2)
        let inputs = MetricFixtures.ones([1, 1, 2, 2])
        func run(_ procedure: RegionPerturbation, _ explainer: Explainer) throws {
            _ = try procedure.evaluate(try MetricFixtures.subject(model, explainer, inputs), monitor: .none)
        }
        XCTAssertThrowsError(try run(try RegionPerturbation(steps: 3, patch: 2), .catalog(GradientTimesInput.self))) { error in
            XCTAssertTrue("\(error)".contains("no 2×2 window is left"), "\(error)")
        }
        XCTAssertThrowsError(try run(try RegionPerturbation(steps: 2, patch: 3), .catalog(GradientTimesInput.self)))
        XCTAssertThrowsError(try RegionPerturbation(steps: 0))
        XCTAssertThrowsError(try RegionPerturbation(fill: .nan))
        let wrongShape = Explainer(name: "wrong") { _, _, _, _ in Explainer.Output(maps: Tensor(shape: [1, 3], scalars: [0, 0, 0])) }
        XCTAssertThrowsError(try run(try RegionPerturbation(steps: 2, patch: 1), wrongShape)) { error in
            XCTAssertTrue("\(error)".contains("wrong returned maps of shape [1, 3]"), "\(error)")
        }
        let notFinite = Explainer(name: "nan") { _, x, _, _ in Explainer.Output(maps: Tensor(shape: x.shape, scalars: [0, .nan, 0, 0])) }
        XCTAssertThrowsError(try run(try RegionPerturbation(steps: 2, patch: 1), notFinite)) { error in
            XCTAssertTrue("\(error)".contains("at value 1 of image 0"), "\(error)")
        }
        XCTAssertThrowsError(try MetricSubject(model: model, explainer: MetricFixtures.inputExplainer, inputs: inputs, targets: [5]))
    }

    func testTheMetricStopsWhenCancelled() throws {
        let model = try MetricFixtures.linearModel([1, 2, 3, 4], height: 2, width: 2)
        let token = CancellationToken()
        let monitor = WorkMonitor(cancellation: token) { event in if event.completed == 1 { token.cancel() } }
        let subject = try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), MetricFixtures.ones([1, 1, 2, 2]))
        XCTAssertThrowsError(try RegionPerturbation(steps: 4, patch: 1).evaluate(subject, monitor: monitor))
    }
}
