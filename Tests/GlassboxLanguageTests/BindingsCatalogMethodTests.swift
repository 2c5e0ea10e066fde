import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxFigures
import GlassboxModels
import XCTest
@testable import GlassboxLanguage

/// The builtins made from the method catalog: relevance methods, wrappers, receipts, bad input
/// with "did you mean", and exporting explanations.
final class BindingsCatalogMethodTests: XCTestCase {
    private func harness() -> BindingsHarness {
        let h = BindingsHarness()
        h.run("let net = model(\"cnn-max-nb\", untrained: true, seed: 2)\nlet mlp = model(\"mlp-b\", untrained: true, seed: 1)\nlet xs = tiny.test[0..<3]")
        return h
    }

    func testRelevanceMethodsRunWithTheirReceiptsAndStyles() throws {
        let h = harness()
        for (call, colormap) in [("deepTaylor(net, xs, output: \"reluLogit\")", "hot_r"), ("lrpAlphaBeta(mlp, xs, output: \"probability\")", "bwr"),
                                 ("lrpEpsilon(net, xs, epsilon: 0.01)", "bwr"), ("lrp(net, xs, composite: \"EpsilonGammaBox\")", "bwr"),
                                 ("deepLift(mlp, xs, baseline: 0.2)", "bwr")] {
            guard case .success = h.run("let e = " + call) else { XCTFail(call + ": " + h.result("e")); continue }
            guard case .object(let e as ExplanationValue)? = h.session.value(of: "e") else { XCTFail(call); continue }
            XCTAssertEqual(e.style.colormap.name, colormap, call)
            XCTAssertNotNil(e.explanation.receipt, call)
            guard case .object(let table as TableValue) = try h.value("e.receipt") else { XCTFail(call); continue }
            XCTAssertEqual(table.table.rows.count, 3, call)
            XCTAssertTrue(e.textDescription.contains("Σ map"), e.textDescription)
        }
        // Deep Taylor on a bias-free net conserves: the receipt error is tiny.
        guard case .double(let error) = try h.value("deepTaylor(net, xs, output: \"reluLogit\").receiptError") else { return XCTFail() }
        XCTAssertLessThan(error, 1e-4)
        // DeepLIFT sums to the delta exactly on an MLP.
        guard case .double(let delta) = try h.value("deepLift(mlp, xs, baseline: 0.2).receiptError") else { return XCTFail() }
        XCTAssertLessThan(delta, 1e-4)
        // A baseline given as an image batch.
        XCTAssertNil(h.error("deepLift(mlp, xs, baseline: tiny.train[0])"))
        XCTAssertNil(h.error("integratedGradients(net, xs, baseline: tiny.train.mean, steps: 3)"))
    }

    func testRulesPerLayerFromTheLanguage() throws {
        let h = harness()
        XCTAssertNil(h.error("lrp(net, xs, rules: [\"dense\": \"epsilon(0.1)\", \"conv\": \"zPlus\", \"input\": \"zB\", \"pool\": \"proportional\"])"))
        XCTAssertEqual(h.result("lrp(net, xs, composite: \"DeepTaylor\", output: \"reluLogit\").values")
                       , h.result("deepTaylor(net, xs, output: \"reluLogit\").values"))
        // The same map from the composite and from its rules written out.
        XCTAssertEqual(h.result("lrp(net, xs, composite: \"ZPlus\", rules: [\"pool\": \"proportional\", \"input\": \"zB\"]).values"),
                       h.result("deepTaylor(net, xs).values"))
        // Rule names in any case, as the issue writes them: "zplus" is "zPlus", "zb" is "zB".
        XCTAssertEqual(h.result("lrp(net, xs, rules: [\"dense\": \"Epsilon\", \"conv\": \"zplus\", \"input\": \"zb\"]).values"),
                       h.result("lrp(net, xs, rules: [\"dense\": \"epsilon\", \"conv\": \"zPlus\", \"input\": \"zB\"]).values"))
        XCTAssertEqual(h.result("lrp(net, xs, rules: [\"dense\": \"EPSILON(0.5)\", \"pool\": \"Proportional\"]).values"),
                       h.result("lrp(net, xs, rules: [\"dense\": \"epsilon(0.5)\", \"pool\": \"proportional\"]).values"))
        XCTAssertNotEqual(h.result("lrp(net, xs, rules: [\"conv\": \"zplus\"]).values"), h.result("lrp(net, xs, rules: [\"conv\": \"flat\"]).values"))
        let unknown = h.error("lrp(net, xs, rules: [\"conv\": \"zplusss\"])")
        XCTAssertEqual(unknown?.kind, .value)
        XCTAssertEqual(unknown?.suggestions.first, "zPlus")
        XCTAssertTrue(unknown?.message.contains("\"zplusss\"") == true, unknown?.message ?? "")
        // Did you mean: rule names, selectors, composites, option names and method names.
        XCTAssertEqual(h.error("lrp(net, xs, rules: [\"dense\": \"epsilonn\"])")?.suggestions.first, "epsilon")
        XCTAssertEqual(h.error("lrp(net, xs, rules: [\"fc11\": \"epsilon\"])")?.suggestions.first, "fc1")
        XCTAssertEqual(h.error("lrp(net, xs, composite: \"EpsilonPlsu\")")?.suggestions.first, "EpsilonPlus")
        XCTAssertEqual(h.error("lrp(net, xs, rules: [\"conv\": 3])")?.kind, .value)
        XCTAssertEqual(h.error("smoothGrad(net, xs, method: \"guidedBackpro\")")?.suggestions.first, "guidedBackprop")
        XCTAssertEqual(h.error("integratedGradients(net, xs, method: \"deepLift\")")?.kind, .value)
        XCTAssertEqual(h.error("lrpEpsilon(net, xs, epsilom: 1)")?.suggestions.first, "epsilon:")
        // A rule that cannot handle a layer: one error naming the layer and the rule; the next cell runs.
        let misfit = h.error("lrp(net, xs, rules: [\"pool1\": \"zPlus\"])")
        XCTAssertEqual(misfit?.kind, .value)
        XCTAssertTrue(misfit?.message.contains("pool1") == true && misfit?.message.contains("z⁺") == true, misfit?.message ?? "")
        XCTAssertEqual(h.result("1 + 1"), "2")
        // Errors point at the argument.
        let located = h.error("integratedGradients(net, xs, steps: 0)")
        XCTAssertEqual(located?.message, "integratedGradients: argument 'steps' must be at least 1, got 0")
        XCTAssertNotNil(located?.range)
    }

    /// The receipt is visible in JupyterLab, which shows only the richest part of a display: the
    /// HTML holds the figure (the same PNG) and the receipt under it; text/plain keeps the line.
    func testTheReceiptIsShownInHTMLBesideThePNG() throws {
        let h = harness()
        for (call, expected) in [("lrpEpsilon(net, xs, epsilon: 0.01)", "f(x)"), ("deepTaylor(net, xs, output: \"reluLogit\")", "f(x)"),
                                 ("integratedGradients(net, xs, steps: 4)", "f(x) − f(b)"), ("deepLift(mlp, xs, baseline: 0.2)", "f(x) − f(x⁰)")] {
            guard case .object(let e as ExplanationValue) = try h.value(call) else { XCTFail(call); continue }
            let error = try XCTUnwrap(e.explanation.receiptError, call)
            for code in [call, "show(\(call))"] {
                let before = h.host.displays.count
                guard case .success(let result) = h.run(code) else { XCTFail(h.result(code)); continue }
                let output = try XCTUnwrap(code.hasPrefix("show") ? h.host.displays.dropFirst(before).last(where: { $0.0.png != nil })?.0 : result, code)
                let png = try XCTUnwrap(output.png, code)
                let html = try XCTUnwrap(output.html, "\(code): no text/html beside the PNG")
                // The figure itself, as a data URL of exactly the PNG's bytes, at its CSS width.
                let prefix = "src=\"data:image/png;base64,"
                let start = try XCTUnwrap(html.range(of: prefix), code).upperBound
                let end = try XCTUnwrap(html[start...].firstIndex(of: "\""))
                XCTAssertEqual(Data(base64Encoded: String(html[start..<end])), Data(png.bytes), code)
                XCTAssertTrue(html.contains("width=\"\(png.width)\""), code)
                // Under it: the receipt line with its largest gap, and the table per image.
                XCTAssertTrue(html.contains("Σ map = \(HTMLText.escape(expected)) within <b>\(NumberFormat.significant(Double(error) * 100, digits: 2)) %</b>"),
                              "\(code): \(html.suffix(600))")
                XCTAssertTrue(html.contains("<table"), code)
                XCTAssertEqual(html.components(separatedBy: "<tr>").count - 1, 1 + 3, "\(code): a header and one row per image")
                XCTAssertTrue(output.text.contains("within"), "the console keeps the receipt in text/plain")
                XCTAssertTrue(output.mimeData.keys.contains("text/html") && output.mimeData.keys.contains("image/png"), code)
            }
        }
        // Maps without a receipt stay a plain PNG (no copy of the image in HTML).
        guard case .success(let plain?) = h.run("saliency(net, xs)") else { return XCTFail() }
        XCTAssertNotNil(plain.png)
        XCTAssertNil(plain.html)
    }

    /// A DeepLIFT reference image of the wrong shape is one ValueError naming the argument and the
    /// shapes; the session keeps its variables and the next cell runs.
    func testADeepLiftReferenceOfTheWrongShapeIsOneClearError() throws {
        let h = harness()
        h.run("let keep = 42\nlet small = zeros([1, 1, 5, 5])")
        for reference in ["small", "zeros([2, 1, 28, 28])", "zeros([28, 28])", "zeros([1, 28, 28, 1])"] {
            let code = "deepLift(mlp, xs, baseline: \(reference))"
            let error = try XCTUnwrap(h.error(code), code)
            XCTAssertEqual(error.kind, .value, "\(code): \(error.kind) \(error.message)")
            XCTAssertTrue(error.message.hasPrefix("deepLift: "), error.message)
            XCTAssertEqual(error.message.components(separatedBy: "deepLift").count, 2, "the method is named once: \(error.message)")
            XCTAssertTrue(error.message.hasPrefix("deepLift: argument 'baseline' is a reference image that should have shape [1] + [1, 28, 28] or [3] + [1, 28, 28], got "),
                          error.message)
            // The error points at the argument.
            let range = try XCTUnwrap(error.range, code)
            XCTAssertGreaterThanOrEqual(range.start.column, code.range(of: "baseline:")!.lowerBound.utf16Offset(in: code) + 1, code)
        }
        XCTAssertEqual(h.result("keep"), "42")
        XCTAssertNil(h.error("deepLift(mlp, xs, baseline: zeros([1, 1, 28, 28]))"))
    }

    func testWrappersOverAnyMethod() throws {
        let h = harness()
        guard case .double(let gap) = try h.value("abs(smoothGrad(net, xs, sigma: 0.0, samples: 2, method: \"guidedBackprop\").values - guidedBackprop(net, xs).values).max()"),
              case .double(let size) = try h.value("abs(guidedBackprop(net, xs).values).max()") else { return XCTFail() }
        XCTAssertLessThanOrEqual(gap, 1e-6 * size)
        XCTAssertNil(h.error("noiseTunnel(net, xs, kind: \"varGrad\", samples: 4, method: \"saliency\", methodOptions: [\"absolute\": true])"))
        XCTAssertNil(h.error("integratedGradients(net, xs, method: \"deconvnet\", steps: 4)"))
        XCTAssertNil(h.error("smoothGrad(net, xs, samples: 2, method: \"integratedGradients\", methodOptions: [\"steps\": 2])"))
        XCTAssertTrue(h.result("smoothGrad(net, xs, samples: 2, method: \"guidedBackprop\").method").contains("Guided backprop"))
        // layer: on the path and noise methods.
        XCTAssertNil(h.error("integratedGradients(net, xs, layer: \"pool3\", target: 5, steps: 4)"))
        XCTAssertNil(h.error("smoothGrad(net, xs, layer: \"pool3\", target: 5, samples: 2)"))
        // output: with layer: is refused rather than ignored.
        XCTAssertEqual(h.error("saliency(net, xs, target: 45, layer: \"pool3\", output: \"probability\")")?.kind, .value)
    }

    func testDictionaries() throws {
        let h = BindingsHarness(defineTiny: false)
        XCTAssertEqual(h.result("[\"a\": 1, \"b\": [2, 3]]"), "[\"a\": 1, \"b\": [2, 3]]")
        XCTAssertEqual(h.result("[:]"), "[:]")
        XCTAssertEqual(h.result("[\"a\": 1, \"b\": 2][\"b\"]"), "2")
        XCTAssertEqual(h.result("[\"a\": 1, \"b\": 2].keys"), "[\"a\", \"b\"]")
        h.run("var d = [\"x\": 1]\nd[\"y\"] = 2\nd[\"x\"] += 10")
        XCTAssertEqual(h.result("d"), "[\"x\": 11, \"y\": 2]")
        XCTAssertEqual(h.result("[\"a\": 1] == [\"a\": 1]"), "true")
        XCTAssertEqual(h.error("[\"a\": 1][\"c\"]")?.kind, .index)
        XCTAssertEqual(h.error("[1: 2]")?.kind, .type)
        XCTAssertEqual(h.error("[\"a\": 1, \"a\": 2]")?.kind, .value)
        XCTAssertEqual(h.error("[\"a\": 1, 2]")?.kind, .syntax)
        XCTAssertEqual(h.error("[1, \"a\": 2]")?.kind, .syntax)
        var keys: [String] = []
        h.run("for k in [\"p\": 1, \"q\": 2] { print(k) }")
        keys = h.host.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(keys.suffix(2), ["p", "q"])
    }

    func testSaveExportsForNumPy() throws {
        let h = harness()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-export-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.path
        h.run("let e = deepLift(mlp, xs, baseline: 0.2)")
        XCTAssertNil(h.error("save(e, to: \"\(path)/maps.npy\")"))
        let maps = try NumpyFile.read(at: directory.appendingPathComponent("maps.npy"))
        XCTAssertEqual(maps.shape, [3, 1, 28, 28])
        guard case .tensor(let values) = try h.value("e.values") else { return XCTFail() }
        XCTAssertEqual(maps.floats(), values.scalars)

        XCTAssertNil(h.error("save(e, to: \"\(path)/e.npz\")"))
        let archive = try NumpyArchive(contentsOf: directory.appendingPathComponent("e.npz"))
        XCTAssertEqual(archive.names, ["attributions", "inputs", "targets", "outputs", "baselineOutputs"])
        XCTAssertEqual(try archive.array(named: "targets").integers(name: "targets"), try h.value("e.targets").intList())

        XCTAssertNil(h.error("save([\"maps\": e, \"images\": xs, \"t\": tensor([[1, 2], [3, 4]])], to: \"\(path)/run.safetensors\")"))
        let file = try SafetensorsFile.read(from: directory.appendingPathComponent("run.safetensors"))
        XCTAssertEqual(file.names, ["maps", "images", "t"])
        XCTAssertEqual(file.tensor(named: "t")?.scalars, [1, 2, 3, 4])

        XCTAssertNil(h.error("save(e.receipt, to: \"\(path)/receipt.csv\")"))
        let csv = try String(contentsOf: directory.appendingPathComponent("receipt.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 4)
        XCTAssertTrue(csv.hasPrefix("image,target,"), csv)

        XCTAssertEqual(h.error("save(e, to: \"\(path)/maps.png\")")?.kind, .value)
        XCTAssertEqual(h.error("save(e, to: \"\(path)/maps.csv\")")?.kind, .type)
        XCTAssertEqual(h.error("save(mlp, to: \"\(path)/model.npy\")")?.kind, .value)
        XCTAssertEqual(h.error("save([:], to: \"\(path)/empty.npz\")")?.kind, .value)
    }
}

private extension ScriptValue {
    func intList() -> [Int] {
        guard case .list(let items) = self else { return [] }
        return items.compactMap { if case .int(let v) = $0 { return v } else { return nil } }
    }
}

/// The CAM family's builtins: the `layer:` option names the feature maps (not a channel target),
/// refusals are ValueErrors with suggestions, CAM's receipt, and the localisation scores.
final class BindingsClassActivationTests: XCTestCase {
    private func harness() -> BindingsHarness {
        let h = BindingsHarness()
        h.run("let net = model(\"cnn-max-nb\", untrained: true, seed: 2)\nlet gap = model(\"allconv\", untrained: true, seed: 3)\n"
              + "let mlp = model(\"mlp-b\", untrained: true, seed: 1)\nlet xs = tiny.test[0..<3]")
        return h
    }

    func testTheLayerOptionNamesTheFeatureMaps() throws {
        let h = harness()
        XCTAssertNil(h.error("let e = gradCAM(net, xs, layer: \"relu2\", target: \"label\")"))
        XCTAssertEqual(try h.value("e.layer"), .string("relu2"))
        guard case .tensor(let coarse) = try h.value("e.coarse.values") else { return XCTFail("no coarse maps") }
        XCTAssertEqual(coarse.shape, [3, 1, 14, 14])
        XCTAssertEqual(try h.value("e.coarse.labels"), try h.value("xs.labels"))
        guard case .object(let e as ExplanationValue)? = h.session.value(of: "e") else { return XCTFail() }
        XCTAssertEqual(e.style.colormap.name, "viridis")
        XCTAssertTrue(e.style.overInput)
        XCTAssertEqual(e.style.alpha, 0.8)
        XCTAssertTrue(e.explanation.title.contains("layer relu2"), e.explanation.title)
        // The default layer is the last conv/ReLU with more than one position.
        XCTAssertEqual(try h.value("gradCAM(net, xs).layer"), .string("relu3"))
        // A misspelt layer: a ValueError at the argument with a suggestion.
        let error = try XCTUnwrap(h.error("gradCAM(net, xs, layer: \"relu33\")"))
        XCTAssertEqual(error.kind, .value)
        XCTAssertTrue(error.message.contains("argument 'layer'"), error.message)
        XCTAssertTrue(error.suggestions.contains("relu3"), "\(error.suggestions)")
        XCTAssertTrue(try XCTUnwrap(h.error("scoreCAM(net, xs, layer: \"fc1\")")).message.contains("feature maps"))
    }

    func testExplanationsAndTensorsAreIndexedWithLists() throws {
        let h = harness()
        h.run("let e = gradCAM(net, xs, target: \"label\")")
        XCTAssertEqual(try h.value("e[[2, 0]].targets"), .list([.int(7), .int(3)]))
        XCTAssertEqual(try h.value("e[[2, 0]].values"), try h.value("stack([e[2], e[0]]).values"))
        XCTAssertEqual(try h.value("e[[2, 0]].coarse.values"), try h.value("stack([e.coarse.values[2..<3], e.coarse.values[0..<1]])"))
        guard case .tensor(let rows) = try h.value("tensor([[1, 2], [3, 4], [5, 6]])[[2, 0, 2]]") else { return XCTFail() }
        XCTAssertEqual(rows.shape, [3, 2])
        XCTAssertEqual(rows.scalars, [5, 6, 1, 2, 5, 6])
        XCTAssertNotNil(h.error("tensor([1, 2])[[3]]"))
        XCTAssertNotNil(h.error("e[[\"a\"]]"))
    }

    func testRefusalsAreClearValueErrors() throws {
        let h = harness()
        let cam = try XCTUnwrap(h.error("cam(net, xs)"))
        XCTAssertEqual(cam.kind, .value)
        XCTAssertTrue(cam.message.contains("global average pooling") && cam.message.contains("gradCAM"), cam.message)
        let mlp = try XCTUnwrap(h.error("gradCAM(mlp, xs)"))
        XCTAssertTrue(mlp.message.contains("no convolutional feature maps"), mlp.message)
        XCTAssertNotNil(h.error("gradCAM(net, xs, weights: \"softmax\")"), "an option of another method")
        XCTAssertNotNil(h.error("scoreCAM(net, xs, weights: \"softmx\")"))
    }

    func testCAMOnAGlobalAveragePoolingModelCarriesItsReceipt() throws {
        let h = harness()
        XCTAssertNil(h.error("let e = cam(gap, xs, target: \"label\")"))
        guard case .double(let error) = try h.value("e.receiptError") else { return XCTFail("no receipt") }
        XCTAssertLessThan(error, 1e-5)
        guard case .object(let table as TableValue) = try h.value("e.receipt") else { return XCTFail() }
        XCTAssertTrue(table.table.columns.contains("mean(CAM)"), "\(table.table.columns)")
        XCTAssertTrue(h.result("e").contains("class activation mean"), h.result("e"))
    }

    func testLocalisationScoresOwnMapsAndMethods() throws {
        let h = harness()
        // Bars: class c lights rows 2c+4, 2c+5, columns 4…23. A map equal to the image's own pixels.
        h.run("let boxes = [[0, 0, 28, 28], [10, 4, 2, 20], [0, 0, 2, 2]]")
        guard case .object(let table as TableValue) = try h.value("localisation(xs, boxes: boxes, top: 5)") else { return XCTFail() }
        XCTAssertEqual(table.table.rows.count, 3)
        XCTAssertEqual(table.table.rows[0][2], .text("hit"))
        XCTAssertEqual(table.table.rows[0][3], .number(1))  // the whole image is the box
        // Several explanations: one row per method.
        h.run("let a = gradCAM(net, xs)\nlet b = layerCAM(net, xs)")
        guard case .object(let summary as TableValue) = try h.value("localisation([a, b], boxes: boxes)") else { return XCTFail() }
        XCTAssertEqual(summary.table.rows.map { $0[0] }, [.text("Grad-CAM"), .text("LayerCAM")])
        // Settings other than the layer name the rows; a Dictionary names them itself and may hold own maps.
        guard case .object(let relu as TableValue) = try h.value("localisation([a, gradCAM(net, xs, relu: false)], boxes: boxes)") else { return XCTFail() }
        XCTAssertEqual(relu.table.rows.map { $0[0] }, [.text("Grad-CAM"), .text("Grad-CAM (relu no)")])
        guard case .object(let named as TableValue) = try h.value("localisation([\"pixels\": xs.values, \"cam\": a], boxes: boxes)") else { return XCTFail() }
        XCTAssertEqual(named.table.rows.map { $0[0] }, [.text("pixels"), .text("cam")])
        XCTAssertEqual(named.table.rows[0][1], .percent(1.0 / 3.0), "image 0 (whole image) hits, the bar misses the other two boxes")
        // Images without digit boxes need boxes:; bad boxes are named.
        XCTAssertTrue(try XCTUnwrap(h.error("localisation(a)")).message.contains("boxes"))
        XCTAssertNotNil(h.error("localisation(a, boxes: [[0, 0, 2, 2]])"))
        XCTAssertNotNil(h.error("localisation(a, boxes: boxes, top: 0)"))
        XCTAssertNotNil(h.error("localisation(a, boxes: boxes, box: \"inc\")"))
    }
}
