import GlassboxEngine
import GlassboxModels

/// DeepLIFT with the Linear and Rescale rules (Shrikumar, Greenside & Kundaje 2017; chapter 2.5):
/// multipliers chained from the explained output to the pixels, m = Δy/Δx at every activation
/// (its gradient where Δx vanishes), the weights at every linear layer; contributions
/// C = (x − x⁰) ⊙ m sum exactly to f(x) − f(x⁰) (summation to delta).
public struct DeepLift: BackwardMethod {
    public static let declaration = MethodDeclaration(
        id: "deepLift", title: "DeepLIFT",
        citation: "Shrikumar, Greenside & Kundaje (2017), Learning important features through propagating activation differences, ICML",
        summary: "DeepLIFT (chapter 2.5): Linear and Rescale rules against a reference input; Σ C = f(x) − f(x⁰).",
        details: "The reference defaults to the black image, as chapter 2.5. Max pooling takes the gradient at the actual "
            + "input (the receipt shows how far summation to delta then is from exact). Explains output \"logit\", "
            + "\"reluLogit\" or \"allLogits\". Shown as the reference does: bwr, symmetric range.",
        chapters: ["2.5"],
        options: [MethodOption("baseline", .reference, default: .string("zeros"),
                               doc: "the reference x⁰: \"zeros\" (black), a number (a constant image), \"mean\" (of the images), or an image")],
        display: .relevanceSigned, outputs: [.logit, .reluLogit, .allLogits],
        example: "let e = deepLift(net, xs)\ne.sums\ne.outputs", page: "deeplift.md",
        figure: "deepLift(net, xs, target: \"label\")")

    public var model: ExplainedModel
    public var baseline: Reference

    public init(_ model: ExplainedModel, baseline: Reference = .zeros) {
        self.model = model
        self.baseline = baseline
    }

    public init(_ model: ExplainedModel, options: MethodOptions) {
        self.init(model, baseline: options.reference("baseline"))
    }

    public var plan: BackwardPlan {
        BackwardPlan(rules: .deepLiftRescale, seed: .multipliers, reference: baseline, receipt: .summationToDelta)
    }
    public var combine: @Sendable (Float, Float, Float) -> Float { { m, x, x0 in m * (x - x0) } }
    public var settings: [MethodSetting] { [MethodSetting("reference", baseline.label)] }
}
