import Foundation
import GlassboxEngine
import GlassboxMethods
import XCTest
@testable import GlassboxLanguage

/// A recording host that interrupts the session at the first live display (the prototypes' or the
/// visualisations' images), so an interrupt lands in the middle of a search.
final class LiveInterruptingHost: LanguageHost, @unchecked Sendable {
    weak var session: LanguageSession?
    private let lock = NSLock()
    private(set) var stderr = ""
    private(set) var liveOutputs: [(RichOutput, String)] = []
    var progressDelay: Double { 0 }

    func write(_ text: String, to stream: HostStream) {
        lock.lock(); defer { lock.unlock() }
        if stream == .stderr { stderr += text }
    }

    func display(_ output: RichOutput, displayID: String?) {
        lock.lock(); defer { lock.unlock() }
        if let displayID, displayID.contains("live") {
            liveOutputs.append((output, displayID))
            session?.interrupt()
        }
    }

    func updateDisplay(_ output: RichOutput, displayID: String) {
        lock.lock(); defer { lock.unlock() }
        if displayID.contains("live") { liveOutputs.append((output, displayID)) }
    }

    func requestInput(prompt: String, password: Bool) throws -> String { throw ScriptError(.runtime, "no input") }
}

final class PrototypeBuiltinTests: XCTestCase {
    func testPrototypesUpdateInPlaceUnderOneDisplayID() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\")")
        guard case .success = h.run("let p = classPrototypes(net, means: tiny, steps: 60, reportEvery: 30, liveEvery: 20)") else {
            return XCTFail(h.host.stderr)
        }
        let live = h.host.displays.filter { $0.1?.contains("live") == true }
        XCTAssertEqual(live.count, 1, "one live display")
        let id = try XCTUnwrap(live.first?.1)
        XCTAssertNotNil(live.first?.0.png)
        XCTAssertTrue(live.first?.0.text.hasPrefix("classPrototypes · step 0/60 · cost ") == true, live.first?.0.text ?? "")
        let updates = h.host.updates.filter { $0.1 == id }
        XCTAssertGreaterThanOrEqual(updates.count, 1)
        XCTAssertTrue(updates.allSatisfy { $0.0.png != nil && $0.0.html?.contains("data:image/png;base64,") == true })
        XCTAssertTrue(updates.last?.0.text.hasPrefix("classPrototypes · done: step 60/60 · cost ") == true, updates.last?.0.text ?? "")
        // The progress bar has its own display.
        XCTAssertTrue(h.host.displays.contains { $0.1?.contains("progress") == true })
        XCTAssertEqual(h.result("p.costs.count"), "3")
        XCTAssertEqual(h.result("p.costs[\"step\"]"), "[0, 30, 60]")
        XCTAssertEqual(h.result("p.stoppedAt"), "<none>")
        XCTAssertEqual(h.result("p.labels"), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]")
        // liveEvery: 0 shows no live images.
        let before = h.host.displays.count
        h.run("classPrototypes(net, classes: [1], steps: 5, liveEvery: 0);")
        XCTAssertFalse(h.host.displays.dropFirst(before).contains { $0.1?.contains("live") == true })
        XCTAssertEqual(h.error("classPrototypes(net, steps: 5, liveEvery: -1)")?.message,
                       "classPrototypes: argument 'liveEvery' must be ≥ 0 (0 = no live view), got -1")
    }

    func testAnInterruptKeepsTheBestPrototypesBoundToTheirVariable() throws {
        let session = LanguageSession(registry: .glassbox)
        let host = LiveInterruptingHost()
        host.session = session
        session.define("tiny", .object(BindingsHarness.tinyDataset()))
        guard case .success = session.execute("let net = model(\"mlp-a\")", host: host) else { return XCTFail() }
        let outcome = session.execute("let p = classPrototypes(net, means: tiny, steps: 100000, liveEvery: 10)\nlet after = 1", host: host)
        guard case .interrupted = outcome else { return XCTFail("expected an interrupt, got \(outcome)") }
        XCTAssertNil(session.value(of: "after"))
        guard case .object(let batch as ImageBatch)? = session.value(of: "p") else { return XCTFail("p is not bound") }
        XCTAssertEqual(batch.count, 10)
        XCTAssertEqual(batch.search?.stoppedAt, 1)
        XCTAssertTrue(host.stderr.contains("classPrototypes: interrupted at step 1 of 100000; kept the prototypes of lowest cost so far"),
                      host.stderr)
        // The live display ends on the kept images, saying so.
        XCTAssertTrue(host.liveOutputs.last?.0.text.contains("interrupted at step 1/100000") == true)
        XCTAssertEqual(Set(host.liveOutputs.map(\.1)).count, 1)
    }

    func testPrototypesInTheGeneratorsCodeSpace() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\")\nlet g = model(\"gan-g\")")
        guard case .success = h.run("let p = classPrototypes(net, means: tiny, generator: g, classes: [1, 7], steps: 20, liveEvery: 0)") else {
            return XCTFail(h.host.stderr)
        }
        XCTAssertEqual(h.result("p.codes.shape"), "[2, 100]")
        XCTAssertEqual(h.result("p.labels"), "[1, 7]")
        // The prototypes are the generator's images of the codes, and stay in its [0, 1] range.
        XCTAssertEqual(h.result("generate(g, p.codes) == p"), "true")
        XCTAssertEqual(h.result("p.values.min() >= 0 && p.values.max() <= 1"), "true")
        // The code means are those of the classifier's relu2 (the default code layer).
        XCTAssertEqual(h.result("activations(net, tiny.train, layer: \"relu2\", perClass: true).shape"), "[10, 100]")
        XCTAssertEqual(h.error("classPrototypes(net, means: tiny, generator: g, codeLayer: \"fc1\", steps: 1)")?.message,
                       "classPrototypes: argument 'codeLayer' 'fc1' outputs 512 values but generator 'gan-g' takes codes of 100")
        XCTAssertEqual(h.error("classPrototypes(net, generator: net, steps: 1)")?.message,
                       "classPrototypes: argument 'generator' 'mlp-a' makes [10] but 'mlp-a' takes [1, 28, 28]")
        XCTAssertEqual(h.error("classPrototypes(net, penalty: \"means\", steps: 1)")?.message,
                       "classPrototypes: argument 'penalty' is \"means\" but no means: were given (e.g. means: mnist.train)")
        XCTAssertEqual(h.error("classPrototypes(net, penalty: \"mean\", steps: 1)")?.suggestions, ["means"])
    }

    func testTheFirstOneOneVariantsDifferOnlyInTheirObjective() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\")")
        // CE + λ·½‖P − x̄‖² from zeros: at step 0 the cost is ln 10-ish CE plus the pull to the means.
        h.run("let pulled = classPrototypes(net, means: tiny, steps: 1, liveEvery: 0)")
        h.run("let free = classPrototypes(net, means: tiny, penalty: \"none\", steps: 1, liveEvery: 0)")
        h.run("let origin = classPrototypes(net, score: \"crossEntropy\", penalty: \"origin\", steps: 1, liveEvery: 0)")
        guard case .double(let pulled) = try h.value("pulled.costs[0][1]"), case .double(let free) = try h.value("free.costs[0][1]"),
              case .double(let origin) = try h.value("origin.costs[0][1]") else { return XCTFail() }
        // From zeros the origin penalty is 0, so it starts where the unpenalised search does.
        XCTAssertEqual(origin, free, accuracy: 1e-6)
        guard case .tensor(let means) = try h.value("stack([tiny.train.ofDigit(0).mean, tiny.train.ofDigit(1).mean, tiny.train.ofDigit(2).mean, tiny.train.ofDigit(3).mean, tiny.train.ofDigit(4).mean, tiny.train.ofDigit(5).mean, tiny.train.ofDigit(6).mean, tiny.train.ofDigit(7).mean, tiny.train.ofDigit(8).mean, tiny.train.ofDigit(9).mean]).values") else {
            return XCTFail()
        }
        let pull = 0.1 * 0.5 * means.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }
        XCTAssertEqual(pulled - free, pull, accuracy: 1e-3 * pull)
    }

    func testActivationsAndGenerate() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\")\nlet g = model(\"gan-g\")")
        XCTAssertEqual(h.result("activations(net, tiny.train, layer: \"relu2\", batchSize: 64).shape"), "[300, 100]")
        XCTAssertEqual(h.result("(activations(net, tiny.train[0..<5], layer: \"relu2\") == forward(net, tiny.train[0..<5])[\"relu2\"]).min() == 1"), "true")
        guard case .tensor(let means) = try h.value("activations(net, tiny.train, layer: \"relu2\", perClass: true)"),
              case .tensor(let threes) = try h.value("activations(net, tiny.train.ofDigit(3), layer: \"relu2\")") else { return XCTFail() }
        for j in 0..<100 {
            let mean = (0..<threes.shape[0]).reduce(0.0) { $0 + Double(threes.scalars[$1 * 100 + j]) } / Double(threes.shape[0])
            XCTAssertEqual(Double(means.scalars[3 * 100 + j]), mean, accuracy: 1e-5)
        }
        XCTAssertTrue(h.error("activations(net, tiny.train, layer: \"relu3\")")?.suggestions.contains("relu2") == true)
        XCTAssertEqual(h.error("activations(net, tensor([[1, 2]]), layer: \"relu2\", perClass: true)")?.kind, .value)
        // G(E(x)) of five images: an ImageBatch with their labels.
        XCTAssertEqual(h.result("generate(g, activations(net, tiny.test[0..<5], layer: \"relu2\"), labels: tiny.test[0..<5].labels).count"), "5")
        XCTAssertEqual(h.error("generate(g, zeros([2, 99]))")?.message,
                       "generate: argument 'codes' must hold N codes of [100] (shape [N] + [100]), got [2, 99]")
    }

    func testTrainGANRecordsBothLossesPerEpochAndKeepsThemInItsFile() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\")")
        guard case .success = h.run("let g = trainGAN(net, on: tiny, epochs: 2, batchSize: 50, limit: 100, seed: 3)") else {
            return XCTFail(h.host.stderr)
        }
        XCTAssertEqual(h.result("g.history.count"), "2")
        XCTAssertEqual(h.result("g.history.discriminatorLoss.count"), "2")
        XCTAssertEqual(h.result("g.history.accuracy"), "[nil, nil]")
        XCTAssertEqual(h.result("type(of: plot(g.history))"), "\"Figure\"")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gan-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        h.run("save(g, to: \"\(file)\")")
        XCTAssertEqual(h.result("load(\"\(file)\").history.loss == g.history.loss"), "true")
        XCTAssertTrue(h.result("load(\"\(file)\").history.source").contains("training record"))
        // The same seed trains the same generator.
        h.run("let again = trainGAN(net, on: tiny, epochs: 2, batchSize: 50, limit: 100, seed: 3)")
        XCTAssertEqual(h.result("again.history.loss == g.history.loss"), "true")
        XCTAssertEqual(h.error("trainGAN(net, on: tiny, codeLayer: \"relu9\")")?.suggestions.first, "relu1")
    }
}

final class FeatureBuiltinTests: XCTestCase {
    func testVisualizeChannelsClassesAndDirectionsWithTheirTitles() throws {
        let h = BindingsHarness()
        h.run("let cnn = model(\"cnn-max-nb\")\nlet net = model(\"mlp-a\")")
        guard case .success = h.run("let vis = visualize(cnn, layer: \"conv1\", channel: [0, 5], steps: 12, liveEvery: 4)") else {
            return XCTFail(h.host.stderr)
        }
        guard case .object(let batch as ImageBatch)? = h.session.value(of: "vis") else { return XCTFail() }
        XCTAssertEqual(batch.count, 2)
        XCTAssertEqual(batch.titles, ["conv1 · 0", "conv1 · 5"])
        XCTAssertEqual(h.result("vis.activations.count"), "2")
        XCTAssertEqual(h.result("vis.values.min() >= 0 && vis.values.max() <= 1"), "true")
        XCTAssertTrue(h.host.displays.contains { $0.1?.contains("live") == true })
        XCTAssertTrue(h.host.updates.last { $0.1.contains("live") }?.0.text.hasPrefix("visualize · done: 12 steps") == true)
        // The same seed, the same images.
        XCTAssertEqual(h.result("visualize(cnn, layer: \"conv1\", channel: [0, 5], steps: 12, liveEvery: 0) == vis"), "true")
        guard case .object(let neuron as ImageBatch) = try h.value("visualize(cnn, layer: \"conv1\", channel: 0, neuron: [3, 4], steps: 2, liveEvery: 0)") else {
            return XCTFail()
        }
        XCTAssertEqual(neuron.titles, ["conv1 · 0 @ (3, 4)"])
        guard case .object(let classes as ImageBatch) = try h.value("visualize(net, class: [3, 8], steps: 3, liveEvery: 0, parametrization: \"pixels\")") else {
            return XCTFail()
        }
        XCTAssertEqual(classes.titles, ["class 3", "class 8"])
        guard case .object(let direction as ImageBatch) = try h.value("visualize(net, layer: \"relu2\", direction: zeros([2, 100]) + 0.1, steps: 2, liveEvery: 0)") else {
            return XCTFail()
        }
        XCTAssertEqual(direction.titles, ["relu2 · direction 0", "relu2 · direction 1"])
    }

    func testVisualizeRefusesUnclearRequestsAtTheirArgument() {
        let h = BindingsHarness()
        h.run("let cnn = model(\"cnn-max-nb\")")
        XCTAssertEqual(h.error("visualize(cnn, layer: \"conv1\")")?.message, "visualize: give exactly one of channel:, class: and direction:")
        XCTAssertEqual(h.error("visualize(cnn, layer: \"conv1\", channel: 1, class: 2)")?.message,
                       "visualize: give exactly one of channel:, class: and direction: (got channel: and class:)")
        XCTAssertEqual(h.error("visualize(cnn, channel: 1)")?.message, "visualize: argument 'layer' is needed with channel: (e.g. layer: \"conv2\")")
        XCTAssertEqual(h.error("visualize(cnn, layer: \"conv1\", channel: 32)")?.message,
                       "visualize: argument 'channel' 32 is outside 0..<32 ('conv1' has 32 channels)")
        XCTAssertEqual(h.error("visualize(cnn, layer: \"conv7\", channel: 1)")?.suggestions.first, "conv1")
        XCTAssertEqual(h.error("visualize(cnn, layer: \"fc1\", channel: 1, neuron: [0, 0])")?.message,
                       "visualize: argument 'neuron' needs a layer with positions; 'fc1' outputs [625]")
        XCTAssertEqual(h.error("visualize(cnn, layer: \"conv1\", channel: 1, parametrization: \"fourir\")")?.suggestions, ["fourier"])
        XCTAssertEqual(h.error("visualize(cnn, layer: \"conv1\", direction: [1, 2])")?.message,
                       "visualize: argument 'direction' must have 32 values per direction ('conv1' has 32 channels), got shape [2]")
        XCTAssertEqual(h.error("visualize(cnn, layer: \"conv1\", channel: 1, scale: 1)")?.message, "visualize: argument 'scale' must be in [0, 1)")
    }

    func testDatasetExamplesBesideTheirVisualisations() throws {
        let h = BindingsHarness()
        h.run("let cnn = model(\"cnn-max-nb\")")
        h.run("let vis = visualize(cnn, layer: \"conv1\", channel: [2, 9], steps: 3, liveEvery: 0)")
        guard case .object(let examples as DatasetExamplesValue) = try h.value(
            "datasetExamples(cnn, tiny.train, layer: \"conv1\", channel: [2, 9], count: 3, beside: vis)") else { return XCTFail(h.host.stderr) }
        XCTAssertEqual(examples.images.count, 6)
        XCTAssertEqual(examples.patches.count, 6)
        XCTAssertEqual(examples.patches.height, 3, "conv1's receptive field is 3×3")
        guard case .list(let activations) = try examples.property("activations")!, case .list(let first) = activations[0] else { return XCTFail() }
        let values = first.compactMap(\.numberValue)
        XCTAssertEqual(values, values.sorted(by: >))
        // The ranked value is the channel's mean over positions at the image.
        guard case .list(let indices) = try examples.property("indices")!, case .list(let firstIndices) = indices[0],
              case .int(let best) = firstIndices[0] else { return XCTFail() }
        guard let direct = try h.value("mean(forward(cnn, tiny.train[\(best)])[\"conv1\"][0][2])").numberValue else { return XCTFail() }
        XCTAssertEqual(direct, values[0], accuracy: 1e-5 * max(1, abs(direct)))
        let output = try XCTUnwrap(try examples.richOutput())
        XCTAssertNotNil(output.png)
        XCTAssertEqual(h.error("datasetExamples(cnn, tiny.train, layer: \"conv1\", channel: [2, 9], beside: vis[0])")?.message,
                       "datasetExamples: argument 'beside' has 1 images for 2 channels; give one per channel")
    }

    func testFiltersAreTheFirstConvolutionsWeights() throws {
        let h = BindingsHarness()
        h.run("let cnn = model(\"cnn-max-nb\")\nlet net = model(\"mlp-a\")")
        XCTAssertEqual(h.result("filters(cnn).shape"), "[32, 1, 3, 3]")
        XCTAssertEqual(h.result("(filters(cnn).values == cnn.layer(\"conv1\").weights).min() == 1"), "true")
        XCTAssertEqual(h.result("filters(cnn, layer: \"conv2\", inputChannel: 4).shape"), "[64, 1, 3, 3]")
        XCTAssertEqual(h.error("filters(net)")?.message, "filters: argument 'model' 'mlp-a' has no convolution layer")
        XCTAssertEqual(h.error("filters(cnn, layer: \"pool1\")")?.message, "filters: argument 'layer' 'pool1' is a maxpool layer, not a convolution")
        XCTAssertNotNil(try h.value("filters(cnn)").repr)
        guard case .success(let output) = h.run("filters(cnn)") else { return XCTFail() }
        XCTAssertNotNil(output?.png)
    }

    func testSemanticDictionaryListsTheStrongestChannelsWhereTheLayerFiresMost() throws {
        let h = BindingsHarness()
        h.run("let cnn = model(\"cnn-max-nb\")")
        guard case .object(let dictionary as SemanticDictionaryValue) = try h.value(
            "semanticDictionary(cnn, tiny.test[0], layer: \"conv2\", top: 2, positions: 3, steps: 2)") else { return XCTFail(h.host.stderr) }
        XCTAssertEqual(dictionary.rows.count, 3)
        let table = try dictionary.table()
        XCTAssertEqual(table.rows.count, 6)
        guard case .list(let channels) = try dictionary.property("channels")! else { return XCTFail() }
        XCTAssertLessThanOrEqual(channels.count, 6)
        // Each row's channels are the largest activations at its position, largest first.
        guard case .tensor(let a) = try h.value("forward(cnn, tiny.test[0])[\"conv2\"]") else { return XCTFail() }
        for row in dictionary.rows {
            let p = row.y * 14 + row.x
            let column = (0..<64).map { a.scalars[$0 * 196 + p] }
            XCTAssertEqual(row.channels.map(\.0), Array(column.indices.sorted { column[$0] > column[$1] }.prefix(2)))
        }
        XCTAssertNotNil(try dictionary.richOutput()?.png)
        XCTAssertEqual(h.error("semanticDictionary(cnn, tiny.test[0..<2], layer: \"conv2\")")?.message,
                       "semanticDictionary: argument 'image' must be one image (e.g. mnist.test[0]), got 2")
        XCTAssertEqual(h.error("semanticDictionary(cnn, tiny.test[0], layer: \"fc1\")")?.message,
                       "semanticDictionary: argument 'layer' must have positions (a convolution or pooling layer); 'fc1' outputs [625]")
    }
}
