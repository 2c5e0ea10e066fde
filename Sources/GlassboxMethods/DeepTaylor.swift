import GlassboxEngine
import GlassboxModels

/// Deep Taylor decomposition (Montavon et al. 2017; chapters 2.4, 5.1, 5.2): z⁺ in hidden dense and
/// conv layers, the proportional rule at pooling layers, z^B (inputs in low…high) at the layer
/// touching the pixels. On a bias-free ReLU network Σ R = f(x) up to the 1e-10 stabilisers.
public struct DeepTaylor: BackwardMethod {
    public static let declaration = MethodDeclaration(
        id: "deepTaylor", title: "Deep Taylor decomposition",
        citation: "Montavon, Lapuschkin, Binder, Samek & Müller (2017), Explaining nonlinear classification decisions with deep Taylor decomposition, Pattern Recognition 65",
        summary: "Deep Taylor decomposition (chapter 2.4): z⁺ in dense and conv layers, proportional pooling, z^B at the input.",
        details: "Chapter 2.4 starts from the softmax probability (output: \"probability\"), chapters 5.1 and 5.2 from ReLU(S_c) "
            + "(output: \"reluLogit\"). The receipt shows Σ R against f(x). Shown as the reference does: 'hot_r' (white is 0).",
        chapters: ["2.4", "5.1", "5.2"], options: [.low, .high], display: .relevance,
        example: "deepTaylor(net, xs, output: \"probability\")\ne.sums", page: "deep-taylor.md",
        figure: "deepTaylor(net, xs, target: \"label\")")

    public var model: ExplainedModel
    public var low: Float
    public var high: Float

    public init(_ model: ExplainedModel, low: Float = 0, high: Float = 1) throws {
        guard low < high else {
            throw MethodError.invalidOption(method: Self.declaration.title, message: "the input bounds need low < high, got \(low) and \(high)")
        }
        self.model = model
        self.low = low
        self.high = high
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, low: options.float("low"), high: options.float("high"))
    }

    public var plan: BackwardPlan {
        var parameters = RuleParameters()
        (parameters.low, parameters.high) = (low, high)
        return BackwardPlan(rules: Composite.deepTaylor.rules(parameters), seed: .relevance, receipt: .conservation)
    }
    public var combine: @Sendable (Float, Float, Float) -> Float { { r, _, _ in r } }
    public var settings: [MethodSetting] { low == 0 && high == 1 ? [] : [MethodSetting("bounds", "\(low)…\(high)")] }
}
