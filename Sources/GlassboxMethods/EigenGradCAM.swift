import GlassboxEngine
import GlassboxModels

/// Eigen-Grad-CAM (pytorch-grad-cam's EigenGradCAM): Eigen-CAM of the products ∂f/∂A_k ⊙ A_k,
/// so the principal component is that of the class-specific contributions.
public struct EigenGradCAM: ClassActivationMethod {
    public static let declaration = MethodDeclaration(
        id: "eigenGradCAM", title: "Eigen-Grad-CAM",
        citation: "Gildenblat et al., PyTorch library for CAM methods (pytorch-grad-cam), EigenGradCAM; after Muhammad & Yeasin (2020)",
        summary: "Eigen-Grad-CAM: the element-wise products ∂f/∂A_k ⊙ A_k projected on their first principal component.",
        details: "Class-specific, unlike eigenCAM. The same sign convention (positive correlation with Σ_k ∂f/∂A_k ⊙ A_k, the "
            + "HiResCAM map) and ReLU. Same layer choice and display as gradCAM.",
        options: [.featureLayer, .camReLU], display: .classActivation, acceptsLayerTargets: false,
        example: "eigenGradCAM(net, xs, target: \"label\")", page: "eigen-grad-cam.md",
        figure: "eigenGradCAM(model(\"clut-fc\"), dataset(\"cluttered-mnist\").train.perDigit(index: 5), target: \"label\")")

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
        try maps.principalProjections { a, g in a * g }
    }
}
