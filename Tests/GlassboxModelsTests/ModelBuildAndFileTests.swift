import Foundation
import GlassboxEngine
import XCTest
import GlassboxModels

final class ModelBuildAndFileTests: XCTestCase {
    func testEveryZooModelBuildsWithTheReferenceParameterCountAndRuns() throws {
        for entry in ModelZoo.entries {
            let model = try entry.architecture.build(seed: 1)
            let count = model.parameters.reduce(0) { $0 + $1.value.count }
            XCTAssertEqual(count, entry.referenceParameterCount, entry.name)
            XCTAssertEqual(model.parameters.map(\.name), entry.architecture.parameterShapes.map(\.name), entry.name)
            XCTAssertEqual(model.layers.map(\.name), entry.architecture.layers.map(\.name))
            XCTAssertEqual(model.outputShape, try entry.architecture.outputShape(), entry.name)
            let input = Tensor(repeating: 0.5, shape: [2] + entry.architecture.inputShape)
            let output = try model.forward(input)
            XCTAssertEqual(output.shape, [2] + model.outputShape, entry.name)
            XCTAssertTrue(output.scalars.allSatisfy(\.isFinite), entry.name)
        }
    }

    func testBuildIsSeededAndGlorotUniform() throws {
        let architecture = try ModelZoo.entry(named: "mlp-a").architecture
        let a = try architecture.build(seed: 5), b = try architecture.build(seed: 5), c = try architecture.build(seed: 6)
        XCTAssertEqual(a.parameters.map(\.value), b.parameters.map(\.value))
        XCTAssertNotEqual(a.parameters[0].value, c.parameters[0].value)
        let weight = a.parameters[0].value.scalars  // fc1.weight [512, 784]
        let limit = (6.0 / Float(784 + 512)).squareRoot()
        XCTAssertLessThanOrEqual(weight.map(abs).max()!, limit)
        XCTAssertGreaterThan(weight.map(abs).max()!, limit * 0.99)
        XCTAssertEqual(a.parameters[1].value, Tensor(zeros: [512]))  // fc1.bias
    }

    private func temporaryURL(_ name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gb-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory.appendingPathComponent(name)
    }

    func testModelFileRoundTripRebuildsTheSameNetwork() throws {
        let architecture = try ModelZoo.entry(named: "cnn-stride").architecture
        let model = try architecture.build(seed: 3)
        for p in model.parameters where p.name.hasSuffix(".bias") {  // non-zero biases so they are checked too
            p.value = Tensor(shape: p.value.shape, scalars: (0..<p.value.count).map { Float($0 % 7) * 0.01 })
        }
        let info = TrainingInfo(dataset: "mnist", epochs: 2, batchSize: 100, seed: 3, optimizer: "adam",
                                centredBatches: false, trainingImages: 1000, testAccuracy: 0.97)
        let url = try temporaryURL("cnn.safetensors")
        try ModelFile.save(model, architecture: architecture, info: info, to: url)
        let loaded = try ModelFile.load(from: url)
        XCTAssertEqual(loaded.architecture, architecture)
        XCTAssertEqual(loaded.info, info)
        XCTAssertEqual(loaded.model.parameters.map(\.value), model.parameters.map(\.value))
        var rng = SeededRandom(seed: 9)
        let input = Tensor(shape: [3, 1, 28, 28], scalars: (0..<3 * 784).map { _ in rng.nextUniform() })
        XCTAssertEqual(try loaded.model.forward(input), try model.forward(input))

        let halfURL = try temporaryURL("cnn16.safetensors")
        try ModelFile.save(model, architecture: architecture, info: nil, to: halfURL, dtype: .f16)
        let half = try ModelFile.load(from: halfURL)
        XCTAssertNil(half.info)
        let size32 = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
        let size16 = try FileManager.default.attributesOfItem(atPath: halfURL.path)[.size] as! Int
        XCTAssertLessThan(size16, size32 * 6 / 10)
        let (exact, approximate) = (try model.forward(input), try half.model.forward(input))
        for (a, b) in zip(exact.scalars, approximate.scalars) { XCTAssertEqual(a, b, accuracy: 0.01 + abs(a) * 0.01) }
    }

    func testModelFileErrorsNameTheFileAndTensor() throws {
        let architecture = Architecture(name: "tiny", inputShape: [4], layers: [
            .dense(name: "fc1", inputs: 4, outputs: 3, bias: true), .relu(name: "relu1"),
            .dense(name: "logits", inputs: 3, outputs: 2, bias: false),
        ])
        let model = try architecture.build(seed: 1)
        let good = try ModelFile.contents(of: model, architecture: architecture, info: nil)
        XCTAssertNoThrow(try ModelFile.load(good, source: "tiny.safetensors"))

        func expectFailure(_ file: SafetensorsFile, _ fragments: [String], line: UInt = #line) {
            XCTAssertThrowsError(try ModelFile.load(file, source: "tiny.safetensors"), line: line) { error in
                let text = "\(error)"
                for fragment in ["tiny.safetensors"] + fragments {
                    XCTAssertTrue(text.contains(fragment), "'\(text)' should mention '\(fragment)'", line: line)
                }
            }
        }
        var missing = good
        missing.entries.removeAll { $0.name == "fc1.bias" }
        expectFailure(missing, ["fc1.bias", "missing"])
        var reshaped = good
        reshaped.entries[0].tensor = Tensor(zeros: [4, 3])
        expectFailure(reshaped, ["fc1.weight", "[4, 3]", "[3, 4]"])
        var extra = good
        extra.entries.append(.init(name: "logits.bias", tensor: Tensor(zeros: [2])))
        expectFailure(extra, ["logits.bias", "not a parameter"])
        var bare = good
        bare.metadata = [:]
        expectFailure(bare, ["glassbox.architecture"])
        var garbled = good
        garbled.metadata[ModelFile.architectureKey] = "{\"name\": 3}"
        expectFailure(garbled, ["not a valid architecture"])
        var inconsistent = good
        inconsistent.metadata[ModelFile.architectureKey] = try Architecture(name: "x", inputShape: [5], layers: architecture.layers).jsonString()
        inconsistent.metadata[ModelFile.nameKey] = "x"
        expectFailure(inconsistent, ["fc1"])
        XCTAssertThrowsError(try ModelFile.contents(of: model, architecture: try ModelZoo.entry(named: "mlp-a").architecture, info: nil))
    }
}
