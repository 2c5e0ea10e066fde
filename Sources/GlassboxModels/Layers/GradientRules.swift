import GlassboxEngine

/// The layer's own gradient (`Layer.backward`); with `accumulateParameterGradients` it also adds
/// parameter gradients, which is how training backpropagates.
public struct GradientRule: BackwardRule {
    public init() {}
    public func propagate(_ signal: Tensor, context: RuleContext) throws -> Tensor {
        try context.layer.backward(signal, step: context.step,
                                   accumulateParameterGradients: context.accumulateParameterGradients)
    }
}

/// Guided-backprop ReLU rule: g · 1[output > 0] · 1[g > 0].
public struct GuidedReLURule: BackwardRule {
    public init() {}
    public func propagate(_ signal: Tensor, context: RuleContext) throws -> Tensor {
        try context.step.output.zipMap(signal, operation: "guided ReLU rule at '\(context.layer.name)'") { y, g in
            (y > 0 && g > 0) ? g : 0
        }
    }
}

/// Deconvnet ReLU rule: max(g, 0), ignoring the forward activation.
public struct DeconvnetReLURule: BackwardRule {
    public init() {}
    public func propagate(_ signal: Tensor, context: RuleContext) throws -> Tensor {
        guard signal.shape == context.step.output.shape else {
            throw LayerError.shapeMismatch(layer: context.layer.name, what: "backward signal",
                                           expected: "\(context.step.output.shape)", got: signal.shape)
        }
        return signal.map { $0 > 0 ? $0 : 0 }
    }
}
