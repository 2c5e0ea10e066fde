import Foundation
import GlassboxEngine
import XCTest
@testable import GlassboxLanguage

/// fgsm and pgd through the language: image batches with the original labels, inside the ε-ball.
final class AttackBuiltinsTests: XCTestCase {
    func testFGSMAndPGDReturnLabelledBatchesInsideTheBall() throws {
        let h = BindingsHarness()
        XCTAssertNotNil(h.run("let net = model(\"mlp-a\", untrained: true, seed: 1)"))
        guard case .object(let original as ImageBatch) = try h.value("tiny.test[0..<4]") else { return XCTFail() }
        for call in ["fgsm(net, tiny.test[0..<4], epsilon: 0.1)", "pgd(net, tiny.test[0..<4], epsilon: 0.1, steps: 3, seed: 2)"] {
            guard case .object(let attacked as ImageBatch) = try h.value(call) else { return XCTFail(h.result(call)) }
            XCTAssertEqual(attacked.labels, original.labels, call)
            XCTAssertEqual(attacked.images.shape, original.images.shape, call)
            let gap = zip(attacked.images.scalars, original.images.scalars).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(gap, 0.1 + 1e-6, call)
            XCTAssertGreaterThan(gap, 0.05, call)
            XCTAssertTrue(attacked.images.scalars.allSatisfy { (0...1).contains($0) }, call)
        }
        let call = "explanationAttack(net, tiny.test[0..<3], method: \"saliency\", epsilon: 0.1, steps: 3, samples: 4)"
        guard case .object(let attacked as ImageBatch) = try h.value(call) else { return XCTFail(h.result(call)) }
        XCTAssertEqual(attacked.labels, Array(original.labels!.prefix(3)))
        XCTAssertLessThanOrEqual(zip(attacked.images.scalars, original.images.scalars).map { abs($0 - $1) }.max() ?? 0, 0.1 + 1e-6)
        XCTAssertNotNil(h.error("explanationAttack(net, tiny.test[0..<1], method: \"salency\")"))
        let error = try XCTUnwrap(h.error("pgd(net, tiny.test[0..<2], epsilon: -0.1)"))
        XCTAssertTrue(error.message.contains("epsilon"), error.message)
    }
}
