import Foundation
import GlassboxEngine
import GlassboxMethods
import XCTest
@testable import GlassboxLanguage

/// learnPatterns, patternQuality, patternNet / patternAttribution and the patterns side file, through
/// the language.
final class PatternBuiltinsTests: XCTestCase {
    func testLearnExplainSaveAndLoadPatterns() throws {
        let h = BindingsHarness()
        XCTAssertNotNil(h.run("let net = model(\"mlp-a\", untrained: true, seed: 3)"))
        // Without patterns the methods say how to get them.
        let missing = try XCTUnwrap(h.error("patternNet(net, tiny.test[0..<2])"))
        XCTAssertTrue(missing.message.contains("learnPatterns(net, mnist.train)"), missing.message)

        let table = h.result("learnPatterns(net, tiny, images: 120, batchSize: 50)")
        XCTAssertTrue(table.contains("learned on 120 images"), table)
        XCTAssertTrue(table.contains("fc1"), table)
        guard case .object(let e as ExplanationValue) = try h.value("patternAttribution(net, tiny.test[0..<3], target: \"label\")") else {
            return XCTFail("not an explanation")
        }
        XCTAssertEqual(e.explanation.attributions.shape, [3, 1, 28, 28])
        XCTAssertGreaterThan(e.explanation.attributions.scalars.map(abs).max() ?? 0, 0)
        let quality = h.result("patternQuality(net, tiny.test, images: 40, units: 2)")
        XCTAssertTrue(quality.contains("ρ pattern"), quality)

        // save writes the side file; load reads it and the maps are the same bits.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("patterns-lang-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("net.safetensors").path
        guard case .success = h.run("save(net, to: \"\(path)\")") else { return XCTFail(h.result("save(net, to: \"\(path)\")")) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("net.patterns.safetensors").path))
        guard case .object(let again as ExplanationValue) = try h.value("patternAttribution(load(\"\(path)\"), tiny.test[0..<3], target: \"label\")") else {
            return XCTFail("not an explanation")
        }
        XCTAssertEqual(again.explanation.attributions.scalars.map(\.bitPattern), e.explanation.attributions.scalars.map(\.bitPattern))

        // Patterns beside a model file with other weights: load refuses them and says why.
        XCTAssertNotNil(h.run("let other = model(\"mlp-a\", untrained: true, seed: 4)"))
        let otherPath = directory.appendingPathComponent("other.safetensors").path
        h.run("save(other, to: \"\(otherPath)\")")
        try FileManager.default.copyItem(at: directory.appendingPathComponent("net.patterns.safetensors"),
                                         to: directory.appendingPathComponent("other.patterns.safetensors"))
        let stale = try XCTUnwrap(h.error("load(\"\(otherPath)\")"))
        XCTAssertTrue(stale.message.contains("do not fit") && stale.message.contains("other weights"), stale.message)

        // Training again makes the patterns stale.
        h.run("train(net, on: tiny, epochs: 1, batchSize: 100)")
        let trained = try XCTUnwrap(h.error("patternNet(net, tiny.test[0..<2])"))
        XCTAssertTrue(trained.message.contains("other weights"), trained.message)
    }
}
