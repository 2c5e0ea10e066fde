import GlassboxEngine
import GlassboxModels

/// The gradient ∂f/∂x of the explained output with respect to the input (Simonyan et al. 2014),
/// optionally its absolute value (chapter 3.2 shows |∂(Σ_j S_j)/∂x|: use `.allLogits` output).
public struct Saliency: BackwardMethod {
    public static let declaration = MethodDeclaration(
        id: "saliency", title: "Saliency",
        citation: "Simonyan, Vedaldi & Zisserman (2014), Deep inside convolutional networks: visualising image classification models and saliency maps, ICLR workshop",
        summary: "Gradient saliency (chapter 3.2): |∂f/∂x|, or the signed gradient with absolute: false.",
        details: "Chapter 3.2 differentiates the sum of all logits: pass output: \"allLogits\" to reproduce it. With layer: "
            + "the gradient of the sum of that layer's channel `target` (as deconvnet and guidedBackprop do). Shown in gray "
            + "(absolute) or bwr (signed) with a colorbar.",
        chapters: ["3.2", "3.5"],
        options: [MethodOption("absolute", .bool, default: .bool(true),
                               doc: "the absolute value of the gradient (chapter 3.2); false keeps its sign")],
        display: .gray, isModifiedGradient: true,
        example: "saliency(net, xs)\nsaliency(net, xs, output: \"allLogits\")\nsaliency(net, xs[0], target: 45, layer: \"pool3\")",
        page: "saliency.md", figure: "saliency(net, xs, target: \"label\")")

    public var model: ExplainedModel
    /// Return |∂f/∂x| instead of the signed gradient.
    public var absolute: Bool

    public init(_ model: ExplainedModel, absolute: Bool = false) {
        self.model = model
        self.absolute = absolute
    }

    public init(_ model: ExplainedModel, options: MethodOptions) {
        self.init(model, absolute: options.bool("absolute"))
    }

    public var plan: BackwardPlan { BackwardPlan(rules: .gradient) }
    public var combine: @Sendable (Float, Float, Float) -> Float {
        if absolute { return { g, _, _ in abs(g) } }
        return { g, _, _ in g }
    }
    public var settings: [MethodSetting] { absolute ? [MethodSetting("absolute", "yes")] : [] }
    public var display: MapDisplay { absolute ? .gray : .signed }
}
