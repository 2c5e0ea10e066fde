import GlassboxEngine
import GlassboxModels

/// Grad-CAM (Selvaraju et al. 2017, chapter 4.2): channel weights α_k = the spatial mean of
/// ∂f/∂A_k, map = ReLU(Σ_k α_k A_k), on any conv layer of any model.
public struct GradCAM: ClassActivationMethod {
    public static let declaration = MethodDeclaration(
        id: "gradCAM", title: "Grad-CAM",
        citation: "Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra (2017), Grad-CAM: visual explanations from deep networks via gradient-based localization, ICCV",
        summary: "Grad-CAM (chapter 4.2): α_k = spatial mean of ∂f/∂A_k, map = ReLU(Σ_k α_k A_k), upsampled to the image.",
        details: "Works on any layer with feature maps (layer: \"relu3\"; by default the last conv or activation layer with more "
            + "than one position) of any conv net, for any explained output. On a network with global average pooling and a "
            + "linear classifier it is CAM up to the ReLU and the factor 1/(h·w). The coarse map (e.coarse) is upsampled "
            + "bilinearly with aligned corners. Shown as the reference: viridis over the gray image at alpha 0.8.",
        chapters: ["4.2"], options: [.featureLayer, .camReLU], display: .classActivation, acceptsLayerTargets: false,
        example: "gradCAM(net, xs, target: \"label\")\ngradCAM(net, xs, layer: \"relu2\")", page: "grad-cam.md",
        figure: "gradCAM(model(\"clut-fc\"), dataset(\"cluttered-mnist\").train.perDigit(index: 5), target: \"label\")")

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
        let (channels, positions) = (featureLayer.channels, featureLayer.positions)
        return maps.weightedSum { _, _, g in
            (0..<channels).map { k in
                var total = 0.0
                for p in 0..<positions { total += Double(g[g.startIndex + k * positions + p]) }
                return total / Double(positions)
            }
        }
    }
}
