import ArgumentParser
import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxMethods
import GlassboxModels

/// `glassbox bench-methods`: times integrated gradients and SmoothGrad on the chapter CNN
/// (the bundled CNN-MAX-B of chapters 3.2/3.4) for one image per digit, and writes the weights (PyTorch
/// layouts), the images, the maps and the SmoothGrad noisy inputs as safetensors so that
/// `bench/methods_bench.py` can compare with Captum on exactly the same numbers.
struct BenchMethodsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-methods",
        abstract: "Time integrated gradients and SmoothGrad on the chapter CNN; export weights and maps for comparison.")

    @Option(help: "Directory to write weights.safetensors and maps.safetensors into.")
    var out: String = "bench/out"

    @OptionGroup var data: BenchDataOptions

    @Option(help: "Integrated-gradients steps.")
    var steps: Int = 50

    @Option(help: "SmoothGrad samples.")
    var samples: Int = 50

    @Option(help: "SmoothGrad σ as a fraction of each image's range.")
    var noise: Float = 0.1

    @Option(help: "Images per forward/backward pass.")
    var batchSize: Int = ExplainedModel.defaultBatchSize

    @Option(help: "The model to explain: a zoo name with trained weights (the bundled chapter CNN by default) or a Glassbox model file of the same layout.")
    var model: String = "cnn-max-b"

    func run() throws {
        try NumericLibraryCheck.require(command: "bench-methods")
        let network = try BenchModels.load(model)

        let (images, labels, source) = try data.images(noiseShape: [10, 1, 28, 28]) { mnist in
            let chosen = try mnist.train.perDigit(index: 1)
            return (chosen.images, chosen.labels, "MNIST train, image 1 of each digit")
        }

        let explained = try ExplainedModel(network, output: .logit, batchSize: batchSize)
        let ig = try IntegratedGradients(explained, steps: steps)
        let smooth = try SmoothGrad(explained, samples: samples, noise: .relative(noise), seed: 1)
        let (igMaps, igTime) = try data.fastest { try ig.attribute(images, targets: .classes(labels)) }
        let (sgMaps, sgTime) = try data.fastest { try smooth.attribute(images, targets: .classes(labels)) }

        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let weights = SafetensorsFile(entries: try BenchModels.chapterCNNParameters(network), metadata: ["architecture": "CNN-MAX-B"])
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

        let (layerTimes, bound) = try Self.layerBreakdown(network, rows: batchSize, steps: steps)

        let count = Double(labels.count)
        let gaps = (0..<labels.count).map { i in
            Double(abs(igMaps.sumPerImage[i] - (igMaps.outputs[i] - igMaps.baselineOutputs![i])))
        }
        let summary: [String: Any] = [
            "images": source, "steps": steps, "samples": samples, "noise": Double(noise), "batch_size": batchSize,
            "model": model, "blas": MatrixProduct.kernelDescription + (ConcurrentWorkers.isAvailable ? "; whole passes side by side on \(ConcurrentWorkers.width) cores" : "; passes one at a time (one core)"), "ig_ms_per_image": igTime / count, "smoothgrad_ms_per_image": sgTime / count,
            "ig_max_completeness_gap": gaps.max() ?? 0, "out": directory.path,
            "layers": layerTimes, "ig_flops_per_image": bound.flops, "product_gflops": bound.rate,
            "ig_bound_ms_per_image": bound.milliseconds,
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// Where the time of one explanation pass goes: each layer's forward and input-gradient time
    /// on a batch of `rows` images (medians of 5 runs, in ms), the multiply-adds of one integrated-
    /// gradients explanation (forward and input gradient of every dense and conv layer, `steps`
    /// passes), the rate of the product kernels on all cores (best of 3 products of 1024³, GFLOP/s)
    /// and the time those multiply-adds alone would take at that rate: the bound no implementation
    /// on this machine's products can beat.
    static func layerBreakdown(_ network: Sequential, rows: Int, steps: Int)
        throws -> (layers: [[String: Any]], bound: (flops: Double, rate: Double, milliseconds: Double)) {
        var rng = SeededRandom(seed: 5)
        let inputs = Tensor(shape: [rows] + network.inputShape,
                            scalars: (0..<(rows * network.inputShape.reduce(1, *))).map { _ in rng.nextUniform() })
        let record = try network.forwardRecording(inputs, training: false)
        func median(_ body: () throws -> Void) rethrows -> Double {
            var times: [Double] = []
            for _ in 0..<5 {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            return times.sorted()[2]
        }
        var layers: [[String: Any]] = []
        var flopsPerRow = 0.0
        for step in record.steps {
            let context = ForwardContext(training: false)
            let forward = try median { _ = try step.layer.forward(step.input, context: context) }
            let signal = Tensor(repeating: 1, shape: step.output.shape)
            let backward = try median { _ = try step.layer.backward(signal, step: step, accumulateParameterGradients: false) }
            var flops = 0.0
            if let dense = step.layer as? Dense { flops = 2 * Double(dense.inputs * dense.outputs) }
            if let conv = step.layer as? Conv2D {
                flops = 2 * Double(step.output.count / rows * conv.inChannels * conv.kernel.0 * conv.kernel.1)
            }
            flopsPerRow += 2 * flops  // forward and input gradient
            layers.append(["layer": step.layer.name, "kind": step.layer.kind.rawValue, "forward_ms": forward,
                           "backward_ms": backward, "gflop": 2 * flops * Double(rows) / 1e9])
        }
        let n = 1024
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        MatrixProduct.gemm(a.baseAddress!, transposeA: false, b.baseAddress!, transposeB: false, c.baseAddress!,
                                           m: n, n: n, k: n)
                    }
                }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let rate = 2 * Double(n * n * n) / best / 1e9
        let flops = flopsPerRow * Double(steps)
        return (layers, (flops, rate, flops / (rate * 1e9) * 1e3))
    }
}
