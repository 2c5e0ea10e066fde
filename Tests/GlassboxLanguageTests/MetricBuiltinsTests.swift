import Foundation
import GlassboxMethods
import XCTest
@testable import GlassboxLanguage
import GlassboxFigures
import GlassboxData
import GlassboxModels

/// The metrics in the language: one builtin per catalog entry with its help, docs/metrics.md made
/// from the catalog, methods given by name, options or as the student's own function, and
/// `compareMethods` agreeing with the single metrics.
final class MetricBuiltinsTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testEveryMetricHasABuiltinWithHelpAndASectionInTheDocs() throws {
        let registry = BuiltinRegistry.glassbox
        let page = try String(contentsOf: root.appendingPathComponent("docs/metrics.md"), encoding: .utf8)
        for metric in MetricCatalog.all {
            let d = metric.declaration
            let builtin = try XCTUnwrap(registry[d.id], "no builtin for \(d.id)")
            XCTAssertTrue(builtin.helpText.contains(d.summary), d.id)
            XCTAssertTrue(builtin.helpText.contains(d.citation), d.id)
            XCTAssertEqual(builtin.returnType, "MetricResult")
            for option in d.options { XCTAssertTrue(builtin.labels.contains(option.name), "\(d.id) lacks \(option.name):") }
            XCTAssertNoThrow(try Parser.parse(d.example), "example of \(d.id)")
            XCTAssertTrue(page.contains("`\(d.id)`"), "docs/metrics.md does not describe \(d.id)")
        }
        for name in ["compareMethods", "translate"] {
            let builtin = try XCTUnwrap(registry[name])
            XCTAssertNoThrow(try Parser.parse(builtin.example), name)
        }
        let readme = try String(contentsOf: root.appendingPathComponent("docs/README.md"), encoding: .utf8)
        XCTAssertTrue(readme.contains("(metrics.md)"), "docs/README.md does not link metrics.md")
    }

    func testTheMetricsPageIsTheCatalogs() throws {
        let url = root.appendingPathComponent("docs/metrics.md")
        let document = try String(contentsOf: url, encoding: .utf8)
        let expected = try XCTUnwrap(MetricDocumentation.updating(document), "markers missing in docs/metrics.md")
        if ProcessInfo.processInfo.environment["GLASSBOX_UPDATE_DOCS"] == "1" {
            try expected.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        XCTAssertEqual(document, expected, "docs/metrics.md is out of date: run the tests with GLASSBOX_UPDATE_DOCS=1")
    }

    func testAMetricTakesACatalogNameOptionsOrTheStudentsOwnFunction() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 1)\nlet xs = tiny.test[0..<3]")
        h.run("let byName = deletion(net, xs, method: \"gradientTimesInput\", steps: 7, target: \"label\")")
        XCTAssertEqual(h.result("byName.count"), "3")
        XCTAssertEqual(h.result("byName.x.count"), "8")
        XCTAssertEqual(h.result("byName.direction"), "\"lower is better\"")
        // The student's function wrapping the same method gives the same scores.
        h.run("""
        /// gradient × input, written by hand
        func mine(model, images, target) {
            return gradientTimesInput(model, images, target: target)
        }
        let own = deletion(net, xs, method: mine, steps: 7, target: "label")
        """)
        XCTAssertEqual(h.result("own.scores == byName.scores"), "true", h.result("own.scores"))
        XCTAssertEqual(h.result("own.method"), "\"mine\"")
        // A function returning the values as a Tensor works too; options go in a Dictionary.
        h.run("func tensorMaps(m, images, classes) { return gradientTimesInput(m, images, target: classes).values }")
        XCTAssertEqual(h.result("deletion(net, xs, method: tensorMaps, steps: 7, target: \"label\").scores == byName.scores"), "true")
        h.run("let squared = maxSensitivity(net, xs, method: [\"method\": \"sensitivity\", \"exponent\": 4, \"name\": \"SA⁴\"], samples: 2)")
        XCTAssertEqual(h.result("squared.method"), "\"SA⁴\"")
        XCTAssertEqual(h.result("squared.scores.count"), "3")
        // The randomisation check hands the student's function the damaged models.
        h.run("let check = modelRandomisation(net, xs, method: mine)")
        XCTAssertEqual(h.result("check.x.count"), "3")
        XCTAssertEqual(h.result("check.mean == modelRandomisation(net, xs, method: \"gradientTimesInput\").mean"), "true")
        // A fourth parameter receives the explained output, so the function explains the same f.
        h.run("func withOutput(model, images, target, output) { return gradientTimesInput(model, images, target: target, output: output) }")
        XCTAssertEqual(h.result("modelRandomisation(net, xs, method: withOutput, output: \"reluLogit\").scores == "
                                + "modelRandomisation(net, xs, method: \"gradientTimesInput\", output: \"reluLogit\").scores"), "true")
    }

    func testMetricErrorsNameTheArgumentAndSuggest() {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 1)\nlet xs = tiny.test[0..<2]")
        let unknown = h.error("deletion(net, xs, method: \"deepTaylr\")")
        XCTAssertEqual(unknown?.suggestions.first, "deepTaylor")
        XCTAssertTrue(unknown?.message.contains("argument 'method'") ?? false, unknown?.message ?? "")
        let order = h.error("regionPerturbation(net, xs, method: \"saliency\", order: \"mostRelevant\")")
        XCTAssertEqual(order?.suggestions.first, "mostRelevantFirst", order?.message ?? "")
        XCTAssertTrue(h.error("regionPerturbation(net, xs, method: \"saliency\", patch: 0)")?.message.contains("patch") ?? false)
        XCTAssertTrue(h.error("deletion(net, xs, method: [\"exponent\": 4])")?.message.contains("\"method\" entry") ?? false)
        XCTAssertTrue(h.error("deletion(net, xs, method: [\"method\": \"sensitivity\", \"exponent\": 3])")?.message.contains("exponent") ?? false)
        h.run("func two(a, b) { return a }")
        XCTAssertTrue(h.error("deletion(net, xs, method: two)")?.message.contains("(model, images, target)") ?? false)
        h.run("func wrong(model, images, target) { return 3 }")
        let wrong = h.error("deletion(net, xs, method: wrong)")
        XCTAssertTrue(wrong?.message.contains("wrong returned Int") ?? false, wrong?.message ?? "")
        XCTAssertEqual(h.error("deletion(net, xs, method: 3)")?.kind, .type)
        XCTAssertTrue(h.error("regionPerturbation(net, xs, method: \"saliency\", steps: 60, patch: 8)")?.message.contains("no 8×8 window") ?? false)
    }

    func testCompareMethodsAgreesWithTheSingleMetrics() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 1)\nlet xs = tiny.test[0..<3]")
        h.run("""
        func mine(model, images, target) { return gradientTimesInput(model, images, target: target) }
        let c = compareMethods(net, xs, methods: ["saliency", mine, ["method": "smoothGrad", "samples": 3]],
                               metrics: ["deletion", ["metric": "regionPerturbation", "steps": 3, "patch": 2], "sparseness", "maxSensitivity"],
                               target: "label")
        """)
        XCTAssertEqual(h.result("c.methods"), "[\"Saliency\", \"mine\", \"SmoothGrad (samples 3)\"]")
        XCTAssertEqual(h.result("c.metrics"), "[\"Deletion AUC ↓\", \"Region perturbation (patch 2, steps 3) ↑\", \"Sparseness (Gini) ↑\", \"Max-sensitivity ↓\"]")
        XCTAssertEqual(h.result("c.table.rows.count"), "3")
        XCTAssertEqual(h.result("c.table.rows[1][1] == deletion(net, xs, method: \"gradientTimesInput\", target: \"label\").mean"), "true")
        XCTAssertEqual(h.result("c.table.rows[0][3] == sparseness(net, xs, method: \"saliency\", target: \"label\").mean"), "true")
        XCTAssertEqual(h.result("c.result(\"mine\", \"regionPerturbation\").aopc == regionPerturbation(net, xs, method: mine, steps: 3, patch: 2, target: \"label\").aopc"), "true")
        XCTAssertEqual(h.result("type(of: c.figure)"), "\"Figure\"")
        XCTAssertEqual(h.result("type(of: c.curves)"), "\"Figure\"")
        guard case .success(let output) = h.run("c"), let rich = output else { return XCTFail("no display") }
        XCTAssertNotNil(rich.png)
        XCTAssertTrue(rich.html?.contains("<img") ?? false)
        let bad = h.error("compareMethods(net, xs, methods: [\"saliency\"], metrics: [\"delition\"])")
        XCTAssertEqual(bad?.suggestions.first, "deletion")
        XCTAssertNotNil(h.error("compareMethods(net, xs, methods: [])"))
    }

    func testMetricResultsPlotIndexAndReplay() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 1)\nlet xs = tiny.test[0..<2]")
        h.run("let a = regionPerturbation(net, xs, method: \"saliency\", steps: 4, patch: 3)\nlet b = regionPerturbation(net, xs, method: \"gradientTimesInput\", steps: 4, patch: 3)")
        XCTAssertEqual(h.result("type(of: plot(a, b, title: \"pixel flipping\", yMin: 0))"), "\"Figure\"")
        XCTAssertNotNil(h.error("plot(a, [1, 2])"))
        XCTAssertEqual(h.result("a[1].scores[0] == a.scores[1]"), "true")
        XCTAssertEqual(h.result("a.windows[0].count"), "3")
        XCTAssertEqual(h.result("a.images(removed: 0) == xs"), "true")
        XCTAssertEqual(h.result("a.images(removed: 2) == xs"), "false")
        XCTAssertNotNil(h.error("a.images(removed: 9)"))
        XCTAssertEqual(h.result("a.aopc == a.mean"), "true")
        h.run("let run = translationContinuity(net, xs[0], method: \"gradientTimesInput\", shifts: [-1, 0, 1])")
        XCTAssertEqual(h.result("run.quadrants.shape"), "[3, 4]")
        XCTAssertEqual(h.result("run.maps.count"), "3")
        XCTAssertEqual(h.result("run.shifts"), "[-1, 0, 1]")
        XCTAssertEqual(h.result("type(of: plot(run, run))"), "\"Figure\"")
        XCTAssertEqual(h.result("translate(xs, dx: 2).count"), "2")
        XCTAssertEqual(h.result("translate(translate(xs, dx: 0), dx: 0) == xs"), "true")
    }

    func testQuiverDrawsOnePanelPerFieldOnOneScale() throws {
        let h = BindingsHarness()
        h.run("let x = tensor([0, 1, 0, 1])\nlet y = tensor([0, 0, 1, 1])")
        guard case .object(let value as FigureValue) = try h.value("quiver(x, y, [x, x * 2], [y, y], titles: [\"a\", \"b\"])"),
              let chart = value.figure as? LineChartFigure else { return XCTFail("no chart") }
        XCTAssertEqual(chart.axes.count, 2)
        // The longest vector, (2, 1) in the second field, spans 0.9 of the grid spacing 1.
        let longest = chart.axes[1].arrows[3]
        XCTAssertEqual((longest.dx * longest.dx + longest.dy * longest.dy).squareRoot(), 0.9, accuracy: 1e-9)
        XCTAssertEqual(chart.axes[0].arrows[3].dx, 0.9 / 5.0.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(h.result("type(of: quiver(x, y, x, y, scale: 0.5, diagonal: true))"), "\"Figure\"")
        XCTAssertTrue(h.error("quiver(x, y, [x], [y, y])")?.message.contains("fields") ?? false)
        XCTAssertTrue(h.error("quiver(x, tensor([1]), x, y)")?.message.contains("x values") ?? false)
        XCTAssertNotNil(h.error("quiver(x, y, x, y, scale: -1)"))
    }
}


/// The random-label models of `dataRandomisation`: trained once per architecture and training, on
/// permuted labels, and handed out as copies.
final class RandomLabelModelTests: XCTestCase {
    func testTrainsOnPermutedLabelsOnceAndHandsOutCopies() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 1)")
        guard case .object(let net as ModelValue) = try h.value("net"), case .object(let tiny as DatasetValue) = try h.value("tiny") else {
            return XCTFail("no model or dataset")
        }
        let split = try tiny.train.labelled(for: "test")
        var loads = 0
        let training = RandomLabelTraining(epochs: 1, images: split.count, seed: 9)
        let data: (TrainingRecipe.Dataset) throws -> LabelledImages = { _ in loads += 1; return split }
        let first = try RandomLabelModels.network(for: net.handle, training, monitor: .none, data: data)
        let second = try RandomLabelModels.network(for: net.handle, training, monitor: .none, data: data)
        XCTAssertEqual(loads, 1, "the second call reuses the trained network")
        XCTAssertFalse(first === second, "each caller gets its own copy")
        XCTAssertEqual(first.parameters.map(\.value), second.parameters.map(\.value))
        let untrained = try net.handle.architecture.build(seed: 9)
        XCTAssertNotEqual(first.parameters.map(\.value), untrained.parameters.map(\.value), "it was trained")
        _ = try RandomLabelModels.network(for: net.handle, RandomLabelTraining(epochs: 1, images: split.count, seed: 10), monitor: .none, data: data)
        XCTAssertEqual(loads, 2, "another seed is another model")
    }
}
