import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// FGSM and PGD: exact steps on a linear model, the ε-ball, the loss going up, per-image seeding.
final class AdversarialAttackTests: XCTestCase {
    /// A linear 2-class model on 20 inputs.
    private func linear() throws -> Sequential {
        var rng = SeededRandom(seed: 7)
        return try Sequential(layers: [Dense(name: "logits", inputs: 20, outputs: 2, bias: true, rng: &rng)], inputShape: [20])
    }

    private func probabilities(_ network: Sequential, _ x: Tensor, _ labels: [Int]) throws -> [Float] {
        let s = try network.forward(x)
        let k = s.shape[1]
        return labels.enumerated().map { i, y in
            let row = Array(s.scalars[(i * k)..<((i + 1) * k)])
            let m = row.max()!
            let e = row.map { exp($0 - m) }
            return e[y] / e.reduce(0, +)
        }
    }

    func testFGSMOnALinearModelMovesEveryInputByEpsilonAlongTheSignOfTheWeightDifference() throws {
        // Cross-entropy of label y on two classes: ∇ₓ L = (1 − p_y)(w_other − w_y), so the step is
        // ε · sign(w_other − w_y), whatever x.
        let network = try linear()
        let w = network.parameters[0].value.scalars
        let inputs = TestNetworks.randomInputs([4, 20], seed: 3, low: -1, high: 1)
        let labels = [0, 1, 1, 0]
        let attacked = try AdversarialAttack.fgsm(network, inputs, labels: labels, epsilon: 0.25, clip: nil)
        for (i, y) in labels.enumerated() {
            for j in 0..<20 {
                let difference = w[(1 - y) * 20 + j] - w[y * 20 + j]
                let expected = inputs.scalars[i * 20 + j] + 0.25 * (difference > 0 ? 1 : -1)
                XCTAssertEqual(attacked.scalars[i * 20 + j], expected, accuracy: 1e-6, "image \(i), input \(j)")
            }
        }
        // The label's probability drops.
        let before = try probabilities(network, inputs, labels), after = try probabilities(network, attacked, labels)
        for i in 0..<4 { XCTAssertLessThan(after[i], before[i]) }
        // With clipping, pixels stay in [0, 1].
        let clipped = try AdversarialAttack.fgsm(network, inputs.map { ($0 + 1) / 2 }, labels: labels, epsilon: 0.3)
        XCTAssertTrue(clipped.scalars.allSatisfy { (0...1).contains($0) })
        // ε = 0, the first point of an accuracy-against-ε curve: nothing moves.
        XCTAssertEqual(try AdversarialAttack.fgsm(network, inputs, labels: labels, epsilon: 0, clip: nil).scalars, inputs.scalars)
        XCTAssertEqual(try AdversarialAttack.pgd(network, inputs, labels: labels, epsilon: 0, steps: 5, stepSize: 0, randomStart: true,
                                                 seed: 1, clip: nil).scalars, inputs.scalars)
    }

    func testPGDStaysInsideItsBallLowersTheLabelsProbabilityAndIsSeededPerImage() throws {
        let network = try TestNetworks.conv(pooling: "max")
        let inputs = TestNetworks.randomInputs([6, 1, 6, 6], seed: 5, low: 0, high: 1)
        let labels = try (0..<6).map { i -> Int in
            let s = try network.forward(Tensor(shape: [1, 1, 6, 6], scalars: Array(inputs.scalars[(i * 36)..<((i + 1) * 36)])))
            return s.scalars.firstIndex(of: s.scalars.max()!)!
        }
        let epsilon: Float = 0.05
        let attacked = try AdversarialAttack.pgd(network, inputs, labels: labels, epsilon: epsilon, steps: 10, stepSize: 0.02,
                                                 randomStart: true, seed: 4)
        for (a, x) in zip(attacked.scalars, inputs.scalars) {
            XCTAssertLessThanOrEqual(abs(a - x), epsilon * (1 + 1e-6))
            XCTAssertTrue((0...1).contains(a))
        }
        XCTAssertGreaterThan(zip(attacked.scalars, inputs.scalars).map { abs($0 - $1) }.max()!, epsilon * 0.99, "PGD uses its budget")
        let before = try probabilities(network, inputs, labels), after = try probabilities(network, attacked, labels)
        for i in 0..<6 { XCTAssertLessThan(after[i], before[i], "image \(i)") }
        // The same image alone gets the same attack, to the bit; another seed another start.
        let alone = try AdversarialAttack.pgd(network, Tensor(shape: [1, 1, 6, 6], scalars: Array(inputs.scalars[(3 * 36)..<(4 * 36)])),
                                              labels: [labels[3]], epsilon: epsilon, steps: 10, stepSize: 0.02, randomStart: true, seed: 4)
        XCTAssertEqual(alone.scalars.map(\.bitPattern), attacked.scalars[(3 * 36)..<(4 * 36)].map(\.bitPattern))
        let other = try AdversarialAttack.pgd(network, inputs, labels: labels, epsilon: epsilon, steps: 1, stepSize: 1e-6,
                                              randomStart: true, seed: 5)
        let first = try AdversarialAttack.pgd(network, inputs, labels: labels, epsilon: epsilon, steps: 1, stepSize: 1e-6,
                                              randomStart: true, seed: 4)
        XCTAssertNotEqual(other.scalars, first.scalars)
        // Refusals.
        XCTAssertThrowsError(try AdversarialAttack.pgd(network, inputs, labels: [0], epsilon: 0.1, steps: 1, stepSize: 0.1,
                                                       randomStart: false, seed: 0))
        XCTAssertThrowsError(try AdversarialAttack.fgsm(network, inputs, labels: labels, epsilon: -1))
    }
}
