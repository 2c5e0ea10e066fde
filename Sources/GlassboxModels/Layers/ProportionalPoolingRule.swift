import GlassboxEngine

/// Redistributes relevance in proportion to the activations of each pooling window, for max or
/// average pooling alike: R_j = a_j · Σ_k R_k / (Σ_{window k} a + n_k·ε), over real cells only
/// (the deep-Taylor pooling rule of the tutorial, exact under TF SAME padding).
public struct ProportionalPoolingRule: BackwardRule {
    public var stabilizer: Float

    public init(stabilizer: Float = 1e-10) { self.stabilizer = stabilizer }

    public var name: String { "proportional pooling" }
    public func applies(to kind: LayerKind) -> Bool { kind == .maxpool || kind == .avgpool }

    public func propagate(_ relevance: Tensor, context: RuleContext) throws -> Tensor {
        let window: (Int, Int), stride: (Int, Int), padding: Padding
        if let pool = context.layer as? MaxPool2D {
            (window, stride, padding) = (pool.window, pool.stride, pool.padding)
        } else if let pool = context.layer as? AvgPool2D {
            (window, stride, padding) = (pool.window, pool.stride, pool.padding)
        } else {
            throw LayerError.invalidBackward(
                "the proportional pooling rule applies to pooling layers, not '\(context.layer.name)' (\(context.layer.kind))")
        }
        let a = context.step.input
        return try naming(context.layer.name) {
            // The window mean times n is the window sum; R/(mean + ε) spread by 1/n gives R/(Σa + nε).
            let mean = try Pooling2D.averageForward(a, window: window, stride: stride, padding: padding)
            let s = try relevance.zipMap(mean, operation: "proportional pooling") { r, m in
                let d = m + stabilizer
                return d == 0 ? 0 : r / d
            }
            let c = try Pooling2D.averageBackward(inputShape: a.shape, outputGradient: s, window: window, stride: stride,
                                                  padding: padding)
            return try a.multiplying(c)
        }
    }
}
