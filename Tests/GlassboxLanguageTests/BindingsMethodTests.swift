import Foundation
import GlassboxEngine
import GlassboxFigures
import XCTest
@testable import GlassboxLanguage

/// Explanation methods through the language.
final class BindingsMethodTests: XCTestCase {
    func testGradientTimesInputIsCompleteForABiasFreeNetAndShowsBwrOverTheDigit() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-nb\", untrained: true, seed: 3)\nlet xs = tiny.test[0..<4]")
        guard case .success = h.run("let e = gradientTimesInput(net, xs)") else { return XCTFail(h.result("e")) }
        // Targets default to each image's predicted class, as in Captum's usual call.
        XCTAssertEqual(try h.value("e.targets"), try h.value("predict(net, xs).classes"))
        XCTAssertEqual(try h.value("e.targets"), try h.value("e.predictions"))
        // The reference chapters explain the true digit: target: "label".
        guard case .success = h.run("let e = gradientTimesInput(net, xs, target: \"label\")") else { return XCTFail(h.result("e")) }
        XCTAssertEqual(try h.value("e.targets"), try h.value("xs.labels"))
        XCTAssertNotEqual(try h.value("e.targets"), try h.value("e.predictions"), "the untrained net should miss some labels")
        // Bias-free ReLU net: Σ x·∂S_c/∂x = S_c(x) for each image.
        guard case .list(let sums) = try h.value("e.sums"), case .list(let outputs) = try h.value("e.outputs") else { return XCTFail() }
        for (s, o) in zip(sums, outputs) { XCTAssertEqual(s.numberValue!, o.numberValue!, accuracy: 1e-3 * max(1, abs(o.numberValue!))) }
        // The explained outputs are the logits of the labelled classes.
        guard case .tensor(let logits) = try h.value("predict(net, xs).logits"), case .list(let labels) = try h.value("xs.labels") else { return XCTFail() }
        for (i, label) in labels.enumerated() {
            XCTAssertEqual(outputs[i].numberValue!, Double(logits.scalars[i * 10 + (label.numberValue.map { Int($0) } ?? 0)]), accuracy: 1e-4)
        }
        XCTAssertEqual(h.result("e.count"), "4")
        XCTAssertEqual(h.result("e[1].count"), "1")
        XCTAssertEqual(h.result("e[1].sum"), sums[1].repr)
        XCTAssertEqual(h.result("e.values.shape"), "[4, 1, 28, 28]")
        // Display: bwr over the gray digit, with a colorbar.
        guard case .object(let e as ExplanationValue)? = h.session.value(of: "e") else { return XCTFail() }
        let figure = try e.figure(options: e.displayOptions, overInput: e.style.overInput, function: "show")
        let panel = try XCTUnwrap(figure.panel(row: 0, column: 0))
        XCTAssertEqual(panel.image.colormap.name, "gray")
        XCTAssertEqual(panel.overlay?.colormap.name, "bwr")
        XCTAssertTrue(panel.showsColorbar)
        guard case .success(let output?) = h.run("e") else { return XCTFail() }
        XCTAssertNotNil(output.png)
        XCTAssertTrue(output.text.hasPrefix("Explanation: Gradient × input of S_c"), output.text)
        // show with explicit options, including {prediction}.
        guard case .success = h.run("show(e, cmap: \"seismic\", titles: \"{label} → {prediction}\", columns: 4)") else {
            return XCTFail(h.result("show(e, cmap: \"seismic\", titles: \"{label} → {prediction}\", columns: 4)"))
        }
    }

    func testIntegratedGradientsCompletenessAndTargets() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 1)\nlet xs = tiny.test[0..<3]")
        guard case .success = h.run("let e = integratedGradients(net, xs, steps: 200, rule: \"trapezoid\", output: \"probability\")") else {
            return XCTFail(h.result("e"))
        }
        guard case .list(let sums) = try h.value("e.sums"), case .list(let outputs) = try h.value("e.outputs"),
              case .list(let baselines) = try h.value("e.baselineOutputs") else { return XCTFail() }
        for i in 0..<3 {
            XCTAssertEqual(sums[i].numberValue!, outputs[i].numberValue! - baselines[i].numberValue!, accuracy: 2e-3)
        }
        // Explicit targets: one class for all, or one per image.
        XCTAssertEqual(h.result("integratedGradients(net, xs, target: 4, steps: 5).targets"), "[4, 4, 4]")
        XCTAssertEqual(h.result("integratedGradients(net, xs, target: [1, 2, 3], steps: 5).targets"), "[1, 2, 3]")
        XCTAssertEqual(h.error("integratedGradients(net, xs, target: [1, 2], steps: 5)")?.kind, .value)
        XCTAssertEqual(h.error("integratedGradients(net, xs, rule: \"simpson\")")?.kind, .value)
        XCTAssertEqual(h.error("integratedGradients(net, xs, output: \"logits\")")?.suggestions.first, "logit")
        XCTAssertEqual(h.error("guidedBackprop(net, xs, layer: \"fc9\", target: 1)")?.suggestions.first, "fc1")
        // A layer's channel must be named; the class defaults do not apply to channels.
        XCTAssertEqual(h.error("guidedBackprop(net, xs, layer: \"fc1\")")?.kind, .value)
        XCTAssertEqual(h.error("guidedBackprop(net, xs, layer: \"fc1\", target: \"label\")")?.kind, .value)
        let unlabelled = "integratedGradients(net, xs.values, target: \"label\", steps: 5)"
        XCTAssertTrue(h.error(unlabelled)?.message.contains("no labels") ?? false, h.result(unlabelled))
    }

    func testOtherMethodsRunAndKeepTheirChaptersStyles() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 2)\nlet xs = tiny.test[0..<2]")
        let styles: [(String, String, Bool)] = [
            ("sensitivity(net, xs)", "hot", true), ("saliency(net, xs)", "gray", false),
            ("saliency(net, xs, absolute: false)", "bwr", false), ("deconvnet(net, xs)", "gray", false),
            ("guidedBackprop(net, xs)", "gray", false), ("smoothGrad(net, xs, samples: 4, sigma: 0.2)", "bwr", false),
            ("guidedBackprop(net, xs, layer: \"fc2\", target: 7)", "gray", false),
        ]
        for (code, colormap, over) in styles {
            guard case .object(let e as ExplanationValue) = try h.value(code) else { return XCTFail(code) }
            XCTAssertEqual(e.style.colormap.name, colormap, code)
            XCTAssertEqual(e.style.overInput, over, code)
            XCTAssertEqual(e.explanation.count, 2, code)
        }
        // Sensitivity is the square of the signed gradient.
        guard case .tensor(let squared) = try h.value("sensitivity(net, xs).values"),
              case .tensor(let gradient) = try h.value("saliency(net, xs, absolute: false).values") else { return XCTFail() }
        for i in stride(from: 0, to: squared.count, by: 97) {
            XCTAssertEqual(squared.scalars[i], gradient.scalars[i] * gradient.scalars[i], accuracy: 1e-6 + 1e-4 * squared.scalars[i])
        }
        // The same seed gives the same SmoothGrad map.
        XCTAssertEqual(try h.value("smoothGrad(net, xs, samples: 3, seed: 5).values"), try h.value("smoothGrad(net, xs, samples: 3, seed: 5).values"))
        // Class prototypes: a labelled batch of images, one per class asked for.
        guard case .object(let prototypes as ImageBatch) = try h.value("classPrototypes(net, means: tiny, classes: [0, 3], steps: 20)") else {
            return XCTFail()
        }
        XCTAssertEqual(prototypes.labels, [0, 3])
        XCTAssertTrue(prototypes.showsColorbar)
        XCTAssertTrue(h.host.stdout.contains("classPrototypes: cost"))
    }

    func testStrongestChannelsRankTheLayersTotalActivation() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 4)\nlet xs = tiny.test[0..<5]")
        guard case .list(let channels) = try h.value("strongestChannels(net, xs, layer: \"relu2\", count: 3)") else { return XCTFail() }
        // By hand: total activation of each relu2 unit over the five images.
        guard case .object(let model as ModelValue)? = h.session.value(of: "net"),
              case .object(let xs as ImageBatch)? = h.session.value(of: "xs") else { return XCTFail() }
        let record = try model.handle.network.forwardRecording(xs.images, training: false)
        let activation = try XCTUnwrap(record.steps.first { $0.layer.name == "relu2" }?.output)
        var totals = [Double](repeating: 0, count: 100)
        for n in 0..<5 { for j in 0..<100 { totals[j] += Double(activation.scalars[n * 100 + j]) } }
        let expected = totals.indices.sorted { totals[$0] > totals[$1] }.prefix(3)
        XCTAssertEqual(channels.map { $0.numberValue.map { Int($0) } }, expected.map { $0 })
        XCTAssertEqual(h.error("strongestChannels(net, xs, layer: \"relu9\")")?.suggestions.first, "relu1")
        XCTAssertEqual(h.result("guidedBackprop(net, xs, target: 3, layer: \"relu2\").targets"), "[3, 3, 3, 3, 3]")
    }

    func testExplanationArithmeticRule() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true)\nlet xs = tiny.test[0..<2]")
        guard case .object(let a as ExplanationValue) = try h.value("sensitivity(net, xs)"),
              case .object(let b as ExplanationValue) = try h.value("saliency(net, xs)") else { return XCTFail() }
        guard case .object(let difference as ExplanationValue)? = try a.arithmetic("-", .object(b), reversed: false) else { return XCTFail() }
        for i in stride(from: 0, to: 1568, by: 131) {
            XCTAssertEqual(difference.explanation.attributions.scalars[i],
                           a.explanation.attributions.scalars[i] - b.explanation.attributions.scalars[i])
        }
        XCTAssertEqual(difference.images.labels, a.images.labels)
    }
}
