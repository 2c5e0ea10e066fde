import ArgumentParser
import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxModels

/// The options every comparison benchmark shares (`--mnist`, `--random-images`, `--repeats`) and
/// what they load: MNIST, seeded noise in its place, a model by zoo name or file, and the fastest
/// of repeated runs. Each `bench-*` command includes them with `@OptionGroup`.
struct BenchDataOptions: ParsableArguments {
    @Option(help: "Directory holding the MNIST files.")
    var mnist: String = "../shared/data/mnist"

    @Flag(help: "Use seeded uniform noise instead of MNIST images (for machines without the dataset).")
    var randomImages = false

    @Option(help: "Timed repetitions (the fastest is reported).")
    var repeats: Int = 3

    func validate() throws {
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
    }

    /// MNIST from `--mnist`, or an error saying how to go on without it.
    func loadMNIST() throws -> MNIST {
        do {
            return try MNIST.load(locator: MNISTLocator(explicitDirectory: URL(fileURLWithPath: mnist)))
        } catch {
            throw ValidationError("\(error)\nPass --mnist DIR, set $GLASSBOX_DATA, or run with --random-images.")
        }
    }

    /// The benchmark's images: with `--random-images`, seeded uniform noise of `noiseShape` (times
    /// `noiseScale`), labelled 0, 1, 2, … cyclically; else what `pick` chooses from MNIST.
    func images(noiseShape: [Int], noiseScale: Float = 1,
                pick: (MNIST) throws -> (images: Tensor, labels: [Int], source: String)) throws -> (images: Tensor, labels: [Int], source: String) {
        guard randomImages else { return try pick(try loadMNIST()) }
        var rng = SeededRandom(seed: 2026)
        let count = noiseShape.reduce(1, *)
        let noise = Tensor(shape: noiseShape, scalars: (0..<count).map { _ in rng.nextUniform() * noiseScale })
        return (noise, (0..<(noiseShape.first ?? 0)).map { $0 % 10 }, "seeded uniform noise (--random-images)")
    }

    /// The result of the last of `repeats` runs of `body` and the fastest run's time, in milliseconds.
    func fastest<T>(_ body: () throws -> T) rethrows -> (result: T, milliseconds: Double) {
        var best = Double.infinity
        var result: T?
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            result = try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return (result!, best)
    }
}

/// The networks the benchmarks compare on.
enum BenchModels {
    /// A zoo model's trained weights, or a Glassbox model file when `nameOrFile` is a path to one.
    static func load(_ nameOrFile: String) throws -> Sequential {
        if FileManager.default.fileExists(atPath: nameOrFile) { return try ModelFile.load(from: URL(fileURLWithPath: nameOrFile)).model }
        return try ModelZoo.load(nameOrFile).model
    }

    /// Every dense and conv layer's weight and bias under `<layer name>.weight` / `.bias`, in
    /// PyTorch's layouts (dense [out, in], conv [out, in, kh, kw]); a layer without biases gets none.
    static func layerNamedParameters(_ network: Sequential) throws -> [SafetensorsFile.Entry] {
        var entries: [SafetensorsFile.Entry] = []
        for layer in network.layers {
            guard let linear = layer as? any LinearLayer else { continue }
            entries.append(.init(name: "\(layer.name).weight", tensor: linear.weight.value))
            if let bias = linear.bias { entries.append(.init(name: "\(layer.name).bias", tensor: bias.value)) }
        }
        guard !entries.isEmpty else { throw ValidationError("the model has no dense or conv layers") }
        return entries
    }

    /// The chapter CNN's parameters under the names of the Python benchmarks' PyTorch module
    /// (conv1…conv3, fc1, logits; zero biases where the model has none), whatever the layers are
    /// called in the model; throws unless it is three 3×3 SAME convolutions and two dense layers.
    static func chapterCNNParameters(_ network: Sequential) throws -> [SafetensorsFile.Entry] {
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
