import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// The derivative-free explanation attack: the prediction stays, the ε-ball holds, the map's
/// correlation with the original only goes down, and the reported correlation is the real one.
final class ExplanationAttackTests: XCTestCase {
    func testTheMapChangesWhileThePredictionStaysInsideTheBall() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let inputs = TestNetworks.randomInputs([4, 1, 6, 6], seed: 8, low: 0, high: 1)
        let saliency = Saliency(try ExplainedModel(network), absolute: false)
        let epsilon: Float = 0.1
        let result = try ExplanationAttack.attack(saliency, inputs, epsilon: epsilon, steps: 8, samples: 6, stepSize: 0.05, seed: 1)
        // Inside the ball and [0, 1].
        for (a, x) in zip(result.images.scalars, inputs.scalars) {
            XCTAssertLessThanOrEqual(abs(a - x), epsilon * (1 + 1e-6))
            XCTAssertTrue((0...1).contains(a))
        }
        // The prediction stays.
        let logits = try network.forward(result.images)
        for i in 0..<4 {
            let row = Array(logits.scalars[(i * 3)..<(i * 3 + 3)])
            XCTAssertEqual(row.firstIndex(of: row.max()!), result.classes[i])
        }
        // The correlation never goes up, ends below 1, and is the correlation of the maps.
        let before = try saliency.attribute(inputs, targets: .classes(result.classes)).attributions.scalars
        let after = try saliency.attribute(result.images, targets: .classes(result.classes)).attributions.scalars
        for i in 0..<4 {
            XCTAssertEqual(result.history[i].count, 8)
            for (a, b) in zip(result.history[i], result.history[i].dropFirst()) { XCTAssertLessThanOrEqual(b, a) }
            let measured = ExplanationAttack.correlation(Array(before[(i * 36)..<((i + 1) * 36)]), Array(after[(i * 36)..<((i + 1) * 36)]))
            XCTAssertEqual(measured, result.correlations[i], accuracy: 1e-5)
        }
        XCTAssertLessThan(result.correlations.min()!, 0.99, "the search finds a different map for some image")
        // An image alone gets the same attack.
        let alone = try ExplanationAttack.attack(saliency, Tensor(shape: [1, 1, 6, 6], scalars: Array(inputs.scalars[36..<72])),
                                                 epsilon: epsilon, steps: 8, samples: 6, stepSize: 0.05, seed: 1)
        XCTAssertEqual(alone.images.scalars.map(\.bitPattern), result.images.scalars[36..<72].map(\.bitPattern))
        XCTAssertEqual(ExplanationAttack.correlation([1, 2, 3], [2, 4, 6]), 1, accuracy: 1e-6)
        XCTAssertEqual(ExplanationAttack.correlation([1, 2, 3], [3, 2, 1]), -1, accuracy: 1e-6)
    }
}
