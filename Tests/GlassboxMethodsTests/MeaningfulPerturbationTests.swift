import Foundation
import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// Meaningful perturbation: the cost's gradient against finite differences, the mask a linear
/// model must learn (delete exactly the pixels whose contribution is worth more than their area),
/// the same masks in any batch, and the blur it fills with.
final class MeaningfulPerturbationTests: XCTestCase {
    /// x [1, 6, 6] → flatten → dense 36 → 3: S_c = w_c·x + b_c.
    private func linearNet(seed: UInt64 = 7) throws -> (Sequential, weights: [Float], bias: [Float]) {
        try TestNetworks.linearImageNet(seed: seed, bias: [2.5, 3, 2])
    }

    private func images(_ count: Int, seed: UInt64) -> Tensor { TestNetworks.randomInputs([count, 1, 6, 6], seed: seed, low: 0, high: 1) }

    func testTheCostGradientMatchesFiniteDifferences() throws {
        let (net, _, _) = try linearNet()
        let x = images(2, seed: 4)
        for fill in [MeaningfulPerturbation.Fill.blur(sigma: 1.2), .constant(0.3)] {
            let method = try MeaningfulPerturbation(try ExplainedModel(net), maskSize: 4, fill: fill, area: 0.7, smoothness: 0.9, tvPower: 3)
            let targets = ResolvedTargets(indices: [2, 0], layer: nil)
            let deleted = try method.deletedImages(x)
            let scales: [Float] = [1.5, 0.8]
            var rng = SeededRandom(seed: 11)
            let masks = Tensor(shape: [2, 1, 4, 4], scalars: (0..<32).map { _ in rng.nextUniform(in: 0.1, 0.9) })
            let analytic = try method.costAndGradient(masks, inputs: x, deleted: deleted, targets: targets, scales: scales)
            let h: Float = 1e-2
            for j in 0..<32 {
                var plus = masks.scalars, minus = masks.scalars
                plus[j] += h
                minus[j] -= h
                let up = try method.costAndGradient(Tensor(shape: masks.shape, scalars: plus), inputs: x, deleted: deleted, targets: targets, scales: scales).cost
                let down = try method.costAndGradient(Tensor(shape: masks.shape, scalars: minus), inputs: x, deleted: deleted, targets: targets, scales: scales).cost
                // The reported cost is the mean over the 2 images; the gradient is each image's own.
                let numeric = (up - down) / (2 * h) * 2
                XCTAssertEqual(analytic.gradient.scalars[j], numeric, accuracy: 2e-3 + 2e-2 * Swift.abs(numeric), "\(fill) cell \(j)")
            }
        }
    }

    func testOnALinearModelTheMaskDeletesThePixelsWorthMoreThanTheirArea() throws {
        let (net, w, b) = try linearNet()
        let x = images(2, seed: 9)
        let classes = [1, 2]
        let area: Float = 3
        // Constant fill 0, a full-resolution mask, no smoothness: the cost is linear in each mask
        // value, (w_j x_j / |f(x)|) M_j − (area / 36) M_j + const, so its minimum over [0, 1] deletes
        // pixel j exactly when w_j x_j / |f(x)| > area / 36.
        let method = try MeaningfulPerturbation(try ExplainedModel(net, output: .logit), steps: 200, learningRate: 0.1, maskSize: 6,
                                                fill: .constant(0), area: area, smoothness: 0)
        let e = try method.attribute(x, targets: .classes(classes))
        var deletedSomething = false, keptSomething = false
        for (i, c) in classes.enumerated() {
            var f = b[c]
            for j in 0..<36 { f += w[c * 36 + j] * x.scalars[i * 36 + j] }
            XCTAssertEqual(e.outputs[i], f, accuracy: 1e-4)
            var remaining = b[c]
            for j in 0..<36 {
                let contribution = w[c * 36 + j] * x.scalars[i * 36 + j] / Swift.abs(f)
                XCTAssertGreaterThan(Swift.abs(contribution - area / 36), 1e-3, "a pixel too close to the threshold for the test")
                let expected: Float = contribution > area / 36 ? 1 : 0
                XCTAssertEqual(e.attributions.scalars[i * 36 + j], expected, "image \(i) pixel \(j)")
                if expected == 1 { deletedSomething = true } else { keptSomething = true; remaining += w[c * 36 + j] * x.scalars[i * 36 + j] }
            }
            // f once the learned region is deleted.
            XCTAssertEqual(try XCTUnwrap(e.baselineOutputs)[i], remaining, accuracy: 1e-4)
        }
        XCTAssertTrue(deletedSomething && keptSomething)
    }

    func testTheMasksAreTheSameInAnyBatchOrOrder() throws {
        let net = try TestNetworks.conv(pooling: "max")
        let x = images(4, seed: 2)
        let method = try MeaningfulPerturbation(try ExplainedModel(net), steps: 15, maskSize: 3)
        let together = try method.attribute(x, targets: .classes([0, 1, 2, 1]))
        let order = [2, 0, 3, 1]
        let permuted = try MeaningfulPerturbation(try ExplainedModel(net, batchSize: 3), steps: 15, maskSize: 3)
            .attribute(try Tensor(concatenating: order.map { x.rows($0..<($0 + 1)) }), targets: .classes(order.map { [0, 1, 2, 1][$0] }))
        for (k, i) in order.enumerated() {
            XCTAssertTrue(permuted.attributions.rows(k..<(k + 1)).scalars.elementsEqual(together.attributions.rows(i..<(i + 1)).scalars) {
                $0.bitPattern == $1.bitPattern }, "image \(i) at position \(k)")
        }
        XCTAssertTrue(together.attributions.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testTheBlurKeepsConstantsAndSpreadsAPointOverOne() throws {
        let flat = MeaningfulPerturbation.gaussianBlur(Tensor(repeating: 0.4, shape: [1, 1, 9, 9]), sigma: 1.5, height: 9, width: 9)
        XCTAssertTrue(flat.scalars.allSatisfy { Swift.abs($0 - 0.4) < 1e-6 })
        var point = [Float](repeating: 0, count: 81)
        point[40] = 1
        let spread = MeaningfulPerturbation.gaussianBlur(Tensor(shape: [1, 1, 9, 9], scalars: point), sigma: 1, height: 9, width: 9)
        XCTAssertEqual(spread.scalars.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertEqual(spread.scalars[40], spread.scalars.max())
        XCTAssertEqual(spread.scalars[39], spread.scalars[41], accuracy: 1e-7)
        XCTAssertEqual(spread.scalars[31], spread.scalars[39], accuracy: 1e-7)
    }

    func testBadOptionsNameTheOption() throws {
        let net = try TestNetworks.conv(pooling: "max")
        XCTAssertThrowsError(try MeaningfulPerturbation(try ExplainedModel(net), maskSize: 7)) { error in
            XCTAssertTrue("\(error)".contains("maskSize"), "\(error)")
        }
        XCTAssertThrowsError(try MeaningfulPerturbation(try ExplainedModel(net), maskSize: 3, fill: .blur(sigma: 0))) { error in
            XCTAssertTrue("\(error)".contains("sigma"), "\(error)")
        }
        XCTAssertThrowsError(try MeaningfulPerturbation(try ExplainedModel(net, output: .allLogits)).attribute(images(1, seed: 1)))
    }
}
