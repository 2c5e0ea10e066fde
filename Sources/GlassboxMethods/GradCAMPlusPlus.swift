import GlassboxEngine
import GlassboxModels

/// Grad-CAM++ (Chattopadhyay et al. 2018, chapter 4.3) with the closed-form pixel weights of an
/// exponential score Y = exp(f): α_k(p) = g² / (2g² + Σ_q A_k(q) · g³) with g = ∂f/∂A_k(p),
/// w_k = Σ_p α_k(p) · max(exp(f) · g, 0), map = ReLU(Σ_k w_k A_k).
public struct GradCAMPlusPlus: ClassActivationMethod {
    public static let declaration = MethodDeclaration(
        id: "gradCAMPlusPlus", title: "Grad-CAM++",
        citation: "Chattopadhyay, Sarkar, Howlader & Balasubramanian (2018), Grad-CAM++: generalized gradient-based visual explanations for deep convolutional networks, WACV",
        summary: "Grad-CAM++ (chapter 4.3): w_k = Σ_p α_k(p) ReLU(∂exp(f)/∂A_k(p)), α = g²/(2g² + Σ A_k · g³), map = ReLU(Σ_k w_k A_k).",
        details: "The closed form holds for the exponential of a score that is piecewise linear in A (the logit of a ReLU net). "
            + "Where g = 0 or the denominator vanishes, α = 0; where g > 0 and A ≥ 0 it is the reference's 1/(2 + g·Σ A_k). "
            + "exp(f) is one positive factor of every w_k, so it scales the map without changing its shape: exponential: false "
            + "drops it (pytorch-grad-cam's form), and the two maps differ by exactly that factor. A map that overflows float32 "
            + "(f above about 80) is an error that says so. Same layer choice and display as gradCAM.",
        chapters: ["4.3"],
        options: [.featureLayer, .camReLU,
                  MethodOption("exponential", .bool, default: .bool(true),
                               doc: "weight by ∂exp(f)/∂A as the reference (true), or by ∂f/∂A (false: the same map divided by exp(f))")],
        display: .classActivation, acceptsLayerTargets: false,
        example: "gradCAMPlusPlus(net, xs, target: \"label\")\ngradCAMPlusPlus(net, xs, exponential: false)", page: "grad-cam-plus-plus.md",
        figure: "gradCAMPlusPlus(model(\"clut-fc\"), dataset(\"cluttered-mnist\").train.perDigit(index: 5), target: \"label\")")

    public var model: ExplainedModel
    public let featureLayer: FeatureLayer
    public var relu: Bool
    public var exponential: Bool

    public init(_ model: ExplainedModel, layer: String? = nil, relu: Bool = true, exponential: Bool = true) throws {
        self.model = model
        featureLayer = try model.featureLayer(named: layer, method: Self.declaration.title)
        self.relu = relu
        self.exponential = exponential
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, layer: options.optionalString("layer"), relu: options.bool("relu"), exponential: options.bool("exponential"))
    }

    public var usesGradients: Bool { true }
    public var settings: [MethodSetting] {
        (exponential ? [MethodSetting("score", "exp(f)")] : [MethodSetting("score", "f")]) + (relu ? [] : [MethodSetting("relu", "no")])
    }

    public func coarseMaps(_ maps: FeatureMaps, monitor: WorkMonitor) throws -> [Float] {
        let (channels, positions) = (featureLayer.channels, featureLayer.positions)
        let values = maps.weightedSum { i, a, g in
            let scale = exponential ? _exp(Double(maps.outputs[i])) : 1
            return (0..<channels).map { k in
                var mass = 0.0
                for p in 0..<positions { mass += Double(a[a.startIndex + k * positions + p]) }
                var weight = 0.0
                for p in 0..<positions {
                    let gradient = Double(g[g.startIndex + k * positions + p])
                    guard gradient > 0 else { continue }  // ReLU(exp(f)·g) = 0
                    let denominator = 2 * gradient * gradient + mass * gradient * gradient * gradient
                    guard denominator != 0 else { continue }
                    weight += gradient * gradient / denominator * gradient
                }
                return weight * scale
            }
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            let i = bad / positions
            throw MethodError.invalidOption(
                method: Self.declaration.title,
                message: "the map of image \(maps.firstImage + i) overflows float32 with the exponential score (f = \(maps.outputs[i]), "
                    + "exp(f) ≈ 10^\(Int(Double(maps.outputs[i]) / 2.302585))); use exponential: false, the same map divided by exp(f)")
        }
        return values
    }
}
