import GlassboxEngine
import GlassboxModels

/// Ablation-CAM (Desai & Ramaswamy 2020): no gradients. Switching feature map k off (setting it
/// to 0) lowers f from f(x) to f_k; the relative drop weights the map, w_k = (f(x) − f_k) / f(x),
/// map = ReLU(Σ_k w_k A_k).
public struct AblationCAM: ClassActivationMethod {
    public static let declaration = MethodDeclaration(
        id: "ablationCAM", title: "Ablation-CAM",
        citation: "Desai & Ramaswamy (2020), Ablation-CAM: visual explanations for deep convolutional network via gradient-free localization, WACV",
        summary: "Ablation-CAM: w_k = (f(x) − f with map k set to 0) / f(x), map = ReLU(Σ_k w_k A_k).",
        details: "K passes per image through the layers after the feature layer only, in batches. An image with f(x) = 0 has "
            + "no relative drop and gets an all-zero map. Same layer choice and display as gradCAM.",
        options: [.featureLayer, .camReLU], display: .classActivation, acceptsLayerTargets: false,
        example: "ablationCAM(net, xs, target: \"label\")", page: "ablation-cam.md",
        figure: "ablationCAM(model(\"clut-fc\"), dataset(\"cluttered-mnist\").train.perDigit(index: 5), target: \"label\")")

    public var model: ExplainedModel
    public let featureLayer: FeatureLayer
    public var relu: Bool

    public init(_ model: ExplainedModel, layer: String? = nil, relu: Bool = true) throws {
        self.model = model
        featureLayer = try model.featureLayer(named: layer, method: Self.declaration.title)
        self.relu = relu
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, layer: options.optionalString("layer"), relu: options.bool("relu"))
    }

    public var usesGradients: Bool { false }
    public var settings: [MethodSetting] { relu ? [] : [MethodSetting("relu", "no")] }
    public func imagesPerChunk(rowsPerPass: Int) -> Int { Swift.max(1, rowsPerPass / featureLayer.channels) }

    public func coarseMaps(_ maps: FeatureMaps, monitor: WorkMonitor) throws -> [Float] {
        let (channels, positions) = (featureLayer.channels, featureLayer.positions)
        let per = channels * positions
        // Row r = image r / K with map r % K switched off, in batches of at most batchSize rows.
        let rowsTotal = maps.count * channels
        let batch = try model.rowsPerPass(group: 1, withReference: false)
        var ablated = [Float](repeating: 0, count: rowsTotal)
        for start in stride(from: 0, to: rowsTotal, by: batch) {
            try monitor.cancellation.check()
            let end = Swift.min(rowsTotal, start + batch)
            var values = [Float](repeating: 0, count: (end - start) * per)
            maps.activations.scalars.withUnsafeBufferPointer { a in
                for r in start..<end {
                    let image = r / channels, off = r % channels
                    let out = (r - start) * per
                    for j in 0..<per { values[out + j] = a[image * per + j] }
                    for p in 0..<positions { values[out + off * positions + p] = 0 }
                }
            }
            let logits = try model.network.forward(Tensor(shape: [end - start, channels, featureLayer.height, featureLayer.width],
                                                          scalars: values), after: featureLayer.name)
            let scores = model.explainedValues(logits: logits, targets: (start..<end).map { maps.targets[$0 / channels] })
            ablated.replaceSubrange(start..<end, with: scores)
        }
        return maps.weightedSum { i, _, _ in
            // f(x) = 0 (e.g. a ReLU'd logit): no relative drop, and no map.
            let f = Double(maps.outputs[i])
            return (0..<channels).map { f == 0 ? 0 : (f - Double(ablated[i * channels + $0])) / f }
        }
    }
}
