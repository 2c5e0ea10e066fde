import Foundation
import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// Model-parameter randomisation, sparseness and entropy against hand-worked values, and the
/// ordering of a good and a bad explanation.
final class RandomisationAndComplexityMetricTests: XCTestCase {
    func testCascadeReplacesLayersFromTheTopAndKeepsTheRest() throws {
        let trained = try TestNetworks.dense(seed: 1)
        let fresh = try TestNetworks.dense(seed: 2)
        let freshValues = fresh.parameters.map(\.value)
        let mixed = try ModelRandomisation.cascade(trained, fresh: fresh, randomised: ["logits", "fc2"])
        for (index, parameter) in mixed.parameters.enumerated() {
            let layer = String(parameter.name.split(separator: ".")[0])
            let source = ["logits", "fc2"].contains(layer) ? freshValues[index] : trained.parameters[index].value
            XCTAssertEqual(parameter.value, source, parameter.name)
        }
        // The trained network itself is untouched.
        XCTAssertNotEqual(trained.parameters[4].value, mixed.parameters[4].value)
        XCTAssertThrowsError(try ModelRandomisation.cascade(trained, fresh: try TestNetworks.conv(pooling: "max"), randomised: []))
    }

    func testAnExplanationThatIgnoresTheModelFailsTheSanityCheck() throws {
        var rng = SeededRandom(seed: 4)
        let model = try MetricFixtures.linearModel((0..<16).map { _ in rng.nextUniform(in: -1, 1) }, height: 4, width: 4)
        let inputs = TestNetworks.randomInputs([3, 1, 4, 4], seed: 2, low: 0, high: 1)
        let fresh = MetricFixtures.freshLinear(height: 4, width: 4)
        let metric = ModelRandomisation()
        // The image as its own map: identical after randomisation, similarity exactly 1.
        let edge = try metric.evaluate(try MetricFixtures.subject(model, MetricFixtures.inputExplainer, inputs, fresh: fresh), monitor: .none)
        XCTAssertEqual(edge.scores, [1, 1, 1])
        XCTAssertEqual(edge.curve?.xNames, ["logits"])
        // The gradient becomes the fresh weights: its similarity is Spearman(|w|, |w′|), worked here
        // from the fresh network the metric draws (seed 0) with the rank correlation by hand.
        let gradient = try metric.evaluate(try MetricFixtures.subject(model, .catalog(Saliency.self), inputs, fresh: fresh), monitor: .none)
        let trained = model.network.parameters[0].value.scalars.prefix(16).map { abs($0) }
        let drawn = try fresh(0).parameters[0].value.scalars.prefix(16).map { abs($0) }
        let expected = spearman(Array(trained), Array(drawn))
        for score in gradient.scores { XCTAssertEqual(Double(score), expected, accuracy: 1e-5) }
        XCTAssertLessThan(gradient.mean, edge.mean)
        XCTAssertThrowsError(try metric.evaluate(try MetricFixtures.subject(model, .catalog(Saliency.self), inputs), monitor: .none)) { error in
            XCTAssertTrue("\(error)".contains("architecture is unknown"), "\(error)")
        }
    }

    /// Spearman's correlation of distinct values: 1 − 6 Σ d² / (n (n² − 1)).
    func spearman(_ a: [Float], _ b: [Float]) -> Double {
        func ranks(_ v: [Float]) -> [Double] {
            var r = [Double](repeating: 0, count: v.count)
            for (rank, index) in v.indices.sorted(by: { v[$0] < v[$1] }).enumerated() { r[index] = Double(rank + 1) }
            return r
        }
        let (ra, rb) = (ranks(a), ranks(b))
        let n = Double(a.count)
        let d2 = zip(ra, rb).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return 1 - 6 * d2 / (n * (n * n - 1))
    }

    func testGradientLosesItsResemblanceLayerByLayerOnADeeperNetwork() throws {
        let model = try ExplainedModel(try TestNetworks.dense(seed: 1, bias: false))
        let inputs = TestNetworks.randomInputs([4, 6], seed: 3)
        let fresh: (UInt64) throws -> Sequential = { seed in try TestNetworks.dense(seed: 100 + seed, bias: false) }
        let run = try ModelRandomisation().evaluate(try MetricSubject(model: model, explainer: .catalog(Saliency.self), inputs: inputs,
                                                                      targets: [0, 1, 2, 3], freshNetwork: fresh), monitor: .none)
        XCTAssertEqual(run.curve?.xNames, ["logits", "fc2", "fc1"])
        XCTAssertEqual(run.curve?.values[0].count, 3)
        let edge = try ModelRandomisation().evaluate(try MetricSubject(model: model, explainer: MetricFixtures.inputExplainer, inputs: inputs,
                                                                       targets: [0, 1, 2, 3], freshNetwork: fresh), monitor: .none)
        XCTAssertLessThan(run.mean, edge.mean)
    }

    func testGiniAndEntropyOfHandWorkedMaps() {
        XCTAssertEqual(Sparseness.gini([0, 0, 0, 1][...]), 0.75, accuracy: 1e-7)
        XCTAssertEqual(Sparseness.gini([2, 2, 2, 2][...]), 0, accuracy: 1e-7)
        XCTAssertEqual(Sparseness.gini([0, 0, 0, 0][...]), 0)
        // Sorted |R| = 1, 1, 2: (−2·1 + 0·1 + 2·2) / (3·4) = 1/6; signs do not matter.
        XCTAssertEqual(Sparseness.gini([-1, 2, 1][...]), 1.0 / 6, accuracy: 1e-7)
        XCTAssertEqual(Entropy.entropy([1, -1, 1, 1][...]), Float(log(4.0)), accuracy: 1e-6)
        XCTAssertEqual(Entropy.entropy([0, 5, 0, 0][...]), 0)
        XCTAssertEqual(Entropy.entropy([1, 3][...]), Float(-(0.25 * log(0.25) + 0.75 * log(0.75))), accuracy: 1e-6)
    }

    func testAConcentratedMapIsSparserAndSimplerThanARandomOne() throws {
        let model = try MetricFixtures.linearModel([Float](repeating: 0, count: 15) + [1], height: 4, width: 4)
        let inputs = TestNetworks.randomInputs([3, 1, 4, 4], seed: 1, low: 0.5, high: 1)
        // Gradient × input puts everything on the one pixel the model reads.
        let good = try MetricFixtures.subject(model, .catalog(GradientTimesInput.self), inputs)
        let random = try MetricFixtures.subject(model, MetricFixtures.randomExplainer(), inputs)
        let sparseGood = try Sparseness().evaluate(good, monitor: .none), sparseRandom = try Sparseness().evaluate(random, monitor: .none)
        for score in sparseGood.scores { XCTAssertEqual(score, 15.0 / 16, accuracy: 1e-6) }
        XCTAssertGreaterThan(sparseGood.mean, sparseRandom.mean)
        let simpleGood = try Entropy().evaluate(good, monitor: .none), simpleRandom = try Entropy().evaluate(random, monitor: .none)
        XCTAssertEqual(simpleGood.scores, [0, 0, 0])
        XCTAssertLessThan(simpleGood.mean, simpleRandom.mean)
        XCTAssertEqual(simpleGood.direction, .lowerIsBetter)
    }

    func testEveryMetricIsDeclaredOnceWithOptionsThatValidate() throws {
        var ids = Set<String>()
        for metric in MetricCatalog.all {
            let declaration = metric.declaration
            XCTAssertTrue(ids.insert(declaration.id).inserted, declaration.id)
            XCTAssertFalse(declaration.citation.isEmpty || declaration.formula.isEmpty || declaration.summary.isEmpty, declaration.id)
            for option in declaration.options { XCTAssertFalse(option.doc.isEmpty, "\(declaration.id).\(option.name)") }
            // The defaults build the metric, and an unknown option is refused by name.
            XCTAssertNoThrow(try metric.make())
            XCTAssertThrowsError(try metric.make(["bogus": .int(1)])) { error in
                XCTAssertTrue("\(error)".contains("bogus"), "\(error)")
            }
        }
        XCTAssertNotNil(MetricCatalog.metric("regionPerturbation"))
        XCTAssertNil(MetricCatalog.metric("nope"))
    }
}
