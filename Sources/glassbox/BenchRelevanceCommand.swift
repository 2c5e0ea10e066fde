import ArgumentParser
import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxMethods
import GlassboxModels

/// `glassbox bench-relevance`: times the relevance methods per image — LRP-ε, LRP-α1β0, LRP-α2β1 and
/// deep Taylor on CNN-MAX-NB (chapter 2.4's network), DeepLIFT (Rescale) on CNN-STRIDE (chapter 2.5's) —
/// and writes each network's weights under their layer names in PyTorch layouts, the images and the
/// maps as safetensors, so that `bench/relevance_bench.py` can run Zennit and Captum on exactly the same
/// numbers.
struct BenchRelevanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-relevance",
        abstract: "Time LRP-ε, LRP-αβ, deep Taylor and DeepLIFT per image; export weights, images and maps for comparison.")

    @Option(help: "Directory to write the safetensors files into.")
    var out: String = "bench/out"

    @OptionGroup var data: BenchDataOptions

    @Option(help: "How many images to explain (the first ones of the MNIST train split, each for its label).")
    var images: Int = 100

    @Option(help: "Images per backward pass.")
    var batchSize: Int = 128

    @Option(help: "LRP-ε's stabiliser.")
    var epsilon: Float = 1e-6

    @Option(help: "The network of the LRP and deep Taylor methods (a zoo name or a model file of CNN-MAX-NB's layout).")
    var lrpModel: String = "cnn-max-nb"

    @Option(help: "The network of DeepLIFT (a zoo name or a model file of CNN-STRIDE's layout).")
    var deepliftModel: String = "cnn-stride"

    func run() throws {
        try NumericLibraryCheck.require(command: "bench-relevance")
        guard images > 0 else { throw ValidationError("--images must be positive") }
        let lrpNetwork = try BenchModels.load(lrpModel)
        let deepliftNetwork = try BenchModels.load(deepliftModel)

        let count = images
        let (inputs, labels, source) = try data.images(noiseShape: [count, 1, 28, 28]) { mnist in
            guard count <= mnist.train.count else { throw ValidationError("--images: the train split has \(mnist.train.count)") }
            let chosen = try mnist.train[0..<count]
            return (chosen.images, chosen.labels, "MNIST train, the first \(count) images, each for its label")
        }

        let lrp = try ExplainedModel(lrpNetwork, output: .logit, batchSize: batchSize)
        let lift = try ExplainedModel(deepliftNetwork, output: .logit, batchSize: batchSize)
        let methods: [(key: String, title: String, method: any AttributionMethod)] = [
            ("lrp_epsilon", "LRP-ε (ε \(epsilon))", LRPEpsilon(lrp, epsilon: epsilon)),
            ("lrp_alpha1beta0", "LRP-α1β0", try LRPAlphaBeta(lrp, alpha: 1)),
            ("lrp_alpha2beta1", "LRP-α2β1", try LRPAlphaBeta(lrp, alpha: 2)),
            ("deep_taylor", "deep Taylor (z⁺, proportional pooling, z^B in [0, 1])", try DeepTaylor(lrp, low: 0, high: 1)),
            ("deeplift", "DeepLIFT (Rescale, black reference)", DeepLift(lift, baseline: .zeros)),
        ]
        var entries: [SafetensorsFile.Entry] = [
            .init(name: "images", tensor: inputs),
            .init(name: "labels", tensor: Tensor(shape: [labels.count], scalars: labels.map(Float.init))),
        ]
        var timings: [[String: Any]] = []
        for (key, title, method) in methods {
            let (maps, best) = try data.fastest { try method.attribute(inputs, targets: .classes(labels), monitor: .none) }
            entries.append(.init(name: key, tensor: maps.attributions))
            timings.append(["key": key, "title": title, "ms_per_image": best / Double(labels.count),
                            "receipt_error": maps.receiptError.map { Double($0) } ?? NSNull()])
        }

        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafetensorsFile(entries: try BenchModels.layerNamedParameters(lrpNetwork), metadata: ["model": lrpModel])
            .write(to: directory.appendingPathComponent("relevance-lrp-weights.safetensors"))
        try SafetensorsFile(entries: try BenchModels.layerNamedParameters(deepliftNetwork), metadata: ["model": deepliftModel])
            .write(to: directory.appendingPathComponent("relevance-deeplift-weights.safetensors"))
        try SafetensorsFile(entries: entries).write(to: directory.appendingPathComponent("relevance-maps.safetensors"))

        let summary: [String: Any] = [
            "images": source, "count": labels.count, "batch_size": batchSize, "epsilon": Double(epsilon),
            "lrp_model": lrpModel, "deeplift_model": deepliftModel, "out": directory.path, "methods": timings,
            "kernels": MatrixProduct.kernelDescription
                + (ConcurrentWorkers.isAvailable ? "; whole passes side by side on \(ConcurrentWorkers.width) cores" : "; passes one at a time"),
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
