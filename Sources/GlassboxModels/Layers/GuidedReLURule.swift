import GlassboxEngine

/// Guided-backprop ReLU rule (Springenberg et al. 2014): g · 1[output > 0] · 1[g > 0].
public struct GuidedReLURule: BackwardRule {
    public init() {}
    public var name: String { "guided ReLU" }
    public func applies(to kind: LayerKind) -> Bool { kind == .relu }
    public func propagate(_ signal: Tensor, context: RuleContext) throws -> Tensor {
        try context.step.output.zipMap(signal, operation: "guided ReLU rule at '\(context.layer.name)'") { y, g in
            (y > 0 && g > 0) ? g : 0
        }
    }
}
