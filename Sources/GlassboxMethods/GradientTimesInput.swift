import GlassboxEngine
import GlassboxModels

/// Simple Taylor decomposition (chapter 2.2): R_i = x_i · ∂f/∂x_i, the first-order Taylor
/// expansion at the root point 0. For a bias-free ReLU network f is positively homogeneous, so
/// Σ_i R_i = f(x) exactly.
public struct GradientTimesInput {
    public var model: ExplainedModel

    public init(_ model: ExplainedModel) {
        self.model = model
    }

    /// x ⊙ ∂f/∂x for each image, batched.
    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        try model.explainBySignal(inputs, targets: targets, rules: .gradient, method: "Gradient × input",
                                  settings: [], monitor: monitor) { g, x in g * x }
    }
}
