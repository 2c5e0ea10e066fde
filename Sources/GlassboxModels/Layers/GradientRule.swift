import GlassboxEngine

/// The layer's own gradient (`Layer.backward`); with `accumulateParameterGradients` it also adds
/// parameter gradients, which is how training backpropagates. At a max-pooling layer it routes the
/// whole signal to the first maximal cell of each window, which is LRP's winner-takes-all rule
/// when the signal is a relevance.
public struct GradientRule: BackwardRule {
    public init() {}
    public var name: String { "gradient" }
    public func applies(to kind: LayerKind) -> Bool { true }
    public func propagate(_ signal: Tensor, context: RuleContext) throws -> Tensor {
        try context.layer.backward(signal, step: context.step,
                                   accumulateParameterGradients: context.accumulateParameterGradients)
    }
}
