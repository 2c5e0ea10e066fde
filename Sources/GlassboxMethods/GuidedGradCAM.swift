import GlassboxEngine
import GlassboxModels

/// Guided Grad-CAM (Selvaraju et al. 2017): the guided-backprop map multiplied pixel by pixel by the
/// upsampled Grad-CAM map, pixel detail from the first and class selectivity from the second.
public struct GuidedGradCAM: AttributionMethod {
    public static let declaration = MethodDeclaration(
        id: "guidedGradCAM", title: "Guided Grad-CAM",
        citation: "Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra (2017), Grad-CAM: visual explanations from deep networks via gradient-based localization, ICCV",
        summary: "Guided Grad-CAM (chapter 4.2): guided backprop ⊙ the upsampled Grad-CAM map.",
        details: "Guided backprop alone is sharp but hardly class-specific; Grad-CAM is class-specific but coarse. Their product "
            + "keeps the pixels guided backprop marks inside the region Grad-CAM selects. The Grad-CAM part takes the same layer "
            + "option (e.coarse holds its coarse map). Signed maps, shown in bwr with 0 white.",
        chapters: ["4.2"], options: [.featureLayer], display: .signed, acceptsLayerTargets: false,
        example: "guidedGradCAM(net, xs, target: \"label\")", page: "guided-grad-cam.md",
        figure: "guidedGradCAM(model(\"clut-fc\"), dataset(\"cluttered-mnist\").train.perDigit(index: 5), target: \"label\")")

    public var model: ExplainedModel
    /// The Grad-CAM half (with its layer).
    public let gradCAM: GradCAM

    public init(_ model: ExplainedModel, layer: String? = nil) throws {
        self.model = model
        gradCAM = try GradCAM(model, layer: layer)
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, layer: options.optionalString("layer"))
    }

    public func attribute(_ inputs: Tensor, targets: Target, monitor: WorkMonitor) throws -> Explanation {
        let title = Self.declaration.title
        try checkOutput()
        try model.checkInputs(inputs, method: title)
        if let layer = targets.layer {
            throw MethodError.invalidTarget(method: title, message: "explains classes, not a channel of layer '\(layer)'")
        }
        let classes = try model.resolve(targets, inputs: inputs, method: title, monitor: monitor).indices
        let cam = try gradCAM.attribute(inputs, targets: .classes(classes), monitor: monitor)
        let guided = try GuidedBackprop(model).attribute(inputs, targets: .classes(classes), monitor: monitor)
        var explanation = Explanation(attributions: try guided.attributions.multiplying(cam.attributions), inputs: inputs,
                                      targets: classes, output: model.output, outputs: cam.outputs, method: title,
                                      settings: [MethodSetting("layer", gradCAM.featureLayer.name)])
        explanation.coarseMaps = cam.coarseMaps
        explanation.featureLayer = cam.featureLayer
        return explanation
    }
}
