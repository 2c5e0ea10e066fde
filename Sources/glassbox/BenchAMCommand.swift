import ArgumentParser
import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxMethods
import GlassboxModels

/// `glassbox bench-am`: times chapter 1.1's prototype search (MLP-A, 5,000 Adam steps on ten
/// prototypes, CE + 0.1·½‖P − x̄‖²) and one channel visualisation (CNN-MAX-NB, conv2, Fourier
/// parametrisation with jitter, rotation and scaling), and exports everything a PyTorch loop needs to
/// run the same optimisation on the same numbers: the weights, the class means, the starting values,
/// every step's transformations, the bases, and Glassbox's results (`bench/am_bench.py`).
struct BenchAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-am",
        abstract: "Time the chapter-1.1 prototype search and one feature visualisation; export them for a PyTorch comparison.")

    @Option(help: "Directory to write the safetensors files into.")
    var out: String = "bench/out"

    @OptionGroup var data: BenchDataOptions

    @Option(help: "Adam steps of the prototype search.")
    var steps: Int = 5000

    @Option(help: "Adam steps of the visualisation.")
    var visSteps: Int = 256

    @Option(help: "The visualised layer of CNN-MAX-NB.")
    var layer: String = "conv2"

    @Option(help: "The visualised channel.")
    var channel: Int = 12

    func run() throws {
        try NumericLibraryCheck.require(command: "bench-am")
        guard steps > 0, visSteps > 0 else { throw ValidationError("--steps and --vis-steps must be positive") }
        let mlp = try ModelZoo.load("mlp-a").model
        let cnn = try ModelZoo.load("cnn-max-nb").model
        let (means, _, source) = try data.images(noiseShape: [10, 1, 28, 28], noiseScale: 0.5) { mnist in
            (try mnist.train.classMeanImages(classes: 10).reshaped([10, 1, 28, 28]), Array(0..<10), "MNIST train class means")
        }

        // Chapter 1.1.
        let search = ClassPrototype(mlp, objective: .crossEntropyToMeans(means: means, lambda: 0.1), steps: steps, reportEvery: 500)
        let (prototypes, prototypeMilliseconds) = try data.fastest { try search.run() }
        let prototypeTime = prototypeMilliseconds / 1000

        // One channel visualisation, with every step's transformations exported.
        let method = FeatureVisualization(cnn, layer: layer, objectives: [.channel(channel)], steps: visSteps, seed: 1)
        let (visualisation, visMilliseconds) = try data.fastest { try method.run() }
        let visTime = visMilliseconds / 1000
        var random = SeededRandom(seed: method.seed)
        let initial = method.initialParameters(&random)
        var warps: [Float] = []
        for _ in 0...visSteps {
            for t in method.drawTransforms(&random, count: 1) { warps += [t.a, t.b, t.c, t.d, t.e, t.f] }
        }
        guard case .fourier(let decay) = method.parametrization else { throw ValidationError("the benchmark visualises in Fourier space") }

        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafetensorsFile(entries: try BenchModels.layerNamedParameters(mlp), metadata: ["model": "mlp-a"])
            .write(to: directory.appendingPathComponent("am-mlp-a-weights.safetensors"))
        try SafetensorsFile(entries: try BenchModels.layerNamedParameters(cnn), metadata: ["model": "cnn-max-nb"])
            .write(to: directory.appendingPathComponent("am-cnn-max-nb-weights.safetensors"))
        let result = prototypes, vis = visualisation
        try SafetensorsFile(entries: [
            .init(name: "means", tensor: means),
            .init(name: "prototypes", tensor: result.prototypes),
            .init(name: "prototype_costs", tensor: Tensor(shape: [result.costs.count], scalars: result.costs.map(\.cost))),
            .init(name: "vis_initial", tensor: initial),
            .init(name: "vis_transforms", tensor: Tensor(shape: [visSteps + 1, 6], scalars: warps)),
            .init(name: "vis_basis", tensor: Tensor(shape: [28, 28], scalars: FeatureVisualization.cosineBasis(28))),
            .init(name: "vis_scale", tensor: Tensor(shape: [28, 28], scalars: FeatureVisualization.frequencyScale(height: 28, width: 28, decay: decay))),
            .init(name: "vis_image", tensor: vis.images),
            .init(name: "vis_costs", tensor: Tensor(shape: [vis.costs.count], scalars: vis.costs.map(\.cost))),
        ]).write(to: directory.appendingPathComponent("am-results.safetensors"))

        let summary: [String: Any] = [
            "means": source, "out": directory.path, "kernels": MatrixProduct.kernelDescription,
            "prototypes": ["steps": steps, "seconds": prototypeTime, "final_cost": Double(result.costs.last!.cost),
                           "report_every": 500],
            "visualisation": ["steps": visSteps, "seconds": visTime, "layer": layer, "channel": channel,
                              "learning_rate": Double(method.learningRate), "activation": Double(vis.values[0]),
                              "jitter": method.transforms.jitter, "degrees": Double(method.transforms.degrees),
                              "scale": Double(method.transforms.scale), "decay": Double(decay)],
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
