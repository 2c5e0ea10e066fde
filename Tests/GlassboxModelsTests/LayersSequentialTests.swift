import XCTest
import Foundation
import GlassboxEngine
@testable import GlassboxModels

final class LayersSequentialTests: XCTestCase {
    /// CNN-MAX-B from the model zoo: 1,379,557 parameters, 28 → 14 → 7 → 4, flatten 2048.
    static func cnnMaxB(bias: Bool = true) throws -> Sequential {
        var rng = SeededRandom(seed: 1)
        func conv(_ name: String, _ i: Int, _ o: Int) -> Conv2D {
            Conv2D(name: name, inChannels: i, outChannels: o, kernel: (3, 3), stride: (1, 1), padding: .same, bias: bias, rng: &rng)
        }
        func pool(_ name: String) -> MaxPool2D { MaxPool2D(name: name, window: (2, 2), stride: (2, 2), padding: .same) }
        return try Sequential(layers: [
            conv("conv1", 1, 32), ReLU(name: "relu1"), pool("pool1"),
            conv("conv2", 32, 64), ReLU(name: "relu2"), pool("pool2"),
            conv("conv3", 64, 128), ReLU(name: "relu3"), pool("pool3"),
            Flatten(name: "flatten"), Dense(name: "fc1", inputs: 2048, outputs: 625, bias: bias, rng: &rng),
            ReLU(name: "relu4"), Dense(name: "logits", inputs: 625, outputs: 10, bias: bias, rng: &rng),
        ], inputShape: [1, 28, 28])
    }

    func testZooShapesAndParameterCounts() throws {
        let model = try Self.cnnMaxB()
        XCTAssertEqual(model.parameters.map(\.value.count).reduce(0, +), 1_379_557)
        XCTAssertEqual(model.parameterCount, 1_379_557)
        let summary = model.summary.split(separator: "\n")
        XCTAssertEqual(summary.count, 2 + 13 + 1)
        XCTAssertEqual(summary[2].split(separator: " ", omittingEmptySubsequences: true),
                       ["conv1", "conv2d", "[32,", "28,", "28]", "320"])
        XCTAssertEqual(summary.last, "total parameters: 1379557")
        XCTAssertEqual(try Self.cnnMaxB(bias: false).parameters.map(\.value.count).reduce(0, +), 1_378_698)
        XCTAssertEqual(model.layerOutputShapes[2], [32, 14, 14])
        XCTAssertEqual(model.layerOutputShapes[5], [64, 7, 7])
        XCTAssertEqual(model.layerOutputShapes[8], [128, 4, 4])
        XCTAssertEqual(model.layerOutputShapes[9], [2048])
        XCTAssertEqual(model.parameters.map(\.name).prefix(3), ["conv1.weight", "conv1.bias", "conv2.weight"])
        XCTAssertEqual(model.parameters[0].value.shape, [32, 1, 3, 3])
        XCTAssertEqual(model.parameters[6].value.shape, [625, 2048])

        var rng = SeededRandom(seed: 2)
        let stride = try Sequential(layers: [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 32, kernel: (4, 4), stride: (2, 2), padding: .same, bias: true, rng: &rng),
            ReLU(name: "relu1"),
            Conv2D(name: "conv2", inChannels: 32, outChannels: 64, kernel: (4, 4), stride: (2, 2), padding: .same, bias: true, rng: &rng),
            ReLU(name: "relu2"), Dropout(name: "drop1", rate: 0.25), Flatten(name: "flatten"),
            Dense(name: "fc1", inputs: 3136, outputs: 128, bias: true, rng: &rng), ReLU(name: "relu3"),
            Dropout(name: "drop2", rate: 0.5), Dense(name: "logits", inputs: 128, outputs: 10, bias: true, rng: &rng),
        ], inputShape: [1, 28, 28])
        XCTAssertEqual(stride.parameters.map(\.value.count).reduce(0, +), 436_202)
        XCTAssertEqual(stride.layerOutputShapes[0], [32, 14, 14])
        XCTAssertEqual(stride.layerOutputShapes[2], [64, 7, 7])

        let allConvSpec: [(Int, Int, Int, Int)] = [(1, 32, 3, 1), (32, 32, 2, 2), (32, 64, 3, 1), (64, 64, 2, 2),
                                                   (64, 128, 3, 1), (128, 128, 1, 1), (128, 10, 1, 1)]
        var allConvLayers: [any Layer] = []
        for (i, (cin, cout, k, s)) in allConvSpec.enumerated() {
            allConvLayers.append(Conv2D(name: "conv\(i + 1)", inChannels: cin, outChannels: cout, kernel: (k, k),
                                        stride: (s, s), padding: .same, bias: true, rng: &rng))
            allConvLayers.append(ReLU(name: "relu\(i + 1)"))
        }
        allConvLayers.append(GlobalAvgPool2D(name: "gap"))
        let allConv = try Sequential(layers: allConvLayers, inputShape: [1, 28, 28])
        XCTAssertEqual(allConv.parameters.map(\.value.count).reduce(0, +), 131_050)
        XCTAssertEqual(allConv.outputShape, [10])
    }

    func testShapeErrorsNameTheLayerAndBothShapes() throws {
        var rng = SeededRandom(seed: 3)
        XCTAssertThrowsError(try Sequential(layers: [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 4, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            Flatten(name: "flatten"),
            Dense(name: "fc1", inputs: 100, outputs: 10, bias: true, rng: &rng),
        ], inputShape: [1, 28, 28])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("fc1") && text.contains("[1, 3136]") && text.contains("100"), text)
        }
        XCTAssertThrowsError(try Sequential(layers: [
            Conv2D(name: "conv1", inChannels: 3, outChannels: 4, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
        ], inputShape: [1, 28, 28])) { XCTAssertTrue("\($0)".contains("conv1"), "\($0)") }
        XCTAssertThrowsError(try Sequential(layers: [
            MaxPool2D(name: "pool", window: (5, 5), stride: (1, 1), padding: .valid),
        ], inputShape: [1, 3, 3])) { XCTAssertTrue("\($0)".contains("pool"), "\($0)") }
        XCTAssertThrowsError(try Sequential(layers: [ReLU(name: "a"), ReLU(name: "a")], inputShape: [3])) {
            XCTAssertEqual($0 as? LayerError, .duplicateLayerName("a"))
        }
        let model = try Sequential(layers: [Dense(name: "fc", inputs: 4, outputs: 2, bias: true, rng: &rng)], inputShape: [4])
        XCTAssertThrowsError(try model.forward(Tensor(zeros: [2, 5]))) {
            XCTAssertTrue("\($0)".contains("[2, 5]") && "\($0)".contains("[4]"), "\($0)")
        }
        // A parameter replaced with the wrong shape (e.g. a bad file) is reported, not a crash.
        (model.layer(named: "fc") as! Dense).weight.value = Tensor(zeros: [3, 4])
        XCTAssertThrowsError(try model.forward(Tensor(zeros: [1, 4]))) {
            XCTAssertTrue("\($0)".contains("fc") && "\($0)".contains("[3, 4]"), "\($0)")
        }
        XCTAssertNil(model.layer(named: "nope"))
    }

    func testBadLayerSettingsThrowInsteadOfTrapping() {
        var rng = SeededRandom(seed: 4)
        let bad: [any Layer] = [
            Dense(name: "fc0", inputs: 4, outputs: 0, bias: true, rng: &rng),
            Dense(name: "fcneg", inputs: -3, outputs: 2, bias: true, rng: &rng),
            Conv2D(name: "conv0", inChannels: 1, outChannels: -1, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            Conv2D(name: "convk", inChannels: 1, outChannels: 2, kernel: (0, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            Conv2D(name: "convs", inChannels: 1, outChannels: 2, kernel: (3, 3), stride: (1, 0), padding: .same, bias: true, rng: &rng),
            MaxPool2D(name: "pool0", window: (0, 2), stride: (2, 2), padding: .same),
            AvgPool2D(name: "avgs", window: (2, 2), stride: (-1, 2), padding: .same),
            Dropout(name: "drop1", rate: 1),
            Reshape(name: "reshape0", shape: [0, 4]),
        ]
        for layer in bad {
            let input: [Int] = layer is Dense ? [4] : (layer is Reshape ? [4] : [1, 6, 6])
            XCTAssertThrowsError(try Sequential(layers: [layer], inputShape: input)) { error in
                XCTAssertTrue("\(error)".contains(layer.name), "\(error)")
            }
        }
    }

    func testDropoutOnlyWhenTrainingAndSeeded() throws {
        let model = try Sequential(layers: [Dropout(name: "drop", rate: 0.5)], inputShape: [1000])
        let x = Tensor(repeating: 1, shape: [1, 1000])
        XCTAssertEqual(try model.forward(x), x)
        var a = SeededRandom(seed: 5)
        var b = SeededRandom(seed: 5)
        let ya = try model.forward(x, training: true, rng: &a)
        let yb = try model.forward(x, training: true, rng: &b)
        XCTAssertEqual(ya, yb)
        XCTAssertTrue(ya.scalars.allSatisfy { $0 == 0 || $0 == 2 })
        let yc = try model.forward(x, training: true, rng: &a)  // generator advanced: another mask
        XCTAssertNotEqual(ya, yc)
        let record = try model.forwardRecording(x, training: true)
        XCTAssertNotNil(record.steps[0].auxiliary)
        let dx = try model.backward(record, outputGradient: Tensor(repeating: 1, shape: [1, 1000]))
        XCTAssertEqual(dx, record.output)  // mask ⊙ 1 equals mask ⊙ x for x = 1
    }

    /// Batch-100 forward + backward of CNN-MAX-B; printed, with a loose bound for debug builds.
    func testReferenceCNNBatchSpeed() throws {
        let model = try Self.cnnMaxB()
        let x = layerTestTensor([100, 1, 28, 28], seed: 9, low: 0, high: 1)
        let start = Date()
        let record = try model.forwardRecording(x, training: true)
        _ = try model.backward(record, outputGradient: layerTestTensor([100, 10], seed: 10))
        let seconds = Date().timeIntervalSince(start)
        print("CNN-MAX-B batch 100 forward+backward: \(String(format: "%.3f", seconds)) s")
        XCTAssertLessThan(seconds, 20)
    }
}
