import ArgumentParser
import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxMethods
import GlassboxModels

/// `glassbox bench-methods`: times integrated gradients and SmoothGrad on the chapter CNN
/// (CNN-MAX-B of chapters 3.2/3.4) for one image per digit, and writes the weights (PyTorch
/// layouts), the images, the maps and the SmoothGrad noisy inputs as safetensors so that
/// `bench/methods_bench.py` can compare with Captum on exactly the same numbers.
struct BenchMethodsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-methods",
        abstract: "Time integrated gradients and SmoothGrad on the chapter CNN; export weights and maps for comparison.")

    @Option(help: "Directory to write weights.safetensors and maps.safetensors into.")
    var out: String = "bench/out"

    @Option(help: "Directory holding the MNIST files (falls back to random images when they cannot be read).")
    var mnist: String = "../shared/data/mnist"

    @Option(help: "Integrated-gradients steps.")
    var steps: Int = 50

    @Option(help: "SmoothGrad samples.")
    var samples: Int = 50

    @Option(help: "SmoothGrad σ as a fraction of each image's range.")
    var noise: Float = 0.1

    @Option(help: "Images per forward/backward pass.")
    var batchSize: Int = 128

    @Option(help: "Timed repetitions (the fastest is reported).")
    var repeats: Int = 3

    @Option(help: "Adam steps of training on MNIST before explaining (0 = Glorot-initialised weights).")
    var trainSteps: Int = 0

    @Option(help: "A Glassbox model file (CNN-MAX-B or CNN-MAX-NB layout) to explain instead of a fresh network.")
    var model: String?

    func run() throws {
        var rng = SeededRandom(seed: 2026)
        let network = try model.map { try ModelFile.load(from: URL(fileURLWithPath: $0)).model } ?? Sequential(layers: [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 32, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            ReLU(name: "relu1"), MaxPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same),
            Conv2D(name: "conv2", inChannels: 32, outChannels: 64, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            ReLU(name: "relu2"), MaxPool2D(name: "pool2", window: (2, 2), stride: (2, 2), padding: .same),
            Conv2D(name: "conv3", inChannels: 64, outChannels: 128, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            ReLU(name: "relu3"), MaxPool2D(name: "pool3", window: (2, 2), stride: (2, 2), padding: .same),
            Flatten(name: "flatten"),
            Dense(name: "fc1", inputs: 2048, outputs: 625, bias: true, rng: &rng), ReLU(name: "relu4"),
            Dense(name: "logits", inputs: 625, outputs: 10, bias: true, rng: &rng),
        ], inputShape: [1, 28, 28])

        var images: Tensor
        var labels = Array(0..<10)
        var source = "random"
        var trainSet: LabelledImages?
        if let data = try? MNIST.load(locator: MNISTLocator(explicitDirectory: URL(fileURLWithPath: mnist))) {
            let chosen = try data.train.perDigit(index: 1)
            images = chosen.images
            labels = chosen.labels
            source = "MNIST train, image 1 of each digit"
            trainSet = data.train
        } else {
            images = Tensor(shape: [10, 1, 28, 28], scalars: (0..<7840).map { _ in rng.nextUniform() })
        }
        if trainSteps > 0, let train = trainSet {
            var adam = Adam()
            for step in 0..<trainSteps {
                let start = (step * 100) % (train.count - 100)
                let batch = try train[start..<(start + 100)]
                network.zeroGradients()
                let record = try network.forwardRecording(batch.images, training: true)
                let loss = try SoftmaxCrossEntropy.evaluate(logits: record.output, labels: batch.labels)
                try network.accumulateParameterGradients(record, outputGradient: loss.gradient)
                adam.step(network.parameters)
            }
        }

        let model = try ExplainedModel(network, output: .logit, batchSize: batchSize)
        let ig = IntegratedGradients(model, steps: steps)
        let smooth = SmoothGrad(model, samples: samples, noise: .relative(noise), seed: 1)
        func fastest(_ body: () throws -> Explanation) throws -> (Explanation, Double) {
            var best = Double.infinity
            var result: Explanation?
            for _ in 0..<max(repeats, 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                result = try body()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            return (result!, best)
        }
        let (igMaps, igTime) = try fastest { try ig.attribute(images, targets: .classes(labels)) }
        let (sgMaps, sgTime) = try fastest { try smooth.attribute(images, targets: .classes(labels)) }

        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let weights = SafetensorsFile(entries: try pytorchNamedParameters(network), metadata: ["architecture": "CNN-MAX-B"])
        try weights.write(to: directory.appendingPathComponent("weights.safetensors"))
        let maps = SafetensorsFile(entries: [
            .init(name: "images", tensor: images),
            .init(name: "labels", tensor: Tensor(shape: [labels.count], scalars: labels.map(Float.init))),
            .init(name: "integrated_gradients", tensor: igMaps.attributions),
            .init(name: "explained_logits", tensor: Tensor(shape: [labels.count], scalars: igMaps.outputs)),
            .init(name: "smoothgrad", tensor: sgMaps.attributions),
            .init(name: "smoothgrad_inputs", tensor: try smooth.noisyInputs(images)),
        ])
        try maps.write(to: directory.appendingPathComponent("maps.safetensors"))

        let count = Double(labels.count)
        let gaps = (0..<labels.count).map { i in
            Double(abs(igMaps.sumPerImage[i] - (igMaps.outputs[i] - igMaps.baselineOutputs![i])))
        }
        let summary: [String: Any] = [
            "images": source, "steps": steps, "samples": samples, "noise": Double(noise), "batch_size": batchSize,
            "train_steps": trainStepsUsed(trainSet), "ig_ms_per_image": igTime / count, "smoothgrad_ms_per_image": sgTime / count,
            "ig_max_completeness_gap": gaps.max() ?? 0, "out": directory.path,
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// The parameters under the names of `methods_bench.py`'s PyTorch module (conv1…conv3, fc1,
    /// logits), whatever the layers are called in the model; throws unless it is a 3-conv, 2-dense chain.
    private func pytorchNamedParameters(_ network: Sequential) throws -> [SafetensorsFile.Entry] {
        let convs = network.layers.compactMap { $0 as? Conv2D }
        let denses = network.layers.compactMap { $0 as? Dense }
        guard convs.count == 3, denses.count == 2, convs.allSatisfy({ $0.kernel == (3, 3) && $0.padding == .same }) else {
            throw ValidationError("the benchmark needs the chapter CNN: three 3×3 SAME convolutions and two dense layers")
        }
        let zeroBias = { (n: Int) in Tensor(zeros: [n]) }
        var entries: [SafetensorsFile.Entry] = []
        for (i, conv) in convs.enumerated() {
            entries.append(.init(name: "conv\(i + 1).weight", tensor: conv.weight.value))
            entries.append(.init(name: "conv\(i + 1).bias", tensor: conv.bias?.value ?? zeroBias(conv.outChannels)))
        }
        for (dense, name) in zip(denses, ["fc1", "logits"]) {
            entries.append(.init(name: "\(name).weight", tensor: dense.weight.value))
            entries.append(.init(name: "\(name).bias", tensor: dense.bias?.value ?? zeroBias(dense.outputs)))
        }
        return entries
    }

    private func trainStepsUsed(_ train: LabelledImages?) -> Int { train == nil ? 0 : trainSteps }
}
