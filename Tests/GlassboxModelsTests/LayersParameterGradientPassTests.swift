import XCTest
import GlassboxEngine
@testable import GlassboxModels

/// `Sequential.accumulateParameterGradients` (training's pass, which skips the input gradient of
/// the lowest layer with parameters) must add exactly what the full backward walk adds.
final class LayersParameterGradientPassTests: XCTestCase {
    func smallCNN(bias: Bool) throws -> Sequential {
        var rng = SeededRandom(seed: 11)
        return try Sequential(layers: [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 4, kernel: (3, 3), stride: (1, 1), padding: .same, bias: bias, rng: &rng),
            ReLU(name: "relu1"), MaxPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same),
            Conv2D(name: "conv2", inChannels: 4, outChannels: 6, kernel: (4, 4), stride: (2, 2), padding: .same, bias: bias, rng: &rng),
            ReLU(name: "relu2"), Dropout(name: "dropout", rate: 0.3), Flatten(name: "flatten"),
            Dense(name: "fc1", inputs: 6 * 2 * 2, outputs: 7, bias: bias, rng: &rng), ReLU(name: "relu3"),
            Dense(name: "logits", inputs: 7, outputs: 3, bias: bias, rng: &rng),
        ], inputShape: [1, 7, 7])
    }

    func mlp() throws -> Sequential {
        var rng = SeededRandom(seed: 12)
        return try Sequential(layers: [
            Flatten(name: "flatten"), Dense(name: "fc1", inputs: 25, outputs: 9, bias: true, rng: &rng), ReLU(name: "relu1"),
            Dense(name: "logits", inputs: 9, outputs: 4, bias: true, rng: &rng),
        ], inputShape: [1, 5, 5])
    }

    func compare(_ model: Sequential, input: Tensor, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SeededRandom(seed: 5)
        let record = try model.forwardRecording(input, training: true, rng: &rng)
        let seed = layerTestTensor(record.output.shape, seed: 6)
        // Start from non-zero gradients so that accumulation (not overwrite) is checked too.
        for (i, p) in model.parameters.enumerated() { p.gradient = layerTestTensor(p.value.shape, seed: UInt64(100 + i)) }
        let start = model.parameters.map(\.gradient)
        _ = try model.backward(record, outputGradient: seed)
        let full = model.parameters.map(\.gradient)
        for (p, g) in zip(model.parameters, start) { p.gradient = g }
        try model.accumulateParameterGradients(record, outputGradient: seed)
        for (p, expected) in zip(model.parameters, full) {
            XCTAssertEqual(p.gradient.shape, expected.shape, p.name, file: file, line: line)
            for (a, b) in zip(p.gradient.scalars, expected.scalars) where abs(a - b) > 1e-5 * max(1, abs(b)) {
                XCTFail("\(p.name): \(a) vs \(b)", file: file, line: line)
                break
            }
        }
        XCTAssertNotEqual(full.map(\.scalars), start.map(\.scalars), "the pass changed nothing", file: file, line: line)
    }

    func testCNNWithAndWithoutBiasMatchesFullBackward() throws {
        for bias in [true, false] {
            try compare(try smallCNN(bias: bias), input: layerTestTensor([3, 1, 7, 7], seed: 1))
        }
    }

    func testMLPMatchesFullBackward() throws {
        try compare(try mlp(), input: layerTestTensor([4, 1, 5, 5], seed: 2))
    }

    func testRejectsForeignRecordAndBadSeed() throws {
        let a = try mlp(), b = try mlp()
        let record = try a.forwardRecording(layerTestTensor([2, 1, 5, 5], seed: 3), training: false)
        XCTAssertThrowsError(try b.accumulateParameterGradients(record, outputGradient: Tensor(zeros: [2, 4])))
        XCTAssertThrowsError(try a.accumulateParameterGradients(record, outputGradient: Tensor(zeros: [2, 5])))
        XCTAssertNoThrow(try a.accumulateParameterGradients(record, outputGradient: Tensor(zeros: [2, 4])))
    }
}
