import GlassboxEngine
import GlassboxModels

/// HiResCAM (Draelos & Carin 2020): the gradient multiplies the feature maps element-wise before
/// the channel sum, map = ReLU(Σ_k ∂f/∂A_k ⊙ A_k), so each position keeps its own gradient.
public struct HiResCAM: ClassActivationMethod {
    public static let declaration = MethodDeclaration(
        id: "hiResCAM", title: "HiResCAM",
        citation: "Draelos & Carin (2020), Use HiResCAM instead of Grad-CAM for faithful explanations of convolutional neural networks, arXiv:2011.08891",
        summary: "HiResCAM: ReLU(Σ_k ∂f/∂A_k ⊙ A_k), Grad-CAM without averaging the gradient over positions.",
        details: "When everything after the feature layer is linear (flatten + dense), Σ over positions of the map before the "
            + "ReLU is f(x) minus the biases, so it shows where the score comes from. Same layer choice and display as gradCAM.",
        options: [.featureLayer, .camReLU], display: .classActivation, acceptsLayerTargets: false,
        example: "hiResCAM(net, xs, target: \"label\")", page: "hirescam.md",
        figure: "hiResCAM(model(\"clut-fc\"), dataset(\"cluttered-mnist\").train.perDigit(index: 5), target: \"label\")")

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
        maps.positionwiseSum { a, g in g * a }
    }
}
