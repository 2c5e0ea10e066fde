import GlassboxEngine
import GlassboxModels

/// Score-CAM (Wang et al. 2020): no gradients. Each feature map, upsampled to the image and scaled
/// to [0, 1], masks the input; the score f(x ⊙ M_k) of the masked image weights A_k.
/// Algorithm 1 of the paper: α = softmax_k(f(x ⊙ M_k)), map = ReLU(Σ_k α_k A_k).
public struct ScoreCAM: ClassActivationMethod {
    public static let declaration = MethodDeclaration(
        id: "scoreCAM", title: "Score-CAM",
        citation: "Wang, Wang, Du, Yang, Zhang, Ding, Mardziel & Hu (2020), Score-CAM: score-weighted visual explanations for convolutional neural networks, CVPR workshops",
        summary: "Score-CAM: each upsampled map M_k (scaled to [0, 1]) masks the image; α = softmax_k f(x ⊙ M_k), map = ReLU(Σ_k α_k A_k).",
        details: "K forward passes per image (K feature maps), run in batches. weights: \"softmax\" is the paper's Algorithm 1 "
            + "(and pytorch-grad-cam's ScoreCAM with the logit); the increase over a blank image that the paper subtracts is the "
            + "same for every k and cancels in the softmax. weights: \"scores\" uses f(x ⊙ M_k) itself, as the authors' code "
            + "does with output: \"probability\". A constant map gets an all-zero mask. Same layer choice and display as gradCAM.",
        options: [.featureLayer, .camReLU,
                  MethodOption("weights", .choice(["softmax", "scores"]), default: .string("softmax"),
                               doc: "softmax over the maps of the masked scores (the paper) or the scores themselves")],
        display: .classActivation, acceptsLayerTargets: false,
        example: "scoreCAM(net, xs, target: \"label\")\nscoreCAM(net, xs, output: \"probability\", weights: \"scores\")", page: "score-cam.md",
        figure: "scoreCAM(model(\"clut-fc\"), dataset(\"cluttered-mnist\").train.perDigit(index: 5), target: \"label\")")

    public var model: ExplainedModel
    public let featureLayer: FeatureLayer
    public var relu: Bool
    /// Softmax over the maps (true) or the raw masked scores.
    public var softmax: Bool

    public init(_ model: ExplainedModel, layer: String? = nil, relu: Bool = true, softmax: Bool = true) throws {
        self.model = model
        featureLayer = try model.featureLayer(named: layer, method: Self.declaration.title)
        self.relu = relu
        self.softmax = softmax
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, layer: options.optionalString("layer"), relu: options.bool("relu"),
                      softmax: options.string("weights") == "softmax")
    }

    public var usesGradients: Bool { false }
    public var settings: [MethodSetting] {
        [MethodSetting("weights", softmax ? "softmax" : "scores")] + (relu ? [] : [MethodSetting("relu", "no")])
    }
    public func imagesPerChunk(rowsPerPass: Int) -> Int { Swift.max(1, rowsPerPass / featureLayer.channels) }

    public func coarseMaps(_ maps: FeatureMaps, monitor: WorkMonitor) throws -> [Float] {
        let channels = featureLayer.channels
        let shape = model.network.inputShape
        let plane = shape[1] * shape[2]
        // The masks: every map upsampled to the image, each scaled to [0, 1] (per image and map).
        try MemoryBudget.shared.check(maps.count * channels * plane * 4, for: "Score-CAM's masks of \(maps.count) images")
        var masks = try ImageResampling.resizeBilinear(maps.activations, height: shape[1], width: shape[2]).scalars
        for m in 0..<(maps.count * channels) {
            let range = (m * plane)..<((m + 1) * plane)
            let low = masks[range].min() ?? 0, high = masks[range].max() ?? 0
            for j in range { masks[j] = high > low ? (masks[j] - low) / (high - low) : 0 }
        }
        let scores = try maps.model.maskedScores(maps.inputs, masks: masks, masksPerImage: channels, targets: maps.targets,
                                                 monitor: monitor)
        return maps.weightedSum { i, _, _ in
            let row = scores[(i * channels)..<((i + 1) * channels)].map(Double.init)
            guard softmax else { return row }
            let largest = row.max() ?? 0
            let exps = row.map { _exp($0 - largest) }
            let total = exps.reduce(0, +)
            return exps.map { $0 / total }
        }
    }
}

extension ExplainedModel {
    /// f(x_i ⊙ M) for every image x_i of `inputs` and each of its `masksPerImage` masks (`masks`:
    /// planes of the image's height × width, image by image, each applied to every input channel),
    /// in forward-only passes of at most `batchSize` rows that mix images.
    func maskedScores(_ inputs: Tensor, masks: [Float], masksPerImage: Int, targets: [Int], monitor: WorkMonitor) throws -> [Float] {
        let shape = network.inputShape
        let plane = shape[1] * shape[2], per = inputs.valuesPerRow, channels = shape[0]
        let count = masks.count / plane
        let rows = try rowsPerPass(group: 1, withReference: false)
        var scores: [Float] = []
        scores.reserveCapacity(count)
        for start in stride(from: 0, to: count, by: rows) {
            try monitor.cancellation.check()
            let end = Swift.min(count, start + rows)
            var values = [Float](repeating: 0, count: (end - start) * per)
            inputs.scalars.withUnsafeBufferPointer { x in
                for r in start..<end {
                    let image = r / masksPerImage
                    for c in 0..<channels {
                        let out = (r - start) * per + c * plane, input = image * per + c * plane
                        for j in 0..<plane { values[out + j] = x[input + j] * masks[r * plane + j] }
                    }
                }
            }
            let logits = try network.forward(Tensor(shape: [end - start] + shape, scalars: values))
            scores += explainedValues(logits: logits, targets: (start..<end).map { targets[$0 / masksPerImage] })
        }
        return scores
    }
}
