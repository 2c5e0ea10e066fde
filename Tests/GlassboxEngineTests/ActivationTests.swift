import Foundation
import XCTest
@testable import GlassboxEngine

final class ActivationTests: XCTestCase {
    func testSoftmaxByHandAndStable() throws {
        let s = try Activations.softmax(Tensor(shape: [2, 3], scalars: [0, 0, 0, 1, 2, 3]))
        assertClose(Array(s.scalars[0..<3]), [1.0 / 3, 1.0 / 3, 1.0 / 3])
        let e: [Float] = [1, 2.7182817, 7.389056].map { $0 / (1 + 2.7182817 + 7.389056) }
        assertClose(Array(s.scalars[3..<6]), e)
        let big = try Activations.softmax(Tensor(shape: [1, 2], scalars: [1000, 0]))
        XCTAssertEqual(big.scalars, [1, 0])
        let logBig = try Activations.logSoftmax(Tensor(shape: [1, 2], scalars: [1000, 0]))
        XCTAssertEqual(logBig.scalars[0], 0, accuracy: 1e-6)
        XCTAssertEqual(logBig.scalars[1], -1000, accuracy: 1e-3)
        let log = try Activations.logSoftmax(Tensor(shape: [2, 3], scalars: [0, 0, 0, 1, 2, 3]))
        assertClose(log.scalars, s.scalars.map { logf($0) })
    }

    func testPointwise() {
        let x = Tensor(shape: [4], scalars: [-2, 0, 0.5, 100])
        XCTAssertEqual(Activations.relu(x).scalars, [0, 0, 0.5, 100])
        let sig = Activations.sigmoid(Tensor(shape: [3], scalars: [0, -200, 200]))
        XCTAssertEqual(sig.scalars, [0.5, 0, 1])
        XCTAssertFalse(sig.scalars.contains { $0.isNaN })
        XCTAssertEqual(Activations.tanh(Tensor(shape: [1], scalars: [0.5])).scalars[0], tanhf(0.5))
    }

    func testBackwardFormulasByHand() throws {
        let y = Tensor(shape: [1, 2], scalars: [0.25, 0.75])
        let g = Tensor(shape: [1, 2], scalars: [1, 0])
        // softmax: y ⊙ (g − y·g) = [0.25·0.75, 0.75·(−0.25)]
        assertClose(try Activations.softmaxBackward(output: y, gradient: g).scalars, [0.1875, -0.1875])
        // log-softmax: g − softmax·Σg = [1 − 0.25, −0.75]
        let l = y.map { logf($0) }
        assertClose(try Activations.logSoftmaxBackward(output: l, gradient: g).scalars, [0.75, -0.75])
        assertClose(try Activations.sigmoidBackward(output: y, gradient: g).scalars, [0.1875, 0])
        assertClose(try Activations.tanhBackward(output: y, gradient: g).scalars, [0.9375, 0])
        XCTAssertEqual(try Activations.reluBackward(input: Tensor(shape: [1, 2], scalars: [-1, 2]),
                                                    gradient: Tensor(shape: [1, 2], scalars: [3, 4])).scalars, [0, 4])
    }

    func testDropoutMaskIsSeededInvertedAndAtRate() throws {
        var a = SeededRandom(seed: 7)
        var b = SeededRandom(seed: 7)
        let m1 = try DropoutMask.make(shape: [100, 100], rate: 0.7, rng: &a)
        let m2 = try DropoutMask.make(shape: [100, 100], rate: 0.7, rng: &b)
        XCTAssertEqual(m1, m2)
        let keep = Float(1 / (1 - 0.7))
        XCTAssertTrue(m1.scalars.allSatisfy { $0 == 0 || abs($0 - keep) < 1e-6 })
        let dropped = Float(m1.scalars.filter { $0 == 0 }.count) / 10_000
        XCTAssertEqual(dropped, 0.7, accuracy: 0.02)
        XCTAssertEqual(m1.mean(), 1, accuracy: 0.05)
        XCTAssertThrowsError(try DropoutMask.make(shape: [2], rate: 1, rng: &a))
        XCTAssertThrowsError(try DropoutMask.make(shape: [2], rate: -0.1, rng: &a))
    }
}
