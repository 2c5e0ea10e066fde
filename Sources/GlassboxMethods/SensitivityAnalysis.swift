import GlassboxEngine
import GlassboxModels

/// Sensitivity analysis (chapter 2.1): R_i = (∂f/∂x_i)², how much a change of each pixel would
/// change the explained output — not why the output is what it is.
public struct SensitivityAnalysis: BackwardMethod {
    public static let declaration = MethodDeclaration(
        id: "sensitivity", title: "Sensitivity analysis",
        citation: "Montavon, Samek & Müller (2018), Methods for interpreting and understanding deep neural networks, Digital Signal Processing 73, Section 4.1",
        summary: "Sensitivity analysis (chapter 2.1): R = (∂f/∂x)², how much each pixel's change would change the output.",
        details: "Shown as the reference does: a 'hot' heat map over the digit at alpha 0.5, with a colorbar. With layer: "
            + "the sensitivity of the sum of that layer's channel `target`.",
        chapters: ["2.1", "5.1", "5.2"],
        options: [MethodOption("exponent", .integer(even: true), default: .int(2),
                               doc: "the power of the gradient (2 by definition; 4 reproduces chapter 5.1)")],
        display: .squaredOverInput,
        example: "let e = sensitivity(net, xs)\nshow(e)", page: "sensitivity-analysis.md",
        figure: "sensitivity(net, xs, target: \"label\")")

    public var model: ExplainedModel
    /// The power of the gradient: 2 by definition. Chapter 5.1 squares the map again, in effect
    /// using (∂f/∂x)⁴; pass 4 to reproduce that quirk. A positive even number.
    public var exponent: Int

    public init(_ model: ExplainedModel, exponent: Int = 2) throws {
        guard exponent > 0, exponent % 2 == 0 else {
            throw MethodError.invalidOption(method: Self.declaration.title,
                                            message: "the exponent must be a positive even number, got \(exponent)")
        }
        self.model = model
        self.exponent = exponent
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, exponent: options.int("exponent"))
    }

    public var plan: BackwardPlan { BackwardPlan(rules: .gradient) }
    public var combine: @Sendable (Float, Float, Float) -> Float {
        let power = exponent
        return { g, _, _ in
            var value: Float = 1
            for _ in 0..<power { value *= g }
            return value
        }
    }
    public var settings: [MethodSetting] { exponent == 2 ? [] : [MethodSetting("exponent", "\(exponent)")] }
}
