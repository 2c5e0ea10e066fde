import GlassboxEngine
import GlassboxModels

/// The gradient ∂f/∂x of the explained output with respect to the input (Simonyan et al. 2014),
/// optionally its absolute value (chapter 3.2 shows |∂(Σ_j S_j)/∂x|: use `.allLogitsSum` output).
public struct Saliency {
    public var model: ExplainedModel
    /// Return |∂f/∂x| instead of the signed gradient.
    public var absolute: Bool

    public init(_ model: ExplainedModel, absolute: Bool = false) {
        self.model = model
        self.absolute = absolute
    }

    /// The (absolute) gradient map of each image, batched.
    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        let absolute = self.absolute
        return try model.explainBySignal(inputs, targets: targets, rules: .gradient, method: "Saliency",
                                         settings: absolute ? [MethodSetting("absolute", "yes")] : [], monitor: monitor) { g, _ in
            absolute ? abs(g) : g
        }
    }
}
