import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxFigures
import XCTest
@testable import GlassboxLanguage

/// Datasets and image batches through the language.
final class BindingsDataTests: XCTestCase {
    func testSplitsSelectionsAndMeanImage() throws {
        let h = BindingsHarness()
        XCTAssertEqual(h.result("tiny.train.count"), "300")
        XCTAssertEqual(h.result("tiny.test.count"), "100")
        XCTAssertEqual(h.result("type(of: tiny.train)"), "\"ImageBatch\"")
        XCTAssertEqual(h.result("tiny.train.perDigit(index: 2).labels"), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]")
        // perDigit(index: 2) of class 3 is the third training image labelled 3.
        let (_, labels) = BindingsHarness.barImages(count: 300, seed: 1)
        let third = labels.indices.filter { labels[$0] == 3 }[2]
        let picked = try h.value("tiny.train.perDigit(index: 2)[3].values")
        let direct = try h.value("tiny.train[\(third)].values")
        XCTAssertEqual(picked, direct)
        XCTAssertEqual(h.result("tiny.train[0..<4].count"), "4")
        XCTAssertEqual(h.result("tiny.test.ofDigit(7).count"), String(BindingsHarness.barImages(count: 100, seed: 3).1.filter { $0 == 7 }.count))
        XCTAssertEqual(h.result("tiny.train.ofDigit(7).labels.first"), "7")
        // The mean image, by hand.
        guard case .tensor(let mean) = try h.value("tiny.train[0..<3].mean.values") else { return XCTFail() }
        let (images, _) = BindingsHarness.barImages(count: 3, seed: 1)
        XCTAssertEqual(mean.shape, [1, 1, 28, 28])
        for i in [0, 100, 200, 400, 783] {
            let expected = (images.scalars[i] + images.scalars[784 + i] + images.scalars[1568 + i]) / 3
            XCTAssertEqual(mean.scalars[i], expected, accuracy: 1e-6)
        }
        // Errors name the index and the valid range.
        XCTAssertEqual(h.error("tiny.test[100]")?.kind, .index)
        XCTAssertTrue(h.error("tiny.test[100]")?.message.contains("0...99") ?? false)
        XCTAssertEqual(h.error("tiny.test[-1]")?.kind, .index)
        XCTAssertTrue(h.error("tiny.train.perDigit(index: 500)")?.message.contains("perDigit") ?? false)
        // Loops visit every image.
        XCTAssertEqual(h.result("var n = 0\nfor x in tiny.test[0..<5] { n += x.count }\nn"), "5")
    }

    func testImageBatchArithmeticRule() throws {
        let (images, labels) = BindingsHarness.barImages(count: 2, seed: 4)
        let batch = try ImageBatch(tensor: images, labels: labels, origin: "t")
        guard case .object(let doubled as ImageBatch)? = try batch.arithmetic("*", .int(2), reversed: false) else { return XCTFail() }
        XCTAssertEqual(doubled.images.scalars[5], images.scalars[5] * 2)
        XCTAssertEqual(doubled.labels, labels)
        guard case .object(let difference as ImageBatch)? = try batch.arithmetic("-", .object(batch), reversed: false) else { return XCTFail() }
        XCTAssertTrue(difference.images.scalars.allSatisfy { $0 == 0 })
        // One image against the batch is repeated: x - mean.
        let mean = try images.mean(alongAxis: 0)
        guard case .object(let centred as ImageBatch)? = try batch.arithmetic("-", .tensor(mean), reversed: false) else { return XCTFail() }
        XCTAssertEqual(centred.images.scalars[784 + 10], images.scalars[784 + 10] - mean.scalars[10], accuracy: 1e-6)
        guard case .object(let reversed as ImageBatch)? = try batch.arithmetic("-", .double(1), reversed: true) else { return XCTFail() }
        XCTAssertEqual(reversed.images.scalars[3], 1 - images.scalars[3])
        XCTAssertThrowsError(try batch.arithmetic("+", .tensor(Tensor(zeros: [3, 5])), reversed: false))
    }

    func testArithmeticOnBatchesInCells() throws {
        let h = BindingsHarness()
        // Operators in a cell reach the batch's element-wise rule, on either side.
        guard case .tensor(let doubled) = try h.value("(tiny.test[0..<2] * 2).values"),
              case .tensor(let original) = try h.value("tiny.test[0..<2].values") else { return XCTFail() }
        XCTAssertEqual(doubled.scalars, original.scalars.map { $0 * 2 })
        guard case .tensor(let flipped) = try h.value("(1 - tiny.test[0..<2]).values") else { return XCTFail() }
        XCTAssertEqual(flipped.scalars, original.scalars.map { 1 - $0 })
        XCTAssertEqual(h.result("(tiny.test[0..<3] - tiny.test[0..<3]).values.sum()"),
                       h.result("tiny.test[0..<3].values.sum() * 0"))
        XCTAssertEqual(h.result("(tiny.test[0..<2] - tiny.test.mean).labels"), h.result("tiny.test[0..<2].labels"))
        // A mismatch is an error that points at the operator's place in the cell.
        let error = h.error("let a = tiny.test[0..<2]\nlet b = a + tensor([1, 2, 3])")
        XCTAssertNotNil(error)
        XCTAssertEqual(error?.range?.start.line, 2)
    }

    func testShowDrawsADigitGridWhosePixelsAreTheImages() throws {
        let h = BindingsHarness()
        guard case .success(nil) = h.run("let xs = tiny.train.perDigit(index: 0)\nshow(xs)") else { return XCTFail("show failed") }
        XCTAssertEqual(h.host.displays.count, 1)
        let png = try XCTUnwrap(h.host.displays[0].0.png)
        let image = try RasterImage(pngBytes: png.bytes)
        // The same grid the binding draws: 5×2, "Digit: d" titles.
        guard case .object(let xs as ImageBatch)? = h.session.value(of: "xs") else { return XCTFail() }
        let figure = try ImageGridRendering.figure(for: xs, overlay: nil, options: ImageGridOptions(), function: "show")
        XCTAssertEqual(figure.rows, 5)
        XCTAssertEqual(figure.columns, 2)
        XCTAssertEqual(figure.panel(row: 1, column: 1)?.title, "Digit: 3")
        XCTAssertEqual(image.width, Int((figure.width * 2).rounded(.up)))
        XCTAssertEqual(png.width, Int(figure.width.rounded()))
        // Digit 3's bar is on rows 10 and 11: white there, near black on row 20.
        let r = figure.imageRect(row: 1, column: 1)
        let scale = r.width / 28
        func pixel(_ row: Double, _ column: Double) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
            image.pixel(Int((r.x + (column + 0.5) * scale) * 2), Int((r.y + (row + 0.5) * scale) * 2))
        }
        XCTAssertGreaterThan(pixel(10, 14).r, 240)
        XCTAssertGreaterThan(pixel(11, 20).g, 240)
        XCTAssertLessThan(pixel(20, 14).r, 60)
        // As a cell result the batch displays as the same kind of PNG, with its description as text.
        guard case .success(let output?) = h.run("xs") else { return XCTFail() }
        XCTAssertNotNil(output.png)
        XCTAssertTrue(output.text.hasPrefix("ImageBatch: 10 images of 28×28"))
        // Large batches show a summary only.
        guard case .success(let large?) = h.run("tiny.train") else { return XCTFail() }
        XCTAssertNil(large.png)
        XCTAssertTrue(large.text.contains("too many to draw"))
    }

    func testTitlePlaceholders() throws {
        var options = ImageGridOptions()
        options.titles = "#{index}: {label} → {prediction}"
        options.predictions = [7, 1]
        XCTAssertEqual(try options.title(index: 1, label: 4, function: "show"), "#1: 4 → 1")
        options.titles = "{lable}"
        XCTAssertThrowsError(try options.title(index: 0, label: 1, function: "show")) { error in
            let e = error as? ScriptError
            XCTAssertEqual(e?.suggestions, ["{label}"])
            XCTAssertTrue(e?.message.contains("unknown placeholder {lable}") ?? false)
        }
        options.titles = "{label"
        XCTAssertThrowsError(try options.title(index: 0, label: 1, function: "show"))
        options.titles = nil
        XCTAssertEqual(try options.title(index: 0, label: 5, function: "show"), "Digit: 5")
        XCTAssertNil(try options.title(index: 0, label: nil, function: "show"))
        options.titles = "{prediction}"
        options.predictions = nil
        XCTAssertThrowsError(try options.title(index: 0, label: 1, function: "show"))

        let h = BindingsHarness()
        h.run("let xs = tiny.test[0..<4]")
        guard case .success = h.run("show(xs, titles: \"img {index} is {label}\", columns: 4)") else { return XCTFail() }
        let error = h.error("show(xs, titles: \"{lable}\")")
        XCTAssertEqual(error?.kind, .value)
        XCTAssertEqual(error?.suggestions, ["{label}"])
        XCTAssertEqual(h.error("show(xs, cmap: \"virdis\")")?.suggestions.first, "viridis")
        XCTAssertEqual(h.error("show(xs, range: [1, 0])")?.kind, .value)
        XCTAssertEqual(h.error("show(xs, alpha: 2.0)")?.kind, .value)
        XCTAssertEqual(h.error("show(3, cmap: \"bwr\")")?.kind, .type)
        // Plain values still display as before.
        guard case .success = h.run("show(42)") else { return XCTFail() }
        XCTAssertEqual(h.host.displays.last?.0.text, "42")
    }

    func testHeatmapOverImagesUsesASymmetricBwrRange() throws {
        let h = BindingsHarness()
        h.run("let xs = tiny.test[0..<2]")
        // A signed map: -1 on the left half, +1 on the right half.
        var values = [Float](repeating: 0, count: 2 * 784)
        for n in 0..<2 { for row in 0..<28 { for column in 0..<28 { values[n * 784 + row * 28 + column] = column < 14 ? -1 : 1 } } }
        h.session.define("heat", .tensor(Tensor(shape: [2, 1, 28, 28], scalars: values)))
        guard case .success = h.run("show(heat, over: xs, alpha: 1.0, titles: \"\")") else { return XCTFail() }
        let png = try XCTUnwrap(h.host.displays.last?.0.png)
        let image = try RasterImage(pngBytes: png.bytes)
        guard case .object(let xs as ImageBatch)? = h.session.value(of: "xs") else { return XCTFail() }
        var options = ImageGridOptions()
        options.alpha = 1
        options.titles = ""
        options.colorbar = true
        let maps = try ImageBatch(tensor: Tensor(shape: [2, 1, 28, 28], scalars: values), labels: nil, origin: "heat")
        let figure = try ImageGridRendering.figure(for: xs, overlay: maps, options: options, function: "show")
        XCTAssertEqual(figure.panel(row: 0, column: 0)?.overlay?.colormap.name, "bwr")
        XCTAssertEqual(figure.panel(row: 0, column: 0)?.overlay?.resolvedRange, -1...1)
        let r = figure.imageRect(row: 0, column: 0)
        let left = image.pixel(Int((r.x + 5) * 2), Int((r.y + r.height / 2) * 2))
        let right = image.pixel(Int((r.x + r.width - 5) * 2), Int((r.y + r.height / 2) * 2))
        XCTAssertGreaterThan(left.b, 200); XCTAssertLessThan(left.r, 60)
        XCTAssertGreaterThan(right.r, 200); XCTAssertLessThan(right.b, 60)
    }

    func testMissingDataNamesEveryPlaceLooked() throws {
        // Hide the places MNIST may really be (the test runner exports $GLASSBOX_DATA) for this test.
        let saved = ["GLASSBOX_DATA", "XDG_CACHE_HOME"].map { ($0, ProcessInfo.processInfo.environment[$0]) }
        defer { for (name, value) in saved { if let value { setenv(name, value, 1) } else { unsetenv(name) } } }
        unsetenv("GLASSBOX_DATA")
        setenv("XDG_CACHE_HOME", FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-empty-cache-\(UUID().uuidString)").path, 1)
        let h = BindingsHarness(defineTiny: false)
        let error = try XCTUnwrap(h.error("dataset(\"mnist\", path: \"/nonexistent/glassbox-data\", download: false)"))
        XCTAssertTrue(error.message.hasPrefix("dataset: MNIST data not found"), error.message)
        XCTAssertTrue(error.message.contains("/nonexistent/glassbox-data"))
        XCTAssertTrue(error.message.contains("Downloading is disabled"))
        let unknown = h.error("dataset(\"mnsit\")")
        XCTAssertEqual(unknown?.suggestions, ["mnist"])
    }

    func testRealMNISTWhenPresent() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/mnist")
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("train-images-idx3-ubyte.gz").path) else {
            throw XCTSkip("no MNIST at \(directory.path)")
        }
        let h = BindingsHarness(defineTiny: false)
        guard case .success = h.run("let mnist = dataset(\"mnist\", path: \"\(directory.path)\", download: false)") else {
            return XCTFail(h.result("mnist"))
        }
        XCTAssertEqual(h.result("[mnist.train.count, mnist.validation.count, mnist.test.count]"), "[55000, 5000, 10000]")
        XCTAssertEqual(h.result("mnist.train.perDigit(index: 3).labels"), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]")
        XCTAssertEqual(h.result("mnist.train.height"), "28")
        guard case .success(let table?) = h.run("mnist") else { return XCTFail() }
        XCTAssertTrue(table.html?.contains("55000") ?? false)
        // Cluttered MNIST (chapter 4): 40×40 canvases, and a 28×28 model refuses them with a clear error.
        guard case .success = h.run("let cluttered = dataset(\"cluttered-mnist\", path: \"\(directory.path)\", download: false, seed: 1)") else {
            return XCTFail(h.result("cluttered"))
        }
        XCTAssertEqual(h.result("[cluttered.train.count, cluttered.validation.count, cluttered.test.count, cluttered.height]"),
                       "[10000, 1000, 1000, 40]")
        let error = h.error("train(\"mlp-a\", on: cluttered, epochs: 1)")
        XCTAssertEqual(error?.message, "train: argument 'on' has 40×40 images but model 'mlp-a' takes 28×28 images")
        XCTAssertEqual(h.result("model(\"clut-gap\", untrained: true).inputShape"), "[1, 40, 40]")
        // Generated images know their digit boxes, through selections too.
        XCTAssertEqual(h.result("cluttered.train.boxes.count"), "10000")
        XCTAssertEqual(h.result("cluttered.train.perDigit(index: 1).boxes.count"), "10")
        guard case .list(let boxes) = try h.value("cluttered.test[0..<50].boxes"),
              case .list(let inks) = try h.value("cluttered.test[0..<50].inkBoxes") else { return XCTFail() }
        for (box, ink) in zip(boxes, inks) {
            guard case .list(let b) = box, case .list(let i) = ink, b.count == 4, i.count == 4,
                  case .int(let top) = b[0], case .int(let left) = b[1], case .int(let height) = b[2],
                  case .int(let inkTop) = i[0], case .int(let inkLeft) = i[1] else { return XCTFail("\(box) \(ink)") }
            XCTAssertEqual(height, 28)
            XCTAssertTrue((0...12).contains(top) && (0..<12).contains(left), "\(box)")
            XCTAssertTrue(inkTop >= top && inkLeft >= left, "\(ink) inside \(box)")
        }
        XCTAssertEqual(h.result("predict(model(\"clut-gap\", untrained: true), cluttered.test[0..<3]).count"), "3")
    }

    func testClutteredMNISTFromANpzFile() throws {
        // A small file in the reference's layout, written by GlassboxData's NumPy writer.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-npz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("clutter.npz")
        var arrays: [(name: String, array: NumpyArray)] = []
        for (split, count) in [("train", 4), ("valid", 2), ("test", 3)] {
            arrays.append(("X_\(split)", try NumpyArray(shape: [count, 1600], values: .float32([Float](repeating: 0.25, count: count * 1600)))))
            arrays.append(("y_\(split)", try NumpyArray(shape: [count, 1], values: .int32((0..<count).map { Int32($0 + 1) }))))
        }
        try NumpyArchive.write(arrays, to: url, compressed: true)
        let h = BindingsHarness(defineTiny: false)
        guard case .success = h.run("let c = dataset(\"cluttered-mnist\", path: \"\(url.path)\")") else { return XCTFail(h.result("c")) }
        XCTAssertEqual(h.result("[c.train.count, c.validation.count, c.test.count, c.height, c.width]"), "[4, 2, 3, 40, 40]")
        XCTAssertEqual(h.result("c.test.labels"), "[1, 2, 3]")
        XCTAssertEqual(try h.value("c.train.boxes"), .nil)
        XCTAssertTrue(h.result("c").contains("read from \(url.path)"), h.result("c"))
        let missing = h.error("dataset(\"cluttered-mnist\", path: \"/nonexistent/x.npz\")")
        XCTAssertEqual(missing?.message, "dataset: cannot read /nonexistent/x.npz: no such file")
        XCTAssertTrue(h.error("dataset(\"mnist\", path: \"\(url.path)\")")?.message.contains("cluttered-mnist") ?? false)
    }

    func testShowOptionsForBatchesAndExplanations() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true)\nlet xs = tiny.test[0..<3]\nlet p = predict(net, xs)\nlet e = saliency(net, xs)")
        for code in ["show(xs, titles: \"{label} → {prediction}\", predictions: p)", "show(xs, titles: \"{prediction}\", predictions: [1, 2, 3])",
                     "show(e, over: xs)", "show(e, cmap: \"hot\", range: [0, 1], colorbar: false, ticks: true)",
                     "show(e.values, over: xs, range: \"mixed\")", "show(xs, cmap: \"viridis\", range: \"auto\", columns: 1)"] {
            let before = h.host.displays.count
            guard case .success = h.run(code) else { return XCTFail("\(code): \(h.result(code))") }
            XCTAssertEqual(h.host.displays.count, before + 1, code)
            XCTAssertNotNil(h.host.displays.last?.0.png, code)
        }
        XCTAssertEqual(h.error("show(xs, titles: \"{prediction}\")")?.kind, .value)
        XCTAssertEqual(h.error("show(xs, over: tiny.test[0..<2])")?.kind, .value)
        XCTAssertEqual(h.error("show(tiny.train)")?.kind, .value)
        XCTAssertTrue(h.error("show(tiny.train)")?.message.contains("at most 100") ?? false)
    }
}
