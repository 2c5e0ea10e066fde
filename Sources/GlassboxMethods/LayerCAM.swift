import GlassboxEngine
import GlassboxModels

/// LayerCAM (Jiang et al. 2021): each position of each map weighted by its own positive gradient,
/// map = ReLU(Σ_k max(∂f/∂A_k, 0) ⊙ A_k); meaningful on shallow layers too.
public struct LayerCAM: ClassActivationMethod {
    public static let declaration = MethodDeclaration(
        id: "layerCAM", title: "LayerCAM",
        citation: "Jiang, Zhang, Hou, Cheng & Wei (2021), LayerCAM: exploring hierarchical class activation maps for localization, IEEE TIP 30",
        summary: "LayerCAM: ReLU(Σ_k max(∂f/∂A_k, 0) ⊙ A_k), position-wise positive gradients as weights.",
        details: "Because every position keeps its own weight, the maps of early layers (layer: \"relu1\") are sharp instead of "
            + "blurred by a channel average. Same layer choice and display as gradCAM.",
        options: [.featureLayer, .camReLU], display: .classActivation, acceptsLayerTargets: false,
        example: "layerCAM(net, xs, target: \"label\")\nlayerCAM(net, xs, layer: \"relu1\")", page: "layer-cam.md",
        figure: "layerCAM(model(\"clut-fc\"), dataset(\"cluttered-mnist\").train.perDigit(index: 5), target: \"label\")")

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

    public var usesGradients: Bool { true }
    public var settings: [MethodSetting] { relu ? [] : [MethodSetting("relu", "no")] }

    public func coarseMaps(_ maps: FeatureMaps, monitor: WorkMonitor) throws -> [Float] {
        maps.positionwiseSum { a, g in Swift.max(g, 0) * a }
    }
}
