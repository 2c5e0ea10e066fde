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

    @OptionGroup var data: BenchDataOptions

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

    @Option(help: "The model: a zoo name with trained weights or a Glassbox model file of the same layout.")
    var model: String = "cnn-avg-nb-2"

    func run() throws {
        try NumericLibraryCheck.require(command: "bench-metrics")
        let network = try BenchModels.load(model)
        let (images, labels, source) = try data.images(noiseShape: [10, 1, 28, 28]) { mnist in
            let chosen = try mnist.train.perDigit(index: 1)
            return (chosen.images, chosen.labels, "MNIST train, image 1 of each digit")
        }
        let explained = try ExplainedModel(network, output: .logit)
        let methods: [(String, Explainer)] = [
            ("saliency", .catalog(Saliency.self)),
            ("gradientTimesInput", .catalog(GradientTimesInput.self)),
            ("integratedGradients", .catalog(IntegratedGradients.self, options: ["steps": .int(igSteps)])),
        ]
        func subject(_ explainer: Explainer) throws -> MetricSubject {
            try MetricSubject(model: explained, explainer: explainer, inputs: images, targets: labels)
        }
        var flipping: [String: Any] = [:]
        for recompute in [false, true] {
            let metric = try RegionPerturbation(steps: steps, patch: patch, recompute: recompute)
            var total = 0.0
            var perMethod: [String: Any] = [:]
            for (name, explainer) in methods {
                let (result, ms) = try data.fastest { try metric.evaluate(try subject(explainer), monitor: .none) }
                total += ms
                perMethod[name] = ["ms": ms, "aopc": Double(result.mean), "curve": result.curve!.average.map(Double.init)]
            }
            flipping[recompute ? "recomputed" : "first_map"] = ["ms_total": total, "methods": perMethod]
        }
        let sensitivity = try MaxSensitivity(samples: samples, radius: radius)
        let (sensitivityResult, sensitivityMs) = try data.fastest { try sensitivity.evaluate(try subject(.catalog(Saliency.self)), monitor: .none) }

        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafetensorsFile(entries: try BenchModels.chapterCNNParameters(network), metadata: ["architecture": model])
            .write(to: directory.appendingPathComponent("weights.safetensors"))
        try SafetensorsFile(entries: [
            .init(name: "images", tensor: images),
            .init(name: "labels", tensor: Tensor(shape: [labels.count], scalars: labels.map(Float.init))),
            .init(name: "logits", tensor: try network.forward(images)),
        ]).write(to: directory.appendingPathComponent("images.safetensors"))

        let summary: [String: Any] = [
            "model": model, "images": source, "count": labels.count,
            "steps": steps, "patch": patch, "ig_steps": igSteps, "samples": samples, "radius": Double(radius),
            "pixel_flipping": flipping,
            "max_sensitivity": ["ms": sensitivityMs, "method": "saliency", "mean": Double(sensitivityResult.mean)],
            "out": directory.path,
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
