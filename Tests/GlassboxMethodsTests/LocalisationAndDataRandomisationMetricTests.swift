import GlassboxData
import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// The localisation metrics against hand-worked maps and boxes, and the data-randomisation metric
/// with a random-label network supplied by the test.
final class LocalisationAndDataRandomisationMetricTests: XCTestCase {
    /// Two 4×4 images; image 0's map has its maximum (5) at (1, 1) inside the box rows 0–1 ×
    /// columns 0–1, and positive mass 5 + 1 inside, 4 outside; image 1's maximum (3) lies at (3, 3)
    /// outside its box.
    private func subject(boxes: [MetricSubject.DigitBoxes]?) throws -> MetricSubject {
        let maps: [Float] = [
            1, 0, 0, 0,
            0, 5, 0, 0,
            0, 0, -7, 0,
            0, 0, 0, 4,
            2, 0, 0, 0,
            0, 0, 0, 0,
            0, 0, 0, 0,
            0, 0, 0, 3,
        ]
        let explainer = Explainer(name: "fixed") { _, inputs, _, _ in
            Explainer.Output(maps: Tensor(shape: inputs.shape, scalars: maps))
        }
        let model = try MetricFixtures.linearModel([1], height: 4, width: 4)
        return try MetricSubject(model: model, explainer: explainer, inputs: MetricFixtures.ones([2, 1, 4, 4]), targets: [0, 0],
                                 boxes: boxes)
    }

    private let boxes = [
        MetricSubject.DigitBoxes(ink: PixelBox(top: 0, left: 0, height: 2, width: 2), frame: PixelBox(top: 0, left: 0, height: 4, width: 4)),
        MetricSubject.DigitBoxes(ink: PixelBox(top: 0, left: 0, height: 2, width: 2), frame: PixelBox(top: 2, left: 2, height: 2, width: 2)),
    ]

    func testPointingGameEnergyAndIoUByHand() throws {
        let s = try subject(boxes: boxes)
        XCTAssertEqual(try PointingGame().evaluate(s, monitor: .none).scores, [1, 0])
        XCTAssertEqual(try PointingGame(box: "frame").evaluate(s, monitor: .none).scores, [1, 1])
        // Energy: image 0 has 6 of 10 inside; image 1 has 2 of 5 inside.
        let energy = try EnergyInBox().evaluate(s, monitor: .none).scores
        XCTAssertEqual(energy[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(energy[1], 0.4, accuracy: 1e-6)
        // IoU with the top 25 % (4 pixels, positive only): image 0 keeps {5, 4, 1} → 2 inside the
        // 4-pixel box: 2 / (3 + 4 − 2); image 1 keeps {3, 2} → 1 inside: 1 / (2 + 4 − 1).
        let iou = try BoxIoU(top: 25).evaluate(s, monitor: .none).scores
        XCTAssertEqual(iou[0], 2.0 / 5.0, accuracy: 1e-6)
        XCTAssertEqual(iou[1], 1.0 / 5.0, accuracy: 1e-6)
        XCTAssertEqual(BoxIoU.declaration.direction, .higherIsBetter)
    }

    func testLocalisationWithoutBoxesIsAClearError() throws {
        let s = try subject(boxes: nil)
        XCTAssertThrowsError(try PointingGame().evaluate(s, monitor: .none)) { error in
            XCTAssertTrue("\(error)".contains("digit boxes"), "\(error)")
        }
        XCTAssertThrowsError(try subject(boxes: [boxes[0]]), "one box for two images")
    }

    func testPermutedLabelsKeepTheirCountsAndMove() {
        let labels = (0..<1000).map { $0 % 10 }
        let training = RandomLabelTraining(epochs: 1, images: 1000, seed: 3)
        let permuted = training.permuted(labels)
        XCTAssertEqual(permuted.sorted(), labels.sorted())
        XCTAssertEqual(permuted, training.permuted(labels), "seeded")
        XCTAssertNotEqual(permuted, RandomLabelTraining(epochs: 1, images: 1000, seed: 4).permuted(labels))
        let kept = zip(permuted, labels).filter { $0 == $1 }.count
        XCTAssertLessThan(kept, 200, "about a tenth keep their label by chance")
    }

    func testDataRandomisationSeparatesAModelExplanationFromTheInput() throws {
        // The trained model's weights are w; the "random-label" network has other weights v. The
        // gradient explains the model (w against v: low similarity); the input itself is the same
        // whatever the model (similarity 1).
        let w: [Float] = (0..<16).map { Float($0) - 7.5 }
        let model = try MetricFixtures.linearModel(w, height: 4, width: 4)
        let other = try MetricFixtures.linearModel((0..<16).map { Float(($0 * 7) % 16) - 7.5 }, height: 4, width: 4).network
        var trainings: [RandomLabelTraining] = []
        func make(_ explainer: Explainer) throws -> MetricSubject {
            try MetricSubject(model: model, explainer: explainer, inputs: TestNetworks.randomInputs([3, 1, 4, 4], seed: 5),
                              targets: [0, 0, 0],
                              randomLabelNetwork: { training, _ in trainings.append(training); return other })
        }
        let gradient = Explainer(name: "gradient") { m, inputs, targets, _ in
            Explainer.Output(maps: try Saliency(m).attribute(inputs, targets: .classes(targets)).attributions)
        }
        let metric = DataRandomisation(measure: .pearson, absolute: false, training: RandomLabelTraining(epochs: 2, images: 500, seed: 1))
        let modelScores = try metric.evaluate(try make(gradient), monitor: .none).scores
        let inputScores = try metric.evaluate(try make(MetricFixtures.inputExplainer), monitor: .none).scores
        for score in inputScores { XCTAssertEqual(score, 1, accuracy: 1e-5) }
        // Pearson of w with its permutation, worked out here: the same for every image.
        let v = (0..<16).map { Float(($0 * 7) % 16) - 7.5 }
        let expected = zip(w, v).map { Double($0 * $1) }.reduce(0, +) / (w.map { Double($0 * $0) }.reduce(0, +))
        for score in modelScores { XCTAssertEqual(Double(score), expected, accuracy: 1e-5) }
        XCTAssertLessThan(modelScores.max()!, inputScores.min()!)
        XCTAssertEqual(trainings.first, RandomLabelTraining(epochs: 2, images: 500, seed: 1))
        XCTAssertThrowsError(try metric.evaluate(try MetricFixtures.subject(model, gradient, MetricFixtures.ones([1, 1, 4, 4])), monitor: .none))
    }
}
