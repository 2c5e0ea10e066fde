import GlassboxEngine

/// The result of a backward walk.
public struct BackwardResult {
    /// The signal at the network input, or at the output of the `stopAt` layer when one was given.
    public var inputSignal: Tensor
    /// The signal at the output of each layer named in `captureAt`.
    public var captured: [String: Tensor]
}

extension Sequential {
    /// Walks `record` from the output of `startAt` (default: the last layer) towards the input,
    /// asking `rules` at each layer for the rule that maps the signal at its output to the signal at
    /// its input.
    ///
    /// - Parameters:
    ///   - seed: the signal at the output of `startAt`, one row per image (e.g. one-hot targets).
    ///   - reference: a record of the same model on a reference input (DeepLIFT), passed to rules.
    ///   - stopAt: stop once the signal reaches the output of this layer and return it as `inputSignal`.
    ///   - captureAt: layers whose output signal to keep (Grad-CAM reads "conv3" this way).
    ///   - accumulateParameterGradients: let gradient rules add into `Parameter.gradient` (training).
    public func backward(_ record: ForwardRecord, seed: Tensor, rules: RuleSet, startAt: String? = nil,
                         stopAt: String? = nil, captureAt: [String] = [], reference: ForwardRecord? = nil,
                         accumulateParameterGradients: Bool = false) throws -> BackwardResult {
        let steps = record.steps
        guard steps.count == layers.count, zip(steps, layers).allSatisfy({ $0.layer === $1 }) else {
            throw LayerError.invalidBackward("the forward record was not made by this model")
        }
        if let reference {
            guard reference.steps.count == steps.count, zip(reference.steps, layers).allSatisfy({ $0.layer === $1 }),
                  reference.input.shape == record.input.shape else {
                throw LayerError.invalidBackward("the reference record does not match the model or the input batch")
            }
        }
        func position(_ name: String) throws -> Int {
            guard let i = steps.firstIndex(where: { $0.layer.name == name }) else { throw LayerError.unknownLayer(name) }
            return i
        }
        let start = try startAt.map(position) ?? (steps.count - 1)
        let stop = try stopAt.map(position)
        if let stop, stop > start {
            throw LayerError.invalidBackward("stop layer '\(stopAt!)' comes after the start layer '\(steps[start].layer.name)'")
        }
        let startShape = start >= 0 ? steps[start].output.shape : record.input.shape
        guard seed.shape == startShape else {
            throw LayerError.shapeMismatch(layer: start >= 0 ? steps[start].layer.name : "input", what: "backward seed",
                                           expected: "\(startShape)", got: seed.shape)
        }
        var wanted = Set<String>()
        for name in captureAt {
            let i = try position(name)
            guard i <= start, i >= (stop ?? 0) else {
                throw LayerError.invalidBackward("capture layer '\(name)' is outside the walked range")
            }
            wanted.insert(name)
        }

        // Every layer walked must have a rule that fits it, before any work is done.
        try rules.check(layers, in: ((stop ?? -1) + 1)..<(start + 1))
        let inputLayerIndex = Sequential.inputLayerIndex(of: layers)
        var signal = seed
        var captured: [String: Tensor] = [:]
        var index = start
        while index >= 0 {
            let step = steps[index]
            if wanted.contains(step.layer.name) { captured[step.layer.name] = signal }
            if index == stop { break }
            let context = RuleContext(step: step, reference: reference?.steps[index], isInputLayer: index == inputLayerIndex,
                                      accumulateParameterGradients: accumulateParameterGradients)
            let next = try rules.rule(for: context).propagate(signal, context: context)
            guard next.shape == step.input.shape else {
                throw LayerError.shapeMismatch(layer: step.layer.name, what: "signal from rule set '\(rules.name)'",
                                               expected: "\(step.input.shape)", got: next.shape)
            }
            signal = next
            index -= 1
        }
        return BackwardResult(inputSignal: signal, captured: captured)
    }

    /// Ordinary backpropagation used by training: adds every parameter's gradient into
    /// `Parameter.gradient` and returns the gradient at the input.
    public func backward(_ record: ForwardRecord, outputGradient: Tensor) throws -> Tensor {
        try backward(record, seed: outputGradient, rules: .gradient, accumulateParameterGradients: true).inputSignal
    }
}

/// One-hot rows: row i is 1 at `targets[i]` and 0 elsewhere, shaped [N, classes].
public func oneHotSeed(targets: [Int], classes: Int) throws -> Tensor {
    var values = [Float](repeating: 0, count: targets.count * classes)
    for (i, t) in targets.enumerated() {
        guard t >= 0, t < classes else {
            throw LayerError.invalidBackward("target class \(t) for image \(i) is outside 0..<\(classes)")
        }
        values[i * classes + t] = 1
    }
    return Tensor(shape: [targets.count, classes], scalars: values)
}

/// The gradient of output unit `targets[i]` of layer `outputLayer` (default: the last layer) with
/// respect to input image i, for a batch: the input has shape [N] + model.inputShape and `targets`
/// has N entries. The output layer must produce [N, classes].
public func gradient(of model: Sequential, inputs: Tensor, targets: [Int], at outputLayer: String? = nil,
                     rules: RuleSet = .gradient) throws -> Tensor {
    guard inputs.rank >= 1, inputs.shape[0] == targets.count else {
        throw LayerError.invalidBackward("\(targets.count) targets for a batch of shape \(inputs.shape)")
    }
    let record = try model.forwardRecording(inputs, training: false)
    let outputShape = try outputLayer.map { try record.output(of: $0).shape } ?? record.output.shape
    guard outputShape.count == 2 else {
        throw LayerError.shapeMismatch(layer: outputLayer ?? model.layers.last?.name ?? "output", what: "explained output",
                                       expected: "[N, classes]", got: outputShape)
    }
    let seed = try oneHotSeed(targets: targets, classes: outputShape[1])
    return try model.backward(record, seed: seed, rules: rules, startAt: outputLayer).inputSignal
}

/// A layer that can add its parameter gradients without computing the gradient at its input —
/// what training needs at the lowest layer with parameters, whose input gradient nobody reads.
protocol ParameterGradientLayer: Layer {
    /// Adds ∂L/∂parameter into each `Parameter.gradient` from ∂L/∂output; same values as
    /// `backward(_:step:accumulateParameterGradients: true)` adds.
    func accumulateParameterGradients(_ outputGradient: Tensor, step: LayerStep) throws
}

extension Sequential {
    /// Training's backward pass: adds every parameter's gradient into `Parameter.gradient`, as
    /// `backward(_:outputGradient:)` does, but stops at the lowest layer with parameters and skips
    /// its input gradient (for CNN-MAX-B the col2im of conv1, for MLP-A the 784-wide product of
    /// fc1), since nothing reads it. Use `backward(_:outputGradient:)` when the input gradient is needed.
    public func accumulateParameterGradients(_ record: ForwardRecord, outputGradient: Tensor) throws {
        let steps = record.steps
        guard steps.count == layers.count, zip(steps, layers).allSatisfy({ $0.layer === $1 }) else {
            throw LayerError.invalidBackward("the forward record was not made by this model")
        }
        guard outputGradient.shape == record.output.shape else {
            throw LayerError.shapeMismatch(layer: steps.last?.layer.name ?? "input", what: "backward seed",
                                           expected: "\(record.output.shape)", got: outputGradient.shape)
        }
        guard let lowest = steps.firstIndex(where: { !$0.layer.parameters.isEmpty }) else { return }
        var signal = outputGradient
        var index = steps.count - 1
        while index > lowest {
            let step = steps[index]
            let next = try step.layer.backward(signal, step: step, accumulateParameterGradients: true)
            guard next.shape == step.input.shape else {
                throw LayerError.shapeMismatch(layer: step.layer.name, what: "gradient", expected: "\(step.input.shape)",
                                               got: next.shape)
            }
            signal = next
            index -= 1
        }
        let step = steps[lowest]
        if let layer = step.layer as? any ParameterGradientLayer {
            try layer.accumulateParameterGradients(signal, step: step)
        } else {
            _ = try step.layer.backward(signal, step: step, accumulateParameterGradients: true)
        }
    }
}
