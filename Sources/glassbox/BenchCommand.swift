import ArgumentParser
import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxModels

/// `glassbox bench`: training throughput of the chapter-1 dense network and the chapter-2/3 CNN,
/// against the machine's single-precision matrix-product speed measured in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training speed (images/s, GFLOP/s) against a large sgemm.")

    @Option(help: "Timed batches per model (after 2 warm-up batches).")
    var batches: Int = 20

    @Option(name: .customLong("batch-size"), help: "Images per batch.")
    var batchSize: Int = 100

    @Option(help: "Zoo models to time, comma-separated.")
    var models: String = "mlp-a,cnn-max-b"

    func validate() throws {
        guard batches > 0, batchSize > 0 else { throw ValidationError("--batches and --batch-size must be positive") }
    }

    func run() throws {
        try NumericLibraryCheck.require(command: "bench")
        let sgemm = Self.measureSgemm(size: 2048)
        emit(String(format: "sgemm 2048³: %.1f GFLOP/s", sgemm) + " (\(MatrixProduct.kernelDescription))")
        for name in models.split(separator: ",").map(String.init) {
            let entry = try ModelZoo.entry(named: name)
            let shape = entry.architecture.inputShape
            guard shape.count == 3, shape[0] == 1, entry.recipe.objective == .classifier else {
                throw CommandFailure("\(entry.name) is not an image classifier; bench times classifiers such as mlp-a or cnn-max-b")
            }
            let model = try entry.architecture.build(seed: 1)
            var rng = SeededRandom(seed: 2)
            let count = batchSize * 4
            let pixels = entry.architecture.inputShape.reduce(1, *)
            let images = Tensor(shape: [count] + entry.architecture.inputShape,
                                scalars: (0..<count * pixels).map { _ in rng.nextUniform() })
            let data = try LabelledImages(images: images,
                                          labels: (0..<count).map { $0 % 10 })
            let trainer = Trainer(model: model, configuration: TrainingConfiguration(epochs: 1, batchSize: batchSize, seed: 1))
            for i in 0..<2 { _ = try trainer.step(try data[(i * batchSize)..<((i + 1) * batchSize)]) }
            let started = DispatchTime.now().uptimeNanoseconds
            for i in 0..<batches {
                let part = i % 4
                _ = try trainer.step(try data[(part * batchSize)..<((part + 1) * batchSize)])
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let imagesPerSecond = Double(batches * batchSize) / seconds
            let flops = 6.0 * Double(try entry.architecture.forwardMultiplyAccumulates()) * imagesPerSecond
            emit(String(format: "glassbox \(name) images/s %.1f  GFLOP/s %.2f  (%.0f%% of sgemm)", imagesPerSecond,
                         flops / 1e9, 100 * flops / 1e9 / sgemm))
        }
    }

    /// Best of three C = A·B products of `size`×`size` matrices, in GFLOP/s.
    static func measureSgemm(size n: Int) -> Double {
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0..<3 {
            let started = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        MatrixProduct.gemm(a.baseAddress!, transposeA: false, b.baseAddress!, transposeB: false,
                                           c.baseAddress!, m: n, n: n, k: n)
                    }
                }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }
}
