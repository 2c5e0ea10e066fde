import Foundation
import GlassboxEngine
import GlassboxFigures
import XCTest
@testable import GlassboxLanguage

/// Training, evaluation, prediction, files and zoo through the language.
final class BindingsModelTests: XCTestCase {
    func testTrainEvaluatePredictAgreeAndLearnTheBars() throws {
        let h = BindingsHarness()
        guard case .success = h.run("let net = train(\"mlp-a\", on: tiny, epochs: 3, batchSize: 50, seed: 0)") else {
            return XCTFail(h.result("net"))
        }
        // Progress: one display updated in place, ending with a summary.
        let progress = h.host.displays.filter { $0.1?.contains("progress") == true }
        XCTAssertEqual(progress.count, 1)
        XCTAssertTrue(progress[0].0.text.contains("train mlp-a · epoch 1/3"), progress[0].0.text)
        XCTAssertTrue(h.host.updates.allSatisfy { $0.1 == progress[0].1 })
        XCTAssertTrue(h.host.updates.last?.0.text.hasPrefix("✓") ?? false)
        XCTAssertEqual(h.result("net.history.count"), "3")
        XCTAssertEqual(h.result("net.history.epochs"), "[1, 2, 3]")
        XCTAssertEqual(h.result("net.parameterCount"), "454230")
        XCTAssertEqual(h.result("type(of: net)"), "\"Model\"")

        // evaluate and predict compute the same accuracy by two paths; the loss is the mean of −log p_label.
        guard case .double(let accuracy) = try h.value("evaluate(net, on: tiny.test).accuracy"),
              case .double(let loss) = try h.value("evaluate(net, on: tiny).loss"),
              case .object(let predictions as Predictions) = try h.value("predict(net, tiny.test)") else { return XCTFail() }
        XCTAssertGreaterThan(accuracy, 0.8, "three epochs on bars should learn them")
        XCTAssertEqual(predictions.accuracy!, accuracy, accuracy: 1e-12)
        let labels = predictions.labels!
        var total = 0.0
        for (i, label) in labels.enumerated() { total -= log(Double(predictions.probabilities.scalars[i * 10 + label])) }
        XCTAssertEqual(total / Double(labels.count), loss, accuracy: 1e-4)
        // Rows of probabilities sum to one; the class is the arg-max.
        for i in 0..<3 {
            let row = Array(predictions.probabilities.scalars[(i * 10)..<(i * 10 + 10)])
            XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertEqual(row.firstIndex(of: row.max()!), predictions.classes[i])
        }
        XCTAssertEqual(h.result("predict(net, tiny.test)[0]"), String(predictions.classes[0]))
        guard case .success(let table?) = h.run("evaluate(net, on: tiny.test)") else { return XCTFail() }
        XCTAssertTrue(table.html?.contains("<table") ?? false)
        XCTAssertTrue(table.text.contains("accuracy"))
        // The model remembers its accuracy and shows its layers.
        XCTAssertEqual(h.result("net.accuracy"), ScriptValue.format(accuracy))
        XCTAssertTrue(h.result("net.summary").hasPrefix("\"Model mlp-a, 454,230 parameters, trained 3 epochs here, accuracy"), h.result("net.summary"))
        guard case .success(let layers?) = h.run("net.layers") else { return XCTFail() }
        XCTAssertTrue(layers.text.contains("fc1"))
        XCTAssertTrue(layers.text.contains("401920"), layers.text)  // 784·512 + 512
        guard case .success(let chart?) = h.run("plot(net.history)") else { return XCTFail() }
        XCTAssertNotNil(chart.png)
    }

    func testTrainingIsReproducibleAndSaveLoadRoundTrips() throws {
        let h = BindingsHarness()
        h.run("let a = train(\"mlp-a\", on: tiny.train[0..<100], epochs: 1, batchSize: 50, seed: 7)")
        h.run("let b = train(\"mlp-a\", on: tiny.train[0..<100], epochs: 1, batchSize: 50, seed: 7)")
        h.run("let c = train(\"mlp-a\", on: tiny.train[0..<100], epochs: 1, batchSize: 50, seed: 8)")
        XCTAssertEqual(try h.value("predict(a, tiny.test).logits"), try h.value("predict(b, tiny.test).logits"))
        XCTAssertNotEqual(try h.value("predict(a, tiny.test).logits"), try h.value("predict(c, tiny.test).logits"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-bindings-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard case .success = h.run("save(a, to: \"\(path)\")") else { return XCTFail(h.result("save(a, to: \"\(path)\")")) }
        XCTAssertTrue(h.host.stdout.contains("saved mlp-a"))
        guard case .success = h.run("let again = load(\"\(path)\")") else { return XCTFail(h.result("load(\"\(path)\")")) }
        XCTAssertEqual(try h.value("predict(again, tiny.test).logits"), try h.value("predict(a, tiny.test).logits"))
        XCTAssertEqual(h.result("again.name"), "\"mlp-a\"")
        XCTAssertEqual(h.result("model(\"\(path)\").parameterCount"), "454230")
        // Half precision: same predictions to within float16 rounding.
        h.run("save(a, to: \"\(path)\", half: true)")
        guard case .tensor(let half) = try h.value("predict(load(\"\(path)\"), tiny.test).logits"),
              case .tensor(let full) = try h.value("predict(a, tiny.test).logits") else { return XCTFail() }
        for (x, y) in zip(half.scalars, full.scalars) { XCTAssertEqual(x, y, accuracy: 0.05) }
        // Training a model again continues from its weights and extends its history.
        h.run("train(a, on: tiny.train[0..<100], epochs: 1, batchSize: 50)")
        XCTAssertEqual(h.result("a.history.epochs"), "[1, 2]")
    }

    func testErrorsNameTheBuiltinTheArgumentAndSuggest() throws {
        let h = BindingsHarness()
        let unknown = h.error("train(\"mlp-z\", on: tiny)")
        XCTAssertEqual(unknown?.kind, .value)
        XCTAssertTrue(unknown?.message.hasPrefix("train: unknown architecture 'mlp-z'; did you mean 'mlp-a'?") ?? false, unknown?.message ?? "")
        XCTAssertEqual(unknown?.suggestions.first, "mlp-a")
        // A 40×40 batch for a 28×28 model is a clear error, not a crash.
        let (big, labels) = BindingsHarness.barImages(count: 4, seed: 5, size: 40)
        h.session.define("big", .object(try ImageBatch(tensor: big, labels: labels, origin: "big")))
        h.run("let net = model(\"mlp-a\", untrained: true)")
        for code in ["evaluate(net, on: big)", "predict(net, big)", "train(net, on: big, epochs: 1)", "gradientTimesInput(net, big)"] {
            let error = h.error(code)
            XCTAssertEqual(error?.kind, .value, code)
            XCTAssertTrue(error?.message.contains("40×40") ?? false, error?.message ?? code)
            XCTAssertTrue(error?.message.contains("28×28") ?? false, error?.message ?? code)
        }
        XCTAssertEqual(h.error("evaluate(3, on: tiny)")?.kind, .type)
        XCTAssertTrue(h.error("evaluate(3, on: tiny)")?.message.hasPrefix("evaluate: argument 'model'") ?? false)
        XCTAssertEqual(h.error("train(\"mlp-a\", on: tiny, epochs: 0)")?.kind, .value)
        XCTAssertEqual(h.error("train(\"gan-g\", on: tiny)")?.kind, .value)
        XCTAssertEqual(h.error("load(\"/nonexistent/x.safetensors\")")?.kind, .value)
        XCTAssertTrue(h.error("predict(net, tiny.test.values[0..<2].sum())")?.message.contains("predict") ?? false)
        if let missing = h.error("model(\"cnn-max-b\")") {
            XCTAssertTrue(missing.message.contains("train(\"cnn-max-b\", on: dataset(\"mnist\"))"), missing.message)
            XCTAssertTrue(missing.message.contains("cnn-max-b.safetensors"))
        }
        XCTAssertEqual(h.error("model(\"cnn-max-c\")")?.suggestions.first, "cnn-max-b")
    }

    func testInterruptStopsTrainingKeepsAUsableModelAndSaysSo() throws {
        let session = LanguageSession(registry: .glassbox)
        session.define("tiny", .object(BindingsHarness.tinyDataset()))
        let host = InterruptingHost()
        host.session = session
        let outcome = session.execute("let net = train(\"mlp-a\", on: tiny, epochs: 5, batchSize: 10)\nprint(\"not reached\")", host: host)
        guard case .interrupted = outcome else { return XCTFail("expected an interrupt, got \(outcome)") }
        XCTAssertTrue(host.stderr.contains("train: interrupted in epoch 1 after 1/30 batches"), host.stderr)
        // the progress bar stays, drawn red and interrupted at the count the message names
        let bar = try XCTUnwrap(host.progressUpdates.last)
        XCTAssertTrue(bar.text.hasPrefix("✗ train mlp-a · epoch 1/5 ["), bar.text)
        XCTAssertTrue(bar.text.contains(" 1/30 ") && bar.text.hasSuffix("— interrupted"), bar.text)
        XCTAssertTrue(bar.html?.contains(ProgressView.stoppedColor) ?? false)
        guard case .object(let model as ModelValue)? = session.value(of: "net") else { return XCTFail("net was not kept") }
        XCTAssertEqual(model.handle.interrupted?.batches, 1)
        let recorder = RecordingHost()
        guard case .success(let result?) = session.execute("evaluate(net, on: tiny.test).images", host: recorder) else {
            return XCTFail("the partial model should be usable")
        }
        XCTAssertEqual(result.text, "100")
        guard case .success(let summary?) = session.execute("net.history", host: recorder) else { return XCTFail() }
        XCTAssertTrue(summary.text.contains("interrupted in epoch 1 after 1/30 batches"), summary.text)
    }

    func testZooTableAndTables() throws {
        let h = BindingsHarness()
        guard case .success(let zoo?) = h.run("zoo()") else { return XCTFail() }
        XCTAssertTrue(zoo.text.contains("mlp-a"))
        XCTAssertTrue(zoo.text.contains("454230"))
        XCTAssertEqual(h.result("zoo().count"), "16")
        XCTAssertEqual(h.result("zoo()[\"name\"].first"), "\"mlp-a\"")

        guard case .success(let table?) = h.run("table([\"a\", \"b\"], rows: [[1, 2], [3, 4.5]])") else { return XCTFail() }
        XCTAssertEqual(table.text, "a    b\n-  ---\n1    2\n3  4.5")
        XCTAssertTrue(table.html?.contains("<th style=\"text-align:right") ?? false)
        XCTAssertEqual(h.result("table([\"a\", \"b\"], rows: [[1, 2], [3, 4.5]])[1]"), "[3, 4.5]")
        XCTAssertEqual(h.result("table([\"a\", \"b\"], rows: [[1, 2], [3, 4.5]])[\"b\"]"), "[2, 4.5]")
        XCTAssertEqual(h.result("table([\"a\", \"b\"], rows: [[1, \"x\"]]).b"), "\"x\"")
        XCTAssertEqual(h.error("table([\"a\", \"b\"], rows: [[1]])")?.kind, .value)
        XCTAssertTrue(h.error("table([\"a\", \"b\"], rows: [[1]])")?.message.contains("row 0 has 1 values") ?? false)
        XCTAssertEqual(h.error("table([\"a\"], rows: [[1]])[\"c\"]")?.kind, .index)

        guard case .success(let chart?) = h.run("plot([1, 4, 9], [2, 3, 5], labels: [\"a\", \"b\"], title: \"t\")") else { return XCTFail() }
        let png = try XCTUnwrap(chart.png)
        let image = try RasterImage(pngBytes: png.bytes)
        XCTAssertEqual(image.width, png.width * 2)
        XCTAssertEqual(h.error("plot([1, \"a\"])")?.kind, .type)
        XCTAssertEqual(h.error("plot([1, 2], labels: [\"a\", \"b\"])")?.kind, .value)
        XCTAssertEqual(h.error("plot(model(\"mlp-a\", untrained: true).history)")?.kind, .value)
    }
}
