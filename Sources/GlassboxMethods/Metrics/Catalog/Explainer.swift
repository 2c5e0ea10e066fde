import GlassboxEngine

/// Anything that explains a batch — a catalog method with its options, a student's own function —
/// as the metrics see it: a model, images ([N] + the model's input shape) and one class per image
/// in, one map per image (the images' shape) out. Metrics call it again on modified images
/// (perturbation, sensitivity, continuity) and on modified models (randomisation), so it is a
/// function of the model too, not a finished map.
public struct Explainer {
    /// What an explainer returns: the maps, and f of each image when the same pass computed it
    /// (then metrics need no extra forward pass for the scores).
    public struct Output {
        public var maps: Tensor
        /// f(x) per image for its class, exactly as `ExplainedModel.scores` gives it, or nil.
        public var outputs: [Float]?

        public init(maps: Tensor, outputs: [Float]? = nil) {
            self.maps = maps
            self.outputs = outputs
        }
    }

    /// The name shown in tables and legends, e.g. "Deep Taylor decomposition".
    public var name: String
    /// The maps of `inputs` under `model` for `targets`.
    public var explain: (_ model: ExplainedModel, _ inputs: Tensor, _ targets: [Int], _ monitor: WorkMonitor) throws -> Output

    public init(name: String,
                explain: @escaping (_ model: ExplainedModel, _ inputs: Tensor, _ targets: [Int], _ monitor: WorkMonitor) throws -> Output) {
        self.name = name
        self.explain = explain
    }

    /// A catalog method with `options` (validated when the explainer is first used on a model; use
    /// `validated(on:)` to check them at once). Backward methods hand over f(x) from their own pass.
    public static func catalog(_ method: any AttributionMethod.Type, options: [String: OptionValue] = [:],
                               name: String? = nil) -> Explainer {
        Explainer(name: name ?? method.declaration.title) { model, inputs, targets, monitor in
            let instance = try method.make(model, options: options)
            let explanation = try instance.attribute(inputs, targets: .classes(targets), monitor: monitor)
            return Output(maps: explanation.attributions, outputs: instance is any BackwardMethod ? explanation.outputs : nil)
        }
    }

    /// Throws the method's own error now when `options` do not suit `method` on `model`.
    public static func validate(_ method: any AttributionMethod.Type, options: [String: OptionValue], on model: ExplainedModel) throws {
        _ = try method.make(model, options: options)
    }

    /// The explanation of `inputs`, checked: maps of the inputs' shape, finite values, and one
    /// output per image when outputs are given.
    func checkedOutput(_ model: ExplainedModel, _ inputs: Tensor, targets: [Int], monitor: WorkMonitor,
                       metric: String) throws -> Output {
        let output = try explain(model, inputs, targets, monitor)
        guard output.maps.shape == inputs.shape else {
            throw MethodError.mismatch(operation: metric,
                                       message: "\(name) returned maps of shape \(output.maps.shape) for images of shape \(inputs.shape)")
        }
        if let bad = output.maps.scalars.firstIndex(where: { !$0.isFinite }) {
            let per = inputs.valuesPerRow
            throw MethodError.invalidOption(
                method: metric,
                message: "\(name) returned \(output.maps.scalars[bad]) at value \(bad % per) of image \(bad / per), not a finite number")
        }
        if let outputs = output.outputs, outputs.count != inputs.shape[0] {
            throw MethodError.mismatch(operation: metric, message: "\(name) returned \(outputs.count) outputs for \(inputs.shape[0]) images")
        }
        return output
    }
}
