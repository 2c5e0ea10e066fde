import GlassboxEngine
import GlassboxModels

/// Class activation mapping (Zhou et al. 2016, chapter 4.1): with conv maps A_k, global average
/// pooling and a linear classifier, S_c = Σ_k w_kc mean(A_k) + b_c, so CAM_c = Σ_k w_kc A_k (+ b_c)
/// is the map whose mean is S_c.
public struct CAM: ClassActivationMethod {
    public static let declaration = MethodDeclaration(
        id: "cam", title: "CAM",
        citation: "Zhou, Khosla, Lapedriza, Oliva & Torralba (2016), Learning deep features for discriminative localization, CVPR",
        summary: "Class activation map (chapter 4.1): CAM_c = Σ_k w_kc A_k on the conv maps before global average pooling; mean(CAM_c) = S_c.",
        details: "Needs feature maps → global average pooling → (flatten) → one dense layer to the logits, or the pooled maps "
            + "as the logits themselves (ALLCONV), and finds that layer itself. A bias b_c of the classifier is added to every "
            + "cell, so the mean of the coarse map is S_c exactly (the receipt); the maps are upsampled to the image with "
            + "bilinear interpolation and aligned corners. As in the reference, no ReLU (relu: true keeps the positive part). "
            + "Shown as the reference: viridis over the gray image at alpha 0.8 with a colorbar.",
        chapters: ["4.1"],
        options: [MethodOption("relu", .bool, default: .bool(false), doc: "keep only the positive part of the map (the reference does not)")],
        display: .classActivation, acceptsLayerTargets: false, outputs: [.logit],
        example: "let e = cam(model(\"clut-gap\"), xs, target: \"label\")\ne.receipt",
        page: "cam.md",
        figure: "cam(model(\"clut-gap\"), dataset(\"cluttered-mnist\").train.perDigit(index: 1), target: \"label\")")

    public var model: ExplainedModel
    public let featureLayer: FeatureLayer
    public var relu: Bool
    /// The classifier's weights w_kc as [classes, K] and its bias (zeros without one).
    private let weights: Tensor
    private let bias: [Float]

    public init(_ model: ExplainedModel, relu: Bool = false) throws {
        let title = Self.declaration.title
        _ = try model.imageShape(method: title)
        let layers = model.network.layers, shapes = model.network.layerOutputShapes
        func inputShape(_ index: Int) -> [Int] { index == 0 ? model.network.inputShape : shapes[index - 1] }
        func averagesEverything(_ index: Int) -> Bool {
            let input = inputShape(index)
            guard input.count == 3 else { return false }
            if layers[index].kind == .globalavgpool { return true }
            if let pool = layers[index] as? AvgPool2D {
                return shapes[index] == [input[0], 1, 1] && pool.window.0 >= input[1] && pool.window.1 >= input[2]
            }
            return false
        }
        let refusal = "CAM needs feature maps → global average pooling → a linear layer to the logits (chapter 4.1's clut-gap); "
            + "gradCAM works on any conv layer"
        guard let pool = layers.indices.first(where: averagesEverything), pool > 0 else {
            throw MethodError.unsupportedModel(method: title, message: "the model has no global average pooling of conv maps; " + refusal)
        }
        var classifier: Dense?
        for index in (pool + 1)..<layers.count {
            switch layers[index].kind {
            case .flatten, .reshape, .dropout:
                continue
            case .dense where index == layers.count - 1:
                classifier = layers[index] as? Dense
            default:
                throw MethodError.unsupportedModel(
                    method: title,
                    message: "after the global average pooling '\(layers[pool].name)' comes '\(layers[index].name)' (\(layers[index].kind.rawValue)); " + refusal)
            }
        }
        let shape = inputShape(pool)
        let classes = model.classCount
        if let classifier {
            weights = classifier.weight.value
            bias = classifier.bias?.value.scalars ?? [Float](repeating: 0, count: classes)
        } else {
            // The pooled maps are the logits: w is the identity.
            var identity = [Float](repeating: 0, count: classes * classes)
            for c in 0..<classes { identity[c * classes + c] = 1 }
            weights = Tensor(shape: [classes, classes], scalars: identity)
            bias = [Float](repeating: 0, count: classes)
        }
        guard weights.shape == [classes, shape[0]] else {
            throw MethodError.unsupportedModel(method: title, message: "the classifier's weights \(weights.shape) do not map \(shape[0]) pooled maps to \(classes) logits")
        }
        self.model = model
        self.relu = relu
        featureLayer = FeatureLayer(name: layers[pool - 1].name, index: pool - 1, channels: shape[0], height: shape[1], width: shape[2])
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, relu: options.bool("relu"))
    }

    public var usesGradients: Bool { false }
    public var receipt: ReceiptKind? { relu ? nil : .classActivationMean }
    public var settings: [MethodSetting] { relu ? [MethodSetting("relu", "yes")] : [] }

    public func coarseMaps(_ maps: FeatureMaps, monitor: WorkMonitor) throws -> [Float] {
        let channels = featureLayer.channels
        return maps.weightedSum(plus: { Double(bias[maps.targets[$0]]) }) { i, _, _ in
            let row = maps.targets[i] * channels
            return (0..<channels).map { Double(weights.scalars[row + $0]) }
        }
    }
}
