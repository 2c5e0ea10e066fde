import ArgumentParser
import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxMethods
import GlassboxModels

/// `glassbox bench-metrics`: times pixel flipping (region perturbation, `steps` records of
/// patch×patch windows, three methods) and max-sensitivity on chapter 5.2's CNN (the bundled
/// CNN-AVG-NB-2) for one image per digit, and writes the weights (PyTorch layouts) and the images
/// as safetensors so that `bench/metrics_bench.py` can time Quantus and Captum on the same numbers.
struct BenchMetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-metrics",
        abstract: "Time pixel flipping and max-sensitivity on chapter 5.2's CNN; export weights and images for comparison.")

    @Option(help: "Directory to write weights.safetensors and images.safetensors into.")
    var out: String = "bench/out-metrics"

    @Option(help: "Directory holding the MNIST files.")
    var mnist: String = "../shared/data/mnist"

    @Flag(help: "Score seeded uniform-noise images instead of MNIST (for machines without the dataset).")
    var randomImages = false

    @Option(help: "Pixel flipping: recorded scores (windows removed: steps − 1).")
    var steps: Int = 20

    @Option(help: "Pixel flipping: the side of the removed window.")
    var patch: Int = 4

    @Option(help: "Integrated-gradients steps (the third method).")
    var igSteps: Int = 32

    @Option(help: "Max-sensitivity: noisy copies per image.")
    var samples: Int = 10

    @Option(help: "Max-sensitivity: the noise radius.")
    var radius: Float = 0.02

    @Option(help: "Timed repetitions (the fastest is reported).")
    var repeats: Int = 3

    @Option(help: "The model: a zoo name with trained weights or a Glassbox model file of the same layout.")
    var model: String = "cnn-avg-nb-2"

    func run() throws {
        try NumericLibraryCheck.require(command: "bench-metrics")
        let network: Sequential
        if FileManager.default.fileExists(atPath: model) {
            network = try ModelFile.load(from: URL(fileURLWithPath: model)).model
        } else {
            network = try ModelZoo.load(model).model
        }
        let images: Tensor
        var labels = Array(0..<10)
        if randomImages {
            var rng = SeededRandom(seed: 2026)
            images = Tensor(shape: [10, 1, 28, 28], scalars: (0..<7840).map { _ in rng.nextUniform() })
        } else {
            let data: MNIST
            do {
                data = try MNIST.load(locator: MNISTLocator(explicitDirectory: URL(fileURLWithPath: mnist)))
            } catch {
                throw ValidationError("\(error)\nPass --mnist DIR, set $GLASSBOX_DATA, or run with --random-images.")
            }
            let chosen = try data.train.perDigit(index: 1)
            images = chosen.images
            labels = chosen.labels
        }
        let explained = try ExplainedModel(network, output: .logit)
        let methods: [(String, Explainer)] = [
            ("saliency", .catalog(Saliency.self)),
            ("gradientTimesInput", .catalog(GradientTimesInput.self)),
            ("integratedGradients", .catalog(IntegratedGradients.self, options: ["steps": .int(igSteps)])),
        ]
        func fastest(_ body: () throws -> MetricResult) throws -> (MetricResult, Double) {
            var best = Double.infinity
            var result: MetricResult?
            for _ in 0..<max(repeats, 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                result = try body()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            return (result!, best)
        }
        func subject(_ explainer: Explainer) throws -> MetricSubject {
            try MetricSubject(model: explained, explainer: explainer, inputs: images, targets: labels)
        }
        var flipping: [String: Any] = [:]
        for recompute in [false, true] {
            let metric = try RegionPerturbation(steps: steps, patch: patch, recompute: recompute)
            var total = 0.0
            var perMethod: [String: Any] = [:]
            for (name, explainer) in methods {
                let (result, ms) = try fastest { try metric.evaluate(try subject(explainer), monitor: .none) }
                total += ms
                perMethod[name] = ["ms": ms, "aopc": Double(result.mean), "curve": result.curve!.average.map(Double.init)]
            }
            flipping[recompute ? "recomputed" : "first_map"] = ["ms_total": total, "methods": perMethod]
        }
        let sensitivity = try MaxSensitivity(samples: samples, radius: radius)
        let (sensitivityResult, sensitivityMs) = try fastest { try sensitivity.evaluate(try subject(.catalog(Saliency.self)), monitor: .none) }

        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafetensorsFile(entries: try pytorchNamedParameters(network), metadata: ["architecture": model])
            .write(to: directory.appendingPathComponent("weights.safetensors"))
        try SafetensorsFile(entries: [
            .init(name: "images", tensor: images),
            .init(name: "labels", tensor: Tensor(shape: [labels.count], scalars: labels.map(Float.init))),
            .init(name: "logits", tensor: try network.forward(images)),
        ]).write(to: directory.appendingPathComponent("images.safetensors"))

        let summary: [String: Any] = [
            "model": model, "images": randomImages ? "seeded uniform noise" : "MNIST train, image 1 of each digit", "count": labels.count,
            "steps": steps, "patch": patch, "ig_steps": igSteps, "samples": samples, "radius": Double(radius),
            "pixel_flipping": flipping,
            "max_sensitivity": ["ms": sensitivityMs, "method": "saliency", "mean": Double(sensitivityResult.mean)],
            "out": directory.path,
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// The parameters under the names of `metrics_bench.py`'s PyTorch module (conv1…conv3, fc1,
    /// logits; zero biases where the model has none); throws unless it is a 3-conv, 2-dense chain.
    private func pytorchNamedParameters(_ network: Sequential) throws -> [SafetensorsFile.Entry] {
        let convs = network.layers.compactMap { $0 as? Conv2D }
        let denses = network.layers.compactMap { $0 as? Dense }
        guard convs.count == 3, denses.count == 2, convs.allSatisfy({ $0.kernel == (3, 3) && $0.padding == .same }) else {
            throw ValidationError("the benchmark needs a chapter CNN: three 3×3 SAME convolutions and two dense layers")
        }
        var entries: [SafetensorsFile.Entry] = []
        for (i, conv) in convs.enumerated() {
            entries.append(.init(name: "conv\(i + 1).weight", tensor: conv.weight.value))
            entries.append(.init(name: "conv\(i + 1).bias", tensor: conv.bias?.value ?? Tensor(zeros: [conv.outChannels])))
        }
        for (dense, name) in zip(denses, ["fc1", "logits"]) {
            entries.append(.init(name: "\(name).weight", tensor: dense.weight.value))
            entries.append(.init(name: "\(name).bias", tensor: dense.bias?.value ?? Tensor(zeros: [dense.outputs])))
        }
        return entries
    }
}
