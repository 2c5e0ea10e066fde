import GlassboxEngine
import GlassboxModels

/// Grad-CAM element-wise (pytorch-grad-cam's GradCAMElementWise): only the positive products of
/// gradient and activation count, map = ReLU(Σ_k max(∂f/∂A_k ⊙ A_k, 0)).
public struct GradCAMElementWise: ClassActivationMethod {
    public static let declaration = MethodDeclaration(
        id: "gradCAMElementWise", title: "Grad-CAM element-wise",
        citation: "Gildenblat et al., PyTorch library for CAM methods (pytorch-grad-cam), GradCAMElementWise; after Draelos & Carin (2020)",
        summary: "Element-wise Grad-CAM: Σ_k max(∂f/∂A_k ⊙ A_k, 0), HiResCAM keeping only the positive contributions.",
        details: "Each feature map contributes where its activation and its gradient agree; contributions that lower f are "
            + "dropped before the sum instead of cancelling positive ones. Same layer choice and display as gradCAM.",
        options: [.featureLayer, .camReLU], display: .classActivation, acceptsLayerTargets: false,
        example: "gradCAMElementWise(net, xs, target: \"label\")", page: "grad-cam-element-wise.md",
        figure: "gradCAMElementWise(model(\"clut-fc\"), dataset(\"cluttered-mnist\").train.perDigit(index: 5), target: \"label\")")

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
        maps.positionwiseSum { a, g in Swift.max(g * a, 0) }
    }
}
