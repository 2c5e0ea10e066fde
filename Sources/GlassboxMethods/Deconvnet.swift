import GlassboxEngine
import GlassboxModels

/// Deconvnet projection (Zeiler & Fergus 2014, chapter 3.1): the backward pass with every ReLU
/// replaced by g ↦ max(g, 0), whatever the forward activation; pooling routes through the
/// recorded max switches and convolutions transpose as usual.
///
/// Chapter 3.1 targets a feature map: `.channel(k, layer: "pool3")` projects the sum of pool3's
/// channel k back to the pixels; `FeatureChannels.strongest` picks the channels.
public struct Deconvnet {
    public var model: ExplainedModel

    public init(_ model: ExplainedModel) {
        self.model = model
    }

    /// The deconvnet reconstruction of each image's target, batched.
    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        try model.explainBySignal(inputs, targets: targets, rules: .deconvnet, method: "Deconvnet",
                                  settings: [], monitor: monitor) { g, _ in g }
    }
}
