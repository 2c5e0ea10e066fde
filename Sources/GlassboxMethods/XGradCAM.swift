import GlassboxEngine
import GlassboxModels

/// XGrad-CAM (Fu et al. 2020): α_k = Σ_p (A_k(p) / Σ_q A_k(q)) ∂f/∂A_k(p), the gradient averaged
/// with the activations as weights; map = ReLU(Σ_k α_k A_k).
public struct XGradCAM: ClassActivationMethod {
    public static let declaration = MethodDeclaration(
        id: "xGradCAM", title: "XGrad-CAM",
        citation: "Fu, Hu, Dong, Liu, Liu & Li (2020), Axiom-based Grad-CAM: towards accurate visualization and explanation of CNNs, BMVC",
        summary: "XGrad-CAM: α_k = Σ_p A_k(p) ∂f/∂A_k(p) / Σ_p A_k(p), map = ReLU(Σ_k α_k A_k).",
        details: "The weights satisfy the paper's sensitivity and conservation axioms for ReLU networks. A map with Σ_p A_k(p) = 0 "
            + "gets α_k = 0. Same layer choice and display as gradCAM.",
        options: [.featureLayer, .camReLU], display: .classActivation, acceptsLayerTargets: false,
        example: "xGradCAM(net, xs, target: \"label\")", page: "xgrad-cam.md",
        figure: "xGradCAM(model(\"clut-fc\"), dataset(\"cluttered-mnist\").train.perDigit(index: 5), target: \"label\")")

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
        return maps.weightedSum { _, a, g in
            (0..<channels).map { k in
                var mass = 0.0, weighted = 0.0
                for p in 0..<positions {
                    let value = Double(a[a.startIndex + k * positions + p])
                    mass += value
                    weighted += value * Double(g[g.startIndex + k * positions + p])
                }
                return mass == 0 ? 0 : weighted / mass
            }
        }
    }
}
