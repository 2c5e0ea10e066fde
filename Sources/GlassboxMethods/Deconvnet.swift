import GlassboxEngine
import GlassboxModels

/// Deconvnet projection (Zeiler & Fergus 2014, chapter 3.1): the backward pass with every ReLU
/// replaced by g ↦ max(g, 0), whatever the forward activation; pooling routes through the
/// recorded max switches and convolutions transpose as usual.
///
/// Chapter 3.1 targets a feature map: `.channel(k, layer: "pool3")` projects the sum of pool3's
/// channel k back to the pixels; `FeatureChannels.strongest` picks the channels.
public struct Deconvnet: BackwardMethod {
    public static let declaration = MethodDeclaration(
        id: "deconvnet", title: "Deconvnet",
        citation: "Zeiler & Fergus (2014), Visualizing and understanding convolutional networks, ECCV",
        summary: "Deconvnet projection (chapter 3.1): the backward pass with every ReLU replaced by max(g, 0).",
        details: "Chapter 3.1 projects a feature map: deconvnet(net, xs[0], target: 45, layer: \"pool3\"). Shown in gray.",
        chapters: ["3.1"], display: .gray, isModifiedGradient: true,
        example: "deconvnet(net, xs)\ndeconvnet(net, xs[0], target: 45, layer: \"pool3\")", page: "deconvnet.md",
        figure: "deconvnet(net, xs, target: \"label\")")

    public var model: ExplainedModel

    public init(_ model: ExplainedModel) {
        self.model = model
    }

    public init(_ model: ExplainedModel, options: MethodOptions) {
        self.init(model)
    }

    public var plan: BackwardPlan { BackwardPlan(rules: .deconvnet) }
    public var combine: @Sendable (Float, Float, Float) -> Float { { g, _, _ in g } }
    public var settings: [MethodSetting] { [] }
}
