import GlassboxEngine
import GlassboxModels

/// Guided backpropagation (Springenberg et al. 2014, chapter 3.3): the backward pass with every
/// ReLU passing g · 1[forward output > 0] · 1[g > 0]. Targets may be classes or a layer's channel.
public struct GuidedBackprop {
    public var model: ExplainedModel

    public init(_ model: ExplainedModel) {
        self.model = model
    }

    /// The guided-backprop map of each image's target, batched (signed values).
    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        try model.explainBySignal(inputs, targets: targets, rules: .guidedBackprop, method: "Guided backprop",
                                  settings: [], monitor: monitor) { g, _ in g }
    }
}
