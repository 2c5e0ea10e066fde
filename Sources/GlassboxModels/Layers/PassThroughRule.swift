import GlassboxEngine

/// Passes the signal through unchanged. LRP treats point-wise activations this way: the relevance
/// of a unit flows to its pre-activation as it is.
public struct PassThroughRule: BackwardRule {
    public init() {}
    public var name: String { "pass-through" }
    public func applies(to kind: LayerKind) -> Bool { kind.isActivation || kind == .dropout }
    public func propagate(_ signal: Tensor, context: RuleContext) throws -> Tensor {
        guard signal.shape == context.step.input.shape else {
            throw LayerError.shapeMismatch(layer: context.layer.name, what: "pass-through signal",
                                           expected: "\(context.step.input.shape)", got: signal.shape)
        }
        return signal
    }
}
