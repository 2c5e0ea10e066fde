import GlassboxEngine
import GlassboxModels

/// Guided backpropagation (Springenberg et al. 2014, chapter 3.3): the backward pass with every
/// ReLU passing g · 1[forward output > 0] · 1[g > 0]. Targets may be classes or a layer's channel.
public struct GuidedBackprop: BackwardMethod {
    public static let declaration = MethodDeclaration(
        id: "guidedBackprop", title: "Guided backprop",
        citation: "Springenberg, Dosovitskiy, Brox & Riedmiller (2015), Striving for simplicity: the all convolutional net, ICLR workshop",
        summary: "Guided backpropagation (chapter 3.3): ReLUs pass only positive signals where the forward output was positive.",
        details: "Shown as the reference does: gray maps with a colorbar.",
        chapters: ["3.3"], display: .gray, isModifiedGradient: true,
        example: "guidedBackprop(net, xs)\nsmoothGrad(net, xs, method: \"guidedBackprop\")", page: "guided-backprop.md",
        figure: "guidedBackprop(net, xs, target: \"label\")")

    public var model: ExplainedModel

    public init(_ model: ExplainedModel) {
        self.model = model
    }

    public init(_ model: ExplainedModel, options: MethodOptions) {
        self.init(model)
    }

    public var plan: BackwardPlan { BackwardPlan(rules: .guidedBackprop) }
    public var combine: @Sendable (Float, Float, Float) -> Float { { g, _, _ in g } }
    public var settings: [MethodSetting] { [] }
}
