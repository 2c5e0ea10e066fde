import XCTest
import GlassboxEngine
@testable import GlassboxModels

/// Finite-difference checks of every layer's backward pass, for inputs and parameters.
final class LayersGradientTests: XCTestCase {
    func testDense() throws {
        var rng = SeededRandom(seed: 1)
        let withBias = Dense(name: "fc", inputs: 7, outputs: 5, bias: true, rng: &rng)
        withBias.bias!.value = layerTestTensor([5], seed: 3)
        try checkLayerGradients(withBias, input: layerTestTensor([3, 7], seed: 2))
        let noBias = Dense(name: "fc_nb", inputs: 4, outputs: 6, bias: false, rng: &rng)
        XCTAssertEqual(noBias.parameters.count, 1)
        try checkLayerGradients(noBias, input: layerTestTensor([2, 4], seed: 4))
    }

    func testConv2DAllKernelsStridesAndPaddings() throws {
        var rng = SeededRandom(seed: 5)
        var seed: UInt64 = 100
        for k in 1...5 {
            for s in 1...2 {
                for padding in Padding.allCases {
                    seed += 1
                    let conv = Conv2D(name: "conv_k\(k)_s\(s)_\(padding)", inChannels: 2, outChannels: 3, kernel: (k, k),
                                      stride: (s, s), padding: padding, bias: true, rng: &rng)
                    conv.bias!.value = layerTestTensor([3], seed: seed + 50)
                    try checkLayerGradients(conv, input: layerTestTensor([2, 2, 7, 6], seed: seed))
                }
            }
        }
        let rect = Conv2D(name: "conv_rect", inChannels: 1, outChannels: 2, kernel: (4, 2), stride: (2, 1),
                          padding: .same, bias: false, rng: &rng)
        try checkLayerGradients(rect, input: layerTestTensor([1, 1, 8, 5], seed: 7))
    }

    func testMaxPool() throws {
        for padding in Padding.allCases {
            try checkLayerGradients(MaxPool2D(name: "pool_\(padding)", window: (2, 2), stride: (2, 2), padding: padding),
                                    input: distinctTensor([2, 2, 7, 7], seed: 8))
            try checkLayerGradients(MaxPool2D(name: "pool3_\(padding)", window: (3, 3), stride: (2, 2), padding: padding),
                                    input: distinctTensor([1, 2, 6, 5], seed: 9))
        }
    }

    func testAvgPoolIncludingSevenToFour() throws {
        let pool = AvgPool2D(name: "avg", window: (2, 2), stride: (2, 2), padding: .same)
        XCTAssertEqual(try pool.outputShape(for: [2, 3, 7, 7]), [2, 3, 4, 4])
        try checkLayerGradients(pool, input: layerTestTensor([2, 3, 7, 7], seed: 10))
        try checkLayerGradients(AvgPool2D(name: "avg_valid", window: (3, 2), stride: (1, 2), padding: .valid),
                                input: layerTestTensor([1, 2, 6, 7], seed: 11))
        try checkLayerGradients(AvgPool2D(name: "avg10", window: (10, 10), stride: (10, 10), padding: .valid),
                                input: layerTestTensor([1, 2, 10, 10], seed: 12))
    }

    func testGlobalAvgPool() throws {
        try checkLayerGradients(GlobalAvgPool2D(name: "gap"), input: layerTestTensor([2, 3, 7, 7], seed: 13))
    }

    func testActivations() throws {
        // ReLU inputs stay at least 0.025 away from the kink.
        try checkLayerGradients(ReLU(name: "relu"), input: distinctTensor([2, 3, 4, 4], seed: 14))
        try checkLayerGradients(Sigmoid(name: "sigmoid"), input: layerTestTensor([3, 5], seed: 15, low: -4, high: 4))
        try checkLayerGradients(Tanh(name: "tanh"), input: layerTestTensor([3, 5], seed: 16, low: -2, high: 2))
        try checkLayerGradients(Softmax(name: "softmax"), input: layerTestTensor([3, 6], seed: 17, low: -3, high: 3))
        try checkLayerGradients(LogSoftmax(name: "logsoftmax"), input: layerTestTensor([3, 6], seed: 18, low: -3, high: 3))
    }

    func testShapeLayersAndDropout() throws {
        try checkLayerGradients(Flatten(name: "flatten"), input: layerTestTensor([2, 3, 2, 2], seed: 19))
        let reshape = Reshape(name: "reshape", shape: [1, 3, 4])
        XCTAssertEqual(try reshape.outputShape(for: [5, 12]), [5, 1, 3, 4])
        try checkLayerGradients(reshape, input: layerTestTensor([2, 12], seed: 20))
        // Training with a fixed mask (same seed every forward pass).
        let dropout = Dropout(name: "drop", rate: 0.5)
        try checkLayerGradients(dropout, input: layerTestTensor([4, 10], seed: 21), training: true)
        // Not training: the identity, no mask kept.
        let context = ForwardContext(training: false)
        let x = layerTestTensor([4, 10], seed: 22)
        XCTAssertEqual(try dropout.forward(x, context: context), x)
        XCTAssertNil(context.auxiliary)
    }

    func testWholeNetworkParameterGradientsThroughTrainingBackward() throws {
        var rng = SeededRandom(seed: 23)
        let conv1 = Conv2D(name: "conv1", inChannels: 1, outChannels: 3, kernel: (3, 3), stride: (1, 1), padding: .same,
                           bias: true, rng: &rng)
        let conv2 = Conv2D(name: "conv2", inChannels: 3, outChannels: 4, kernel: (4, 4), stride: (2, 2), padding: .same,
                           bias: true, rng: &rng)
        let fc = Dense(name: "fc", inputs: 4 * 2 * 2, outputs: 3, bias: true, rng: &rng)
        conv1.bias!.value = layerTestTensor([3], seed: 24, low: 0, high: 0.2)
        let model = try Sequential(layers: [
            conv1, Tanh(name: "act1"), MaxPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same),
            conv2, Sigmoid(name: "act2"), Flatten(name: "flat"), fc, LogSoftmax(name: "logp"),
        ], inputShape: [1, 7, 7])
        XCTAssertEqual(model.layerOutputShapes[2], [3, 4, 4])
        XCTAssertEqual(model.outputShape, [3])
        let x = distinctTensor([2, 1, 7, 7], seed: 25, gap: 0.03)
        let r = layerTestTensor([2, 3], seed: 26)
        model.zeroGradients()
        let record = try model.forwardRecording(x, training: false)
        let dx = try model.backward(record, outputGradient: r)
        func loss() throws -> Double { weightedSum(try model.forward(x), r) }
        let eps: Float = 1e-2
        for p in model.parameters {
            let original = p.value
            for i in sampledIndices(original.count, limit: 12) {
                p.value.scalars[i] = original.scalars[i] + eps
                let up = try loss()
                p.value.scalars[i] = original.scalars[i] - eps
                let down = try loss()
                p.value = original
                let numeric = (up - down) / (2 * Double(eps))
                XCTAssertEqual(Double(p.gradient.scalars[i]), numeric, accuracy: 1e-2 * abs(numeric) + 3e-4, "\(p.name)[\(i)]")
            }
        }
        for i in sampledIndices(x.count, limit: 20) {
            var xp = x
            xp.scalars[i] += eps
            var xm = x
            xm.scalars[i] -= eps
            let numeric = (weightedSum(try model.forward(xp), r) - weightedSum(try model.forward(xm), r)) / (2 * Double(eps))
            XCTAssertEqual(Double(dx.scalars[i]), numeric, accuracy: 1e-2 * abs(numeric) + 3e-4, "input[\(i)]")
        }
        // A second backward pass accumulates: gradients double.
        let first = model.parameters.map(\.gradient)
        _ = try model.backward(record, outputGradient: r)
        for (p, g) in zip(model.parameters, first) {
            for (a, b) in zip(p.gradient.scalars, g.scalars) { XCTAssertEqual(a, 2 * b, accuracy: 1e-5 * max(1, abs(a))) }
        }
    }
}
