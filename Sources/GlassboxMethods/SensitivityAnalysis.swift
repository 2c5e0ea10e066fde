import GlassboxEngine
import GlassboxModels

/// Sensitivity analysis (chapter 2.1): R_i = (∂f/∂x_i)², how much a change of each pixel would
/// change the explained output — not why the output is what it is.
public struct SensitivityAnalysis {
    public var model: ExplainedModel
    /// The power of the gradient: 2 by definition. Chapter 5.1 squares the map again, in effect
    /// using (∂f/∂x)⁴; pass 4 to reproduce that quirk. Must be a positive even number.
    public var exponent: Int

    public init(_ model: ExplainedModel, exponent: Int = 2) {
        self.model = model
        self.exponent = exponent
    }

    /// (∂f/∂x)^exponent for each image, batched.
    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        guard exponent > 0, exponent % 2 == 0 else {
            throw MethodError.invalidOption(method: "Sensitivity analysis",
                                            message: "the exponent must be a positive even number, got \(exponent)")
        }
        let power = exponent
        return try model.explainBySignal(inputs, targets: targets, rules: .gradient, method: "Sensitivity analysis",
                                         settings: power == 2 ? [] : [MethodSetting("exponent", "\(power)")],
                                         monitor: monitor) { g, _ in
            var value: Float = 1
            for _ in 0..<power { value *= g }
            return value
        }
    }
}
