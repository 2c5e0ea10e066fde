import GlassboxEngine

/// Passes the signal through unchanged (shapes must match). LRP treats ReLUs this way: relevance
/// of a unit flows to its pre-activation as is.
public struct PassThroughRule: BackwardRule {
    public init() {}
    public func propagate(_ signal: Tensor, context: RuleContext) throws -> Tensor {
        guard signal.shape == context.step.input.shape else {
            throw LayerError.shapeMismatch(layer: context.layer.name, what: "pass-through signal",
                                           expected: "\(context.step.input.shape)", got: signal.shape)
        }
        return signal
    }
}
