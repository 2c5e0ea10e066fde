import XCTest
@testable import GlassboxLanguage

/// Comparing explanations in the language: `similarity` and `==`.
final class BindingsComparisonTests: XCTestCase {
    func testSimilarityOfAnExplanationWithItselfAScaledCopyAndAnotherModel() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 1)\nlet other = model(\"mlp-a\", untrained: true, seed: 2)\nlet xs = tiny.test[0..<4]")
        h.run("let e = saliency(net, xs, absolute: false)\nlet f = saliency(other, xs, absolute: false)")
        for measure in ["spearman", "pearson", "cosine"] {
            guard case .list(let same) = try h.value("similarity(e, e * 3, measure: \"\(measure)\")") else { return XCTFail(measure) }
            XCTAssertEqual(same.count, 4)
            for v in same { XCTAssertEqual(v.numberValue!, 1, accuracy: 1e-5, measure) }
        }
        guard case .list(let flipped) = try h.value("similarity(e, e * -1)"),
              case .list(let flippedAbsolute) = try h.value("similarity(e, e * -1, absolute: true)") else { return XCTFail() }
        for (v, w) in zip(flipped, flippedAbsolute) {
            XCTAssertEqual(v.numberValue!, -1, accuracy: 1e-5)
            XCTAssertEqual(w.numberValue!, 1, accuracy: 1e-5)
        }
        // Two differently initialised networks explain differently.
        guard case .list(let across) = try h.value("similarity(e, f)") else { return XCTFail() }
        for v in across { XCTAssertLessThan(abs(v.numberValue!), 0.9) }
        // One image against a batch; image batches and tensors work too.
        XCTAssertEqual(h.result("similarity(e, e[2]).count"), "4")
        XCTAssertEqual(h.result("similarity(xs, xs.values, measure: \"pearson\")"), "[1.0, 1.0, 1.0, 1.0]")
    }

    func testSimilarityErrorsNameTheProblem() {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 1)\nlet xs = tiny.test[0..<4]\nlet e = saliency(net, xs)")
        XCTAssertEqual(h.error("similarity(e, e, measure: \"pearsonn\")")?.suggestions.first, "pearson")
        XCTAssertEqual(h.error("similarity(e, 3)")?.kind, .type)
        XCTAssertTrue(h.error("similarity(e, e[0..<2])")?.message.contains("4 images against 2") ?? false,
                      h.result("similarity(e, e[0..<2])"))
    }

    func testEqualityComparesValues() {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 1)\nlet xs = tiny.test[0..<4]\nlet e = saliency(net, xs)")
        XCTAssertEqual(h.result("e == saliency(net, xs)"), "true")
        XCTAssertEqual(h.result("e == e * 2"), "false")
        XCTAssertEqual(h.result("e != e * 2"), "true")
        XCTAssertEqual(h.result("xs == tiny.test[0..<4]"), "true")
        XCTAssertEqual(h.result("xs == tiny.test[1..<5]"), "false")
        XCTAssertEqual(h.result("e == nil"), "false")
    }
}
