import GlassboxEngine

/// Anything that explains a batch — a catalog method, a composition, a student's own function —
/// as the metrics see it: inputs ([N] + the model's input shape) and one class per image in, one
/// map per image (the inputs' shape) out. Metrics call it again on modified images (region
/// perturbation, sensitivity, continuity), so it must be a function, not a finished map.
public struct Explainer {
    /// The name shown in tables and legends, e.g. "Deep Taylor".
    public var name: String
    /// The maps of `inputs` for `targets`.
    public var explain: (_ inputs: Tensor, _ targets: [Int], _ monitor: WorkMonitor) throws -> Tensor

    public init(name: String, explain: @escaping (_ inputs: Tensor, _ targets: [Int], _ monitor: WorkMonitor) throws -> Tensor) {
        self.name = name
        self.explain = explain
    }

    /// A catalog method (already configured with its options) as an explainer.
    public init(_ method: any AttributionMethod, name: String? = nil) {
        self.name = name ?? type(of: method).declaration.title
        self.explain = { inputs, targets, monitor in
            try method.attribute(inputs, targets: .classes(targets), monitor: monitor).attributions
        }
    }

    /// The maps of `inputs`, checked to have the inputs' shape and finite values.
    func maps(_ inputs: Tensor, targets: [Int], monitor: WorkMonitor, metric: String) throws -> Tensor {
        let maps = try explain(inputs, targets, monitor)
        guard maps.shape == inputs.shape else {
            throw MethodError.mismatch(operation: metric,
                                       message: "\(name) returned maps of shape \(maps.shape) for inputs of shape \(inputs.shape)")
        }
        if let bad = maps.scalars.firstIndex(where: { !$0.isFinite }) {
            throw MethodError.invalidOption(method: metric, message: "\(name) returned a map value \(maps.scalars[bad]) at \(bad), not a finite number")
        }
        return maps
    }
}

extension ExplainedModel {
    /// The explained value f (S_c, p_c, ReLU(S_c) …) of each image for its class in `classes`.
    public func scores(_ inputs: Tensor, classes: [Int], monitor: WorkMonitor = .none) throws -> [Float] {
        try checkInputs(inputs, method: "score")
        let resolved = try resolve(.classes(classes), inputs: inputs, method: "score")
        return try outputs(inputs, targets: resolved, monitor: monitor)
    }

    /// Each image's predicted class (the first arg-max).
    public func predictedClasses(_ inputs: Tensor, monitor: WorkMonitor = .none) throws -> [Int] {
        try checkInputs(inputs, method: "predict")
        return try resolve(.predicted, inputs: inputs, method: "predict", monitor: monitor).indices
    }
}

/// The values of row `i` of a batch.
func rowSlice(_ t: Tensor, _ i: Int) -> ArraySlice<Float> {
    let per = t.valuesPerRow
    return t.scalars[(i * per)..<((i + 1) * per)]
}
