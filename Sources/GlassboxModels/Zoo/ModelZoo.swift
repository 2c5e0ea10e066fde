/// One model of the zoo: its architecture, how the reference trains it, and where it is used.
public struct ZooEntry: Sendable, Equatable {
    /// Lower-case zoo name, e.g. `cnn-max-b`.
    public var name: String
    /// One line on what it is.
    public var summary: String
    public var architecture: Architecture
    public var recipe: TrainingRecipe
    /// Chapters (of chapters.md) that use it, e.g. `["3.2", "3.4"]`.
    public var chapters: [String]
    /// The parameter count the reference's table gives (a check on the rebuild).
    public var referenceParameterCount: Int
}

/// A name that is not in the zoo.
public struct UnknownModelError: Error, CustomStringConvertible, Equatable, Sendable {
    public var name: String
    public var description: String {
        "no model called '\(name)' in the zoo; known models: \(ModelZoo.names.joined(separator: ", "))"
    }
}

/// The reference tutorial's models (chapters.md, "Model zoo"), by name, with the reference's layer
/// names (`conv1`, `pool1`, …, `fc1`, `logits`) and training recipes.
///
/// Images enter as NCHW `[1, 28, 28]` (`[1, 40, 40]` for cluttered MNIST); dense-only models start
/// with a `flatten` layer so they take the same image tensors.
public enum ModelZoo {
    /// Every entry, in the order of the reference's table.
    public static let entries: [ZooEntry] = [
        ZooEntry(name: "mlp-a", summary: "784 → 512 → 100 → 10 dense ReLU classifier (1.1, 1.3)",
                 architecture: mlp("mlp-a", hidden: [512, 100], bias: true),
                 recipe: .mnistClassifier, chapters: ["1.1", "1.3"], referenceParameterCount: 454_230),
        ZooEntry(name: "gan-g", summary: "generator: 100-unit code → 128 ReLU → 784 sigmoid image (1.3)",
                 architecture: Architecture(name: "gan-g", inputShape: [100], layers: [
                    .dense(name: "fc1", inputs: 100, outputs: 128, bias: true), .relu(name: "relu1"),
                    .dense(name: "fc2", inputs: 128, outputs: 784, bias: true), .sigmoid(name: "sigmoid"),
                    .reshape(name: "image", shape: [1, 28, 28]),
                 ]),
                 recipe: .adversarial, chapters: ["1.3"], referenceParameterCount: 114_064),
        ZooEntry(name: "gan-d", summary: "discriminator: image → 128 ReLU → 1 sigmoid (1.3)",
                 architecture: Architecture(name: "gan-d", inputShape: [1, 28, 28], layers: [
                    .flatten(name: "flatten"),
                    .dense(name: "fc1", inputs: 784, outputs: 128, bias: true), .relu(name: "relu1"),
                    .dense(name: "fc2", inputs: 128, outputs: 1, bias: true), .sigmoid(name: "sigmoid"),
                 ]),
                 recipe: .adversarial, chapters: ["1.3"], referenceParameterCount: 100_609),
        ZooEntry(name: "cnn-do", summary: "3 conv/max-pool blocks with dropout 0.7, dense 625 with dropout 0.5 (2.1)",
                 architecture: poolingCNN("cnn-do", pool: .max, bias: true, dropout: (0.7, 0.5)),
                 recipe: .mnistClassifier, chapters: ["2.1"], referenceParameterCount: 1_379_557),
        ZooEntry(name: "mlp-nb", summary: "784 → 4 × 512 → 10 dense ReLU, no biases (2.2)",
                 architecture: mlp("mlp-nb", hidden: [512, 512, 512, 512], bias: false),
                 recipe: .mnistClassifier, chapters: ["2.2"], referenceParameterCount: 1_192_960),
        ZooEntry(name: "mlp-b", summary: "784 → 4 × 512 → 10 dense ReLU with biases (2.3)",
                 architecture: mlp("mlp-b", hidden: [512, 512, 512, 512], bias: true),
                 recipe: .mnistClassifier, chapters: ["2.3"], referenceParameterCount: 1_195_018),
        ZooEntry(name: "cnn-max-nb", summary: "3 conv/max-pool blocks, dense 625, no biases (2.4, 3.1)",
                 architecture: poolingCNN("cnn-max-nb", pool: .max, bias: false, dropout: nil),
                 recipe: .mnistClassifier, chapters: ["2.4", "3.1"], referenceParameterCount: 1_378_698),
        ZooEntry(name: "cnn-max-b", summary: "3 conv/max-pool blocks, dense 625, biases; per-batch centred training (3.2, 3.4)",
                 architecture: poolingCNN("cnn-max-b", pool: .max, bias: true, dropout: nil),
                 recipe: .mnistCentredClassifier, chapters: ["3.2", "3.4"], referenceParameterCount: 1_379_557),
        ZooEntry(name: "cnn-avg-nb", summary: "3 conv/average-pool blocks, dense 625, no biases (5.1)",
                 architecture: poolingCNN("cnn-avg-nb", pool: .average, bias: false, dropout: nil),
                 recipe: .mnistClassifier, chapters: ["5.1"], referenceParameterCount: 1_378_698),
        ZooEntry(name: "cnn-avg-nb-2", summary: "cnn-avg-nb trained separately, as chapter 5.2 does (5.2)",
                 architecture: poolingCNN("cnn-avg-nb-2", pool: .average, bias: false, dropout: nil),
                 recipe: .mnistClassifier, chapters: ["5.2"], referenceParameterCount: 1_378_698),
        ZooEntry(name: "cnn-stride", summary: "two 4×4/2 convs, dropout 0.25, dense 128, dropout 0.5 (2.5)",
                 architecture: stridedCNN("cnn-stride"),
                 recipe: .mnistClassifier, chapters: ["2.5"], referenceParameterCount: 436_202),
        ZooEntry(name: "cnn-stride-c", summary: "cnn-stride trained on per-batch centred inputs (3.5)",
                 architecture: stridedCNN("cnn-stride-c"),
                 recipe: .mnistCentredClassifier, chapters: ["3.5"], referenceParameterCount: 436_202),
        ZooEntry(name: "allconv", summary: "all-convolutional net, global average pooling of 10 class maps (3.3)",
                 architecture: allConvolutional(),
                 recipe: .mnistClassifier, chapters: ["3.3"], referenceParameterCount: 131_050),
        ZooEntry(name: "clut-gap", summary: "cluttered 40×40: 3 convs, 10×10 average pool, dense 10 without bias (4.1)",
                 architecture: clutteredCNN("clut-gap", head: .globalAverage),
                 recipe: .clutteredClassifier, chapters: ["4.1"], referenceParameterCount: 93_952),
        ZooEntry(name: "clut-fc", summary: "cluttered 40×40: 3 convs, flatten 12,800, dense 625, no biases (4.2, 4.3)",
                 architecture: clutteredCNN("clut-fc", head: .dense),
                 recipe: .clutteredClassifier, chapters: ["4.2"], referenceParameterCount: 8_098_698),
        ZooEntry(name: "clut-fc-2", summary: "clut-fc trained separately, as chapter 4.3 does (4.3)",
                 architecture: clutteredCNN("clut-fc-2", head: .dense),
                 recipe: .clutteredClassifier, chapters: ["4.3"], referenceParameterCount: 8_098_698),
    ]

    /// Other names accepted by `entry(named:)`: the chapters (`chapter-3.4`) and friendly names.
    public static let aliases: [String: String] = [
        "mnist-mlp": "mlp-a", "mnist-cnn": "cnn-max-b", "cluttered-cnn": "clut-fc",
        "chapter-1.1": "mlp-a", "chapter-1.3": "mlp-a", "chapter-2.1": "cnn-do", "chapter-2.2": "mlp-nb",
        "chapter-2.3": "mlp-b", "chapter-2.4": "cnn-max-nb", "chapter-2.5": "cnn-stride",
        "chapter-3.1": "cnn-max-nb", "chapter-3.2": "cnn-max-b", "chapter-3.3": "allconv",
        "chapter-3.4": "cnn-max-b", "chapter-3.5": "cnn-stride-c", "chapter-4.1": "clut-gap",
        "chapter-4.2": "clut-fc", "chapter-4.3": "clut-fc-2", "chapter-5.1": "cnn-avg-nb", "chapter-5.2": "cnn-avg-nb-2",
    ]

    /// The zoo names, in table order.
    public static var names: [String] { entries.map(\.name) }

    /// The entry called `name` (case-insensitive; aliases accepted).
    public static func entry(named name: String) throws -> ZooEntry {
        let key = name.lowercased()
        let resolved = aliases[key] ?? key
        guard let entry = entries.first(where: { $0.name == resolved }) else {
            throw UnknownModelError(name: name)
        }
        return entry
    }

    // MARK: Families

    private static func mlp(_ name: String, hidden: [Int], bias: Bool) -> Architecture {
        var layers: [LayerSpec] = [.flatten(name: "flatten")]
        var inputs = 784
        for (index, width) in hidden.enumerated() {
            layers.append(.dense(name: "fc\(index + 1)", inputs: inputs, outputs: width, bias: bias))
            layers.append(.relu(name: "relu\(index + 1)"))
            inputs = width
        }
        layers.append(.dense(name: "logits", inputs: inputs, outputs: 10, bias: bias))
        return Architecture(name: name, inputShape: [1, 28, 28], layers: layers)
    }

    private enum Pooling { case max, average }

    /// Conv32/64/128 3×3 SAME + ReLU, each followed by 2×2/2 SAME pooling (and dropout), then
    /// flatten 2048 → dense 625 + ReLU (+ dropout) → dense 10.
    private static func poolingCNN(_ name: String, pool: Pooling, bias: Bool, dropout: (conv: Float, dense: Float)?) -> Architecture {
        var layers: [LayerSpec] = []
        var channels = 1
        for (index, width) in [32, 64, 128].enumerated() {
            let n = index + 1
            layers.append(.conv2D(name: "conv\(n)", inChannels: channels, outChannels: width, kernel: 3, stride: 1, padding: .same, bias: bias))
            layers.append(.relu(name: "relu\(n)"))
            switch pool {
            case .max: layers.append(.maxPool2D(name: "pool\(n)", window: 2, stride: 2, padding: .same))
            case .average: layers.append(.avgPool2D(name: "pool\(n)", window: 2, stride: 2, padding: .same))
            }
            if let dropout { layers.append(.dropout(name: "dropout\(n)", rate: dropout.conv)) }
            channels = width
        }
        layers.append(.flatten(name: "flatten"))
        layers.append(.dense(name: "fc1", inputs: 128 * 4 * 4, outputs: 625, bias: bias))
        layers.append(.relu(name: "relu4"))
        if let dropout { layers.append(.dropout(name: "dropout4", rate: dropout.dense)) }
        layers.append(.dense(name: "logits", inputs: 625, outputs: 10, bias: bias))
        return Architecture(name: name, inputShape: [1, 28, 28], layers: layers)
    }

    private static func stridedCNN(_ name: String) -> Architecture {
        Architecture(name: name, inputShape: [1, 28, 28], layers: [
            .conv2D(name: "conv1", inChannels: 1, outChannels: 32, kernel: 4, stride: 2, padding: .same, bias: true),
            .relu(name: "relu1"),
            .conv2D(name: "conv2", inChannels: 32, outChannels: 64, kernel: 4, stride: 2, padding: .same, bias: true),
            .relu(name: "relu2"),
            .dropout(name: "dropout2", rate: 0.25),
            .flatten(name: "flatten"),
            .dense(name: "fc1", inputs: 64 * 7 * 7, outputs: 128, bias: true),
            .relu(name: "relu3"),
            .dropout(name: "dropout3", rate: 0.5),
            .dense(name: "logits", inputs: 128, outputs: 10, bias: true),
        ])
    }

    private static func allConvolutional() -> Architecture {
        let convs: [(Int, Int, Int)] = [(32, 3, 1), (32, 2, 2), (64, 3, 1), (64, 2, 2), (128, 3, 1), (128, 1, 1), (10, 1, 1)]
        var layers: [LayerSpec] = []
        var channels = 1
        for (index, (width, kernel, stride)) in convs.enumerated() {
            let n = index + 1
            layers.append(.conv2D(name: "conv\(n)", inChannels: channels, outChannels: width, kernel: kernel, stride: stride, padding: .same, bias: true))
            layers.append(.relu(name: "relu\(n)"))
            channels = width
        }
        layers.append(.globalAvgPool2D(name: "logits"))
        return Architecture(name: "allconv", inputShape: [1, 28, 28], layers: layers)
    }

    private enum ClutteredHead { case globalAverage, dense }

    private static func clutteredCNN(_ name: String, head: ClutteredHead) -> Architecture {
        let bias = head == .globalAverage  // CLUT-GAP convs have biases, CLUT-FC has none anywhere
        var layers: [LayerSpec] = [
            .conv2D(name: "conv1", inChannels: 1, outChannels: 32, kernel: 3, stride: 1, padding: .same, bias: bias),
            .relu(name: "relu1"),
            .maxPool2D(name: "pool1", window: 2, stride: 2, padding: .same),
            .conv2D(name: "conv2", inChannels: 32, outChannels: 64, kernel: 3, stride: 1, padding: .same, bias: bias),
            .relu(name: "relu2"),
            .maxPool2D(name: "pool2", window: 2, stride: 2, padding: .same),
            .conv2D(name: "conv3", inChannels: 64, outChannels: 128, kernel: 3, stride: 1, padding: .same, bias: bias),
            .relu(name: "relu3"),
        ]
        switch head {
        case .globalAverage:
            layers += [
                .avgPool2D(name: "gap", window: 10, stride: 10, padding: .valid),
                .flatten(name: "flatten"),
                .dense(name: "logits", inputs: 128, outputs: 10, bias: false),
            ]
        case .dense:
            layers += [
                .flatten(name: "flatten"),
                .dense(name: "fc1", inputs: 128 * 10 * 10, outputs: 625, bias: false),
                .relu(name: "relu4"),
                .dense(name: "logits", inputs: 625, outputs: 10, bias: false),
            ]
        }
        return Architecture(name: name, inputShape: [1, 40, 40], layers: layers)
    }
}
