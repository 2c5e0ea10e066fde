import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// Small networks and data for the method tests.
enum TestNetworks {
    /// 6 → 8 → 7 → 4 dense ReLU network with random (non-zero) biases.
    static func dense(seed: UInt64 = 1, bias: Bool = true) throws -> Sequential {
        var rng = SeededRandom(seed: seed)
        let layers: [any Layer] = [
            Dense(name: "fc1", inputs: 6, outputs: 8, bias: bias, rng: &rng), ReLU(name: "relu1"),
            Dense(name: "fc2", inputs: 8, outputs: 7, bias: bias, rng: &rng), ReLU(name: "relu2"),
            Dense(name: "logits", inputs: 7, outputs: 4, bias: bias, rng: &rng),
        ]
        if bias { randomiseBiases(layers, rng: &rng) }
        return try Sequential(layers: layers, inputShape: [6])
    }

    /// 1×6×6 → conv 3 (3×3 SAME) → ReLU → pool 2/2 → conv 4 (2×2 VALID) → ReLU → flatten → dense 3.
    static func conv(pooling: String, seed: UInt64 = 2, bias: Bool = true) throws -> Sequential {
        var rng = SeededRandom(seed: seed)
        let pool: any Layer = pooling == "max"
            ? MaxPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same)
            : AvgPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same)
        let layers: [any Layer] = [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 3, kernel: (3, 3), stride: (1, 1), padding: .same, bias: bias, rng: &rng),
            ReLU(name: "relu1"), pool,
            Conv2D(name: "conv2", inChannels: 3, outChannels: 4, kernel: (2, 2), stride: (1, 1), padding: .valid, bias: bias, rng: &rng),
            ReLU(name: "relu2"), Flatten(name: "flatten"),
            Dense(name: "logits", inputs: 16, outputs: 3, bias: bias, rng: &rng),
        ]
        if bias { randomiseBiases(layers, rng: &rng) }
        return try Sequential(layers: layers, inputShape: [1, 6, 6])
    }

    /// x [1, 6, 6] → flatten → dense 36 → 3, weights seeded uniform in (−1, 1) and the given biases:
    /// S_c = w_c·x + b_c, with w returned row by row (class c at c·36).
    static func linearImageNet(seed: UInt64, bias: [Float]) throws -> (Sequential, weights: [Float], bias: [Float]) {
        var rng = SeededRandom(seed: seed)
        let dense = Dense(name: "logits", inputs: 36, outputs: 3, bias: true, rng: &rng)
        let weights = (0..<108).map { _ in rng.nextUniform(in: -1, 1) }
        dense.weight.value = Tensor(shape: [3, 36], scalars: weights)
        dense.bias!.value = Tensor(shape: [3], scalars: bias)
        return (try Sequential(layers: [Flatten(name: "flatten"), dense], inputShape: [1, 6, 6]), weights, bias)
    }

    static func randomiseBiases(_ layers: [any Layer], rng: inout SeededRandom) {
        for layer in layers {
            for p in layer.parameters where p.name.hasSuffix(".bias") {
                p.value = Tensor(shape: p.value.shape, scalars: p.value.scalars.map { _ in rng.nextUniform(in: -0.2, 0.2) })
            }
        }
    }

    static func randomInputs(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.nextUniform(in: low, high) })
    }

    /// A synthetic 10-class problem on 1×8×8 images: class c is a fixed random pattern plus noise.
    struct Synthetic {
        let images: Tensor
        let labels: [Int]
    }

    static func synthetic(count: Int, seed: UInt64) -> Synthetic {
        var patternRng = SeededRandom(seed: 99)
        let patterns = (0..<10).map { _ in (0..<64).map { _ in patternRng.nextUniform() > 0.6 ? Float(1) : 0 } }
        var rng = SeededRandom(seed: seed)
        var values: [Float] = []
        var labels: [Int] = []
        for i in 0..<count {
            let c = i % 10
            labels.append(c)
            values += patterns[c].map { Swift.min(Swift.max($0 + 0.25 * rng.nextGaussian(), 0), 1) }
        }
        return Synthetic(images: Tensor(shape: [count, 1, 8, 8], scalars: values), labels: labels)
    }

    /// conv 6 3×3 SAME → ReLU → maxpool 2 → conv 8 3×3 SAME → ReLU → maxpool 2 → flatten 32 → dense 16 → ReLU → dense 10.
    static func smallCNN(seed: UInt64) throws -> Sequential {
        var rng = SeededRandom(seed: seed)
        return try Sequential(layers: [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 6, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            ReLU(name: "relu1"), MaxPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same),
            Conv2D(name: "conv2", inChannels: 6, outChannels: 8, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            ReLU(name: "relu2"), MaxPool2D(name: "pool2", window: (2, 2), stride: (2, 2), padding: .same),
            Flatten(name: "flatten"),
            Dense(name: "fc1", inputs: 32, outputs: 16, bias: true, rng: &rng), ReLU(name: "relu3"),
            Dense(name: "logits", inputs: 16, outputs: 10, bias: true, rng: &rng),
        ], inputShape: [1, 8, 8])
    }

    /// `smallCNN` trained with Adam on the synthetic problem; returns the model and its accuracy on fresh data.
    static func trainedCNN() throws -> (model: Sequential, accuracy: Float, test: Synthetic) {
        let model = try smallCNN(seed: 7)
        let train = synthetic(count: 400, seed: 1)
        var adam = Adam(learningRate: 0.01)
        let batch = 40
        for step in 0..<150 {
            let start = (step * batch) % train.labels.count
            let x = train.images.rows(start..<(start + batch))
            let labels = Array(train.labels[start..<(start + batch)])
            model.zeroGradients()
            let record = try model.forwardRecording(x, training: true)
            let loss = try SoftmaxCrossEntropy.evaluate(logits: record.output, labels: labels)
            _ = try model.backward(record, outputGradient: loss.gradient)
            adam.step(model.parameters)
        }
        let test = synthetic(count: 50, seed: 2)
        let predicted = try model.forward(test.images).argmax(alongAxis: 1)
        let correct = zip(predicted, test.labels).filter { $0 == $1 }.count
        return (model, Float(correct) / Float(test.labels.count), test)
    }
}

/// The explained output f of image `index` of `inputs` for class `c`, computed from a plain forward pass.
func explainedValue(_ network: Sequential, _ inputs: Tensor, class c: Int, output: ExplainedOutput) throws -> Double {
    let logits = try network.forward(inputs).scalars.map(Double.init)
    switch output {
    case .logit: return logits[c]
    case .reluLogit: return max(logits[c], 0)
    case .allLogits: return logits.reduce(0, +)
    case .probability:
        let m = logits.max()!
        let e = logits.map { exp($0 - m) }
        return e[c] / e.reduce(0, +)
    }
}

/// Central finite differences of f with respect to every input value of a single image.
func finiteDifferenceGradient(_ network: Sequential, _ image: Tensor, class c: Int, output: ExplainedOutput,
                              epsilon: Float = 1e-3) throws -> [Double] {
    var gradient: [Double] = []
    for j in 0..<image.count {
        var plus = image, minus = image
        plus.scalars[j] += epsilon
        minus.scalars[j] -= epsilon
        let difference = try explainedValue(network, plus, class: c, output: output)
            - explainedValue(network, minus, class: c, output: output)
        gradient.append(difference / Double(plus.scalars[j] - minus.scalars[j]))
    }
    return gradient
}
