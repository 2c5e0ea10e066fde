import GlassboxEngine

/// Deconvnet ReLU rule (Zeiler & Fergus 2014): max(g, 0), ignoring the forward activation.
public struct DeconvnetReLURule: BackwardRule {
    public init() {}
    public var name: String { "deconvnet ReLU" }
    public func applies(to kind: LayerKind) -> Bool { kind == .relu }
    public func propagate(_ signal: Tensor, context: RuleContext) throws -> Tensor {
        guard signal.shape == context.step.output.shape else {
            throw LayerError.shapeMismatch(layer: context.layer.name, what: "backward signal",
                                           expected: "\(context.step.output.shape)", got: signal.shape)
        }
        return signal.map { $0 > 0 ? $0 : 0 }
    }
}
