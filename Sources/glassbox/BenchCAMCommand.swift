import ArgumentParser
import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxMethods
import GlassboxModels

/// `glassbox bench-cam`: times Grad-CAM, Grad-CAM++ and Score-CAM on CLUT-FC (chapters 4.2, 4.3) for
/// one cluttered image per digit, and writes the weights (PyTorch layouts), the images and the coarse
/// maps as safetensors so that `bench/cam_bench.py` can compare with pytorch-grad-cam and Captum's
/// LayerGradCam on exactly the same numbers.
struct BenchCAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-cam",
        abstract: "Time Grad-CAM, Grad-CAM++ and Score-CAM on CLUT-FC; export weights and maps for comparison.")

    @Option(help: "Directory to write weights.safetensors and maps.safetensors into.")
    var out: String = "bench/out/cam"

    @OptionGroup var data: BenchDataOptions

    @Option(help: "Images per forward/backward pass.")
    var batchSize: Int = 128

    @Option(help: "A zoo name with trained weights (clut-fc by default) or a model file of the CLUT-FC layout.")
    var model: String = "clut-fc"

    func run() throws {
        try NumericLibraryCheck.require(command: "bench-cam")
        let network = try BenchModels.load(model)
        guard network.inputShape == [1, 40, 40] else { throw ValidationError("the benchmark needs a 40×40 cluttered-MNIST model") }
        let (images, labels, source) = try data.images(noiseShape: [10, 1, 40, 40]) { mnist in
            let chosen = try ClutteredMNIST.generate(from: mnist).train.perDigit(index: 5)
            return (chosen.images, chosen.labels, "generated cluttered MNIST (seed 0), train image 5 of each digit")
        }
        let explained = try ExplainedModel(network, output: .logit, batchSize: batchSize)
        func fastest(_ method: some AttributionMethod) throws -> (Explanation, Double) {
            try data.fastest { try method.attribute(images, targets: .classes(labels), monitor: .none) }
        }
        let (gradCAM, gradTime) = try fastest(try GradCAM(explained))
        // pytorch-grad-cam's Grad-CAM++ has no exp(S_c) factor.
        let (plusPlus, plusTime) = try fastest(try GradCAMPlusPlus(explained, exponential: false))
        let (score, scoreTime) = try fastest(try ScoreCAM(explained))

        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var entries: [SafetensorsFile.Entry] = []
        for layer in network.layers {
            for parameter in layer.parameters { entries.append(.init(name: parameter.name, tensor: parameter.value)) }
        }
        try SafetensorsFile(entries: entries, metadata: ["architecture": network.layers.map(\.name).joined(separator: ",")])
            .write(to: directory.appendingPathComponent("weights.safetensors"))
        try SafetensorsFile(entries: [
            .init(name: "images", tensor: images),
            .init(name: "labels", tensor: Tensor(shape: [labels.count], scalars: labels.map(Float.init))),
            .init(name: "explained_logits", tensor: Tensor(shape: [labels.count], scalars: gradCAM.outputs)),
            .init(name: "grad_cam", tensor: gradCAM.coarseMaps!),
            .init(name: "grad_cam_plus_plus", tensor: plusPlus.coarseMaps!),
            .init(name: "score_cam", tensor: score.coarseMaps!),
            .init(name: "grad_cam_upsampled", tensor: gradCAM.attributions),
        ]).write(to: directory.appendingPathComponent("maps.safetensors"))

        let count = Double(labels.count)
        let summary: [String: Any] = [
            "images": source, "model": model, "layer": gradCAM.featureLayer ?? "", "batch_size": batchSize,
            "layers": network.layers.map { "\($0.name):\($0.kind.rawValue)" },
            "products": MatrixProduct.kernelDescription,
            "grad_cam_ms_per_image": gradTime / count, "grad_cam_plus_plus_ms_per_image": plusTime / count,
            "score_cam_ms_per_image": scoreTime / count, "out": directory.path,
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
