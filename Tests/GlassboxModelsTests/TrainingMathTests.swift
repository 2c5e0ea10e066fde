import Foundation
import GlassboxEngine
import XCTest
import GlassboxModels

final class TrainingMathTests: XCTestCase {
    func testCrossEntropyHandComputed() throws {
        // Row 0: logits [0, ln 3] → p = [1/4, 3/4]; label 1 → −ln(3/4). Row 1: [0, 0], label 0 → ln 2.
        let logits = Tensor(shape: [2, 2], scalars: [0, Float(log(3.0)), 0, 0])
        let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [1, 0])
        XCTAssertEqual(result.loss, Float((-log(0.75) + log(2.0)) / 2), accuracy: 1e-6)
        let expected: [Float] = [0.25 / 2, (0.75 - 1) / 2, (0.5 - 1) / 2, 0.5 / 2]
        for (a, b) in zip(result.gradient.scalars, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(result.correct, 2)  // row 1 ties: the first largest (class 0) counts
    }

    func testCrossEntropyIsStableForHugeLogits() throws {
        let result = try SoftmaxCrossEntropy.evaluate(logits: Tensor(shape: [1, 3], scalars: [1000, -1000, 0]), labels: [2])
        XCTAssertEqual(result.loss, 1000, accuracy: 1e-3)
        XCTAssertTrue(result.gradient.scalars.allSatisfy(\.isFinite))
    }

    func testCrossEntropyGradientMatchesFiniteDifferences() throws {
        var rng = SeededRandom(seed: 11)
        let (rows, classes) = (4, 5)
        let logits = Tensor(shape: [rows, classes], scalars: (0..<rows * classes).map { _ in rng.nextGaussian() * 2 })
        let labels = [3, 0, 4, 1]
        let analytic = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels).gradient
        // Central differences of the same loss computed in double precision.
        func loss(_ values: [Double]) -> Double {
            var total = 0.0
            for r in 0..<rows {
                let row = Array(values[r * classes ..< (r + 1) * classes])
                let m = row.max()!
                let lse = log(row.map { exp($0 - m) }.reduce(0, +)) + m
                total += lse - row[labels[r]]
            }
            return total / Double(rows)
        }
        let base = logits.scalars.map(Double.init)
        let h = 1e-5
        for i in 0..<base.count {
            var plus = base, minus = base
            plus[i] += h
            minus[i] -= h
            let numeric = (loss(plus) - loss(minus)) / (2 * h)
            XCTAssertEqual(Double(analytic.scalars[i]), numeric, accuracy: 1e-5, "index \(i)")
        }
        XCTAssertEqual(Double(try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels).loss), loss(base), accuracy: 1e-5)
    }

    func testCrossEntropyRejectsBadInput() {
        let logits = Tensor(shape: [2, 3], scalars: [Float](repeating: 0, count: 6))
        XCTAssertThrowsError(try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0]))
        XCTAssertThrowsError(try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0, 3])) { error in
            XCTAssertTrue("\(error)".contains("label 3"), "\(error)")
        }
        XCTAssertThrowsError(try SoftmaxCrossEntropy.evaluate(logits: Tensor(shape: [6], scalars: logits.scalars), labels: [0]))
    }

    func testAdamStepsMatchHandComputedValues() {
        let p = Parameter(name: "p", value: Tensor(shape: [2], scalars: [1, -1]))
        var adam = Adam()
        // Step 1, g = [0.5, -2]: m = 0.1 g, v = 0.001 g², lr_t = 1e-3 · √0.001 / 0.1,
        // update = lr_t · m / (√v + ε) ≈ 1e-3 · sign(g).
        p.gradient = Tensor(shape: [2], scalars: [0.5, -2])
        adam.step([p])
        let lr1 = 1e-3 * (1 - 0.999).squareRoot() / (1 - 0.9)
        func update(_ m: Double, _ v: Double, _ lr: Double) -> Double { lr * m / (v.squareRoot() + 1e-8) }
        var m = [0.05, -0.2], v = [0.00025, 0.004]
        var expected = [1 - update(m[0], v[0], lr1), -1 - update(m[1], v[1], lr1)]
        XCTAssertEqual(Double(p.value.scalars[0]), expected[0], accuracy: 1e-7)
        XCTAssertEqual(Double(p.value.scalars[1]), expected[1], accuracy: 1e-7)
        XCTAssertEqual(Double(p.value.scalars[0]), 0.999, accuracy: 1e-6)
        XCTAssertEqual(Double(p.value.scalars[1]), -0.999, accuracy: 1e-6)
        // Step 2, g = [1, 1].
        p.gradient = Tensor(shape: [2], scalars: [1, 1])
        adam.step([p])
        m = [0.9 * m[0] + 0.1, 0.9 * m[1] + 0.1]
        v = [0.999 * v[0] + 0.001, 0.999 * v[1] + 0.001]
        let lr2 = 1e-3 * (1 - 0.999 * 0.999).squareRoot() / (1 - 0.81)
        expected = [expected[0] - update(m[0], v[0], lr2), expected[1] - update(m[1], v[1], lr2)]
        XCTAssertEqual(Double(p.value.scalars[0]), expected[0], accuracy: 1e-6)
        XCTAssertEqual(Double(p.value.scalars[1]), expected[1], accuracy: 1e-6)
        XCTAssertEqual(adam.stepCount, 2)
    }

    func testSGDWithMomentum() {
        let p = Parameter(name: "p", value: Tensor(shape: [1], scalars: [1]))
        var sgd = SGD(learningRate: 0.1, momentum: 0.9)
        p.gradient = Tensor(shape: [1], scalars: [1])
        sgd.step([p])  // u = 1 → 0.9
        sgd.step([p])  // u = 1.9 → 0.71
        XCTAssertEqual(p.value.scalars[0], 0.71, accuracy: 1e-6)
        var plain = SGD(learningRate: 0.5)
        plain.step([p])
        XCTAssertEqual(p.value.scalars[0], 0.21, accuracy: 1e-6)
    }
}
