import GlassboxEngine
import GlassboxModels

/// Simple Taylor decomposition (chapter 2.2): R_i = x_i · ∂f/∂x_i, the first-order Taylor
/// expansion at the root point 0. For a bias-free ReLU network f is positively homogeneous, so
/// Σ_i R_i = f(x) exactly (the receipt checks it).
public struct GradientTimesInput: BackwardMethod {
    public static let declaration = MethodDeclaration(
        id: "gradientTimesInput", title: "Gradient × input",
        citation: "Montavon, Samek & Müller (2018), Methods for interpreting and understanding deep neural networks, Section 4.2; Shrikumar et al. (2016), Not just a black box",
        summary: "Simple Taylor decomposition (chapter 2.2): R = x ⊙ ∂f/∂x; for a bias-free ReLU net the map sums to f(x).",
        details: "Shown as the reference does: a bwr heat map over the digit at alpha 0.5, symmetric range, colorbar. With layer: "
            + "x ⊙ the gradient of the sum of that layer's channel `target`. The receipt compares each map's sum with f(x): "
            + "equal on a bias-free ReLU network, off by what the biases contribute otherwise.",
        chapters: ["2.2", "5.1", "5.2"], display: .signedOverInput,
        example: "let e = gradientTimesInput(net, xs)\ne.sums\ne.outputs", page: "gradient-times-input.md",
        figure: "gradientTimesInput(net, xs, target: \"label\")")

    public var model: ExplainedModel

    public init(_ model: ExplainedModel) {
        self.model = model
    }

    public init(_ model: ExplainedModel, options: MethodOptions) {
        self.init(model)
    }

    public var plan: BackwardPlan { BackwardPlan(rules: .gradient, receipt: .conservation) }
    public var combine: @Sendable (Float, Float, Float) -> Float { { g, x, _ in g * x } }
    public var settings: [MethodSetting] { [] }
}
