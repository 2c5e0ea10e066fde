import GlassboxEngine

/// DeepLIFT's Rescale rule (Shrikumar et al. 2017) for a ReLU (or any point-wise activation): the multiplier at the input
/// is m_out · Δy / Δx, with Δ = actual − reference; where |Δx| < `threshold` the ordinary gradient
/// is used instead. Needs the walk to be given a reference record.
public struct DeepLiftRescaleRule: BackwardRule {
    public var threshold: Float

    public init(threshold: Float = 1e-7) { self.threshold = threshold }

    public var name: String { "rescale" }
    public func applies(to kind: LayerKind) -> Bool { kind.isActivation }

    public func propagate(_ multipliers: Tensor, context: RuleContext) throws -> Tensor {
        guard let reference = context.reference else {
            throw LayerError.invalidBackward("DeepLIFT at '\(context.layer.name)' needs a reference forward record")
        }
        let step = context.step
        let gradient = try step.layer.backward(multipliers, step: step, accumulateParameterGradients: false)
        var out = gradient
        let threshold = self.threshold
        step.input.scalars.withUnsafeBufferPointer { x in
            reference.input.scalars.withUnsafeBufferPointer { x0 in
                step.output.scalars.withUnsafeBufferPointer { y in
                    reference.output.scalars.withUnsafeBufferPointer { y0 in
                        multipliers.scalars.withUnsafeBufferPointer { m in
                            out.scalars.withUnsafeMutableBufferPointer { o in
                                for i in o.indices {
                                    let dx = x[i] - x0[i]
                                    if abs(dx) >= threshold { o[i] = m[i] * (y[i] - y0[i]) / dx }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
