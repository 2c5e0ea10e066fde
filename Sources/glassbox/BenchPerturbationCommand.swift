import ArgumentParser
import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxMethods
import GlassboxModels

/// `glassbox bench-perturbation`: times occlusion, LIME and Kernel SHAP on the chapter CNN
/// (CNN-MAX-B) for one MNIST training image per digit, and writes the weights (PyTorch names and
/// layouts), the images, the segments and the maps as safetensors so that
/// `bench/perturbation_bench.py` can run Captum's Occlusion, Lime and KernelShap on the same numbers.
struct BenchPerturbationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-perturbation",
        abstract: "Time occlusion, LIME and Kernel SHAP on the chapter CNN; export weights, segments and maps for comparison.")

    @Option(help: "Directory to write weights.safetensors and maps.safetensors into.")
    var out: String = "bench/out/perturbation"

    @OptionGroup var data: BenchDataOptions

    @Option(help: "Rows per forward pass.")
    var batchSize: Int = 128

    @Option(help: "Occlusion's patch side.")
    var patch: Int = 4

    @Option(help: "Occlusion's stride.")
    var stride: Int = 2

    @Option(help: "LIME's and Kernel SHAP's samples per image.")
    var samples: Int = 1000

    @Option(help: "LIME's and Kernel SHAP's grid segments.")
    var segments: Int = 16

    @Option(help: "A zoo name with trained weights (cnn-max-b by default) or a model file of that layout.")
    var model: String = "cnn-max-b"

    func run() throws {
        try NumericLibraryCheck.require(command: "bench-perturbation")
        let network = try BenchModels.load(model)
        guard network.inputShape == [1, 28, 28] else { throw ValidationError("the benchmark needs a 28×28 MNIST model") }
        let (images, labels, source) = try data.images(noiseShape: [10, 1, 28, 28]) { mnist in
            let chosen = try mnist.train.perDigit(index: 1)
            return (chosen.images, chosen.labels, "MNIST train, image 1 of each digit")
        }
        let explained = try ExplainedModel(network, output: .logit, batchSize: batchSize)
        func fastest(_ method: some AttributionMethod) throws -> (Explanation, Double) {
            try data.fastest { try method.attribute(images, targets: .classes(labels), monitor: .none) }
        }
        let (occlusion, occlusionTime) = try fastest(try Occlusion(explained, patch: patch, stride: stride))
        let (lime, limeTime) = try fastest(try LIME(explained, samples: samples, segments: segments))
        let shapMethod = try KernelSHAP(explained, samples: samples, segments: segments)
        let (shap, shapTime) = try fastest(shapMethod)

        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafetensorsFile(entries: try BenchModels.chapterCNNParameters(network))
            .write(to: directory.appendingPathComponent("weights.safetensors"))
        let grid = try Segments.grid(segments, height: 28, width: 28, method: "bench")
        try SafetensorsFile(entries: [
            .init(name: "images", tensor: images),
            .init(name: "labels", tensor: Tensor(shape: [labels.count], scalars: labels.map(Float.init))),
            .init(name: "segments", tensor: Tensor(shape: [1, 1, 28, 28], scalars: grid.labels.map(Float.init))),
            .init(name: "explained_logits", tensor: Tensor(shape: [labels.count], scalars: occlusion.outputs)),
            .init(name: "occlusion", tensor: occlusion.attributions),
            .init(name: "lime", tensor: lime.attributions),
            .init(name: "kernel_shap", tensor: shap.attributions),
            .init(name: "all_off_logits", tensor: Tensor(shape: [labels.count], scalars: shap.baselineOutputs ?? [])),
        ]).write(to: directory.appendingPathComponent("maps.safetensors"))

        let count = Double(labels.count)
        let summary: [String: Any] = [
            "images": source, "model": model, "batch_size": batchSize, "patch": patch, "stride": stride, "samples": samples,
            "segments": segments, "shap_coalitions": shapMethod.enumeratesAll ? "all" : "\(samples) sampled",
            "products": MatrixProduct.kernelDescription,
            "occlusion_ms_per_image": occlusionTime / count, "lime_ms_per_image": limeTime / count,
            "kernel_shap_ms_per_image": shapTime / count, "kernel_shap_receipt_error": Double(shap.receiptError ?? 0),
            "out": directory.path,
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
