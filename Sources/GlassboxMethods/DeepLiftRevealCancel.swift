import GlassboxEngine
import GlassboxModels

/// DeepLIFT with the RevealCancel rule (Shrikumar, Greenside & Kundaje 2017, Section 3.5.3): the
/// positive and negative parts of every difference-from-reference are propagated separately, so
/// that two inputs that cancel each other at a ReLU are both credited.
///
/// Forward, every neuron's Δ = Δ⁺ + Δ⁻: the pixels' Δx split by sign; a linear layer gives
/// Δz⁺ = W⁺Δa⁺ + W⁻Δa⁻ and Δz⁻ = W⁻Δa⁺ + W⁺Δa⁻ (biases cancel); a ReLU y = f(z) with reference z⁰ gives
///
///     Δy⁺ = ½[f(z⁰ + Δz⁺) − f(z⁰)] + ½[f(z⁰ + Δz⁻ + Δz⁺) − f(z⁰ + Δz⁻)]
///     Δy⁻ = ½[f(z⁰ + Δz⁻) − f(z⁰)] + ½[f(z⁰ + Δz⁺ + Δz⁻) − f(z⁰ + Δz⁺)]
///
/// Backward, multipliers M⁺, M⁻ of the target: through a linear layer M⁺_a = W⁺ᵀM⁺ + W⁻ᵀM⁻ and
/// M⁻_a = W⁻ᵀM⁺ + W⁺ᵀM⁻; through a ReLU M⁺_z = (Δy⁺/Δz⁺) M⁺_y, M⁻_z = (Δy⁻/Δz⁻) M⁻_y. The
/// contributions C = M⁺Δx⁺ + M⁻Δx⁻ sum exactly to f(x) − f(x⁰).
public struct DeepLiftRevealCancel: AttributionMethod {
    public static let declaration = MethodDeclaration(
        id: "deepLiftRevealCancel", title: "DeepLIFT (RevealCancel)",
        citation: "Shrikumar, Greenside & Kundaje (2017), Learning important features through propagating activation differences, ICML, Section 3.5.3",
        summary: "DeepLIFT with the RevealCancel rule: positive and negative differences propagated apart; Σ C = f(x) − f(x⁰).",
        details: "The step chapter 2.5 leaves out: where the Rescale rule lets a positive and a negative input cancel at a ReLU and "
            + "credits neither, RevealCancel credits both. For dense, conv and average-pooling layers with ReLUs (CNN-STRIDE, the MLPs); "
            + "explains output \"logit\" or \"allLogits\". Shown as the reference shows DeepLIFT: bwr, symmetric.",
        chapters: ["2.5"],
        options: [MethodOption("baseline", .reference, default: .string("zeros"),
                               doc: "the reference x⁰: \"zeros\" (black), a number (a constant image), \"mean\" (of the images), or an image")],
        display: .relevanceSigned, outputs: [.logit, .allLogits],
        example: "let e = deepLiftRevealCancel(net, xs)\ne.receipt", page: "deeplift-reveal-cancel.md",
        figure: "deepLiftRevealCancel(model(\"cnn-stride\"), xs, target: \"label\")")

    public var model: ExplainedModel
    public var baseline: Reference

    public init(_ model: ExplainedModel, baseline: Reference = .zeros) {
        self.model = model
        self.baseline = baseline
    }

    public init(_ model: ExplainedModel, options: MethodOptions) {
        self.init(model, baseline: options.reference("baseline"))
    }

    private static var title: String { declaration.title }

    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        try checkOutput()
        try model.checkInputs(inputs, method: Self.title)
        for layer in model.network.layers {
            switch layer.kind {
            case .dense, .conv2d, .avgpool, .globalavgpool, .relu, .flatten, .reshape, .dropout: continue
            default:
                throw MethodError.unsupportedModel(
                    method: Self.title,
                    message: "RevealCancel is written for dense, conv and average-pooling layers with ReLUs; layer '\(layer.name)' is \(layer.kind.rawValue) (use deepLift)")
            }
        }
        let resolved = try model.resolve(targets, inputs: inputs, method: Self.title, monitor: monitor)
        guard resolved.layer == nil else {
            throw MethodError.invalidTarget(method: Self.title, message: "explains classes of the logits, not a layer's channel")
        }
        let references = try baseline.images(for: inputs, method: Self.title)
        let n = inputs.shape[0]
        var values: [Float] = []
        values.reserveCapacity(inputs.count)
        let rows = try model.rowsPerPass(group: 1, withReference: true)
        for start in stride(from: 0, to: n, by: rows) {
            try monitor.cancellation.check()
            let range = start..<Swift.min(n, start + rows)
            values += try contributions(inputs.rows(range), references.rows(range), targets: Array(resolved.indices[range])).scalars
            monitor.progress(ProgressEvent(task: Self.title, completed: range.upperBound, total: n, finished: range.upperBound == n))
        }
        return Explanation(attributions: Tensor(shape: inputs.shape, scalars: values), inputs: inputs, targets: resolved.indices,
                           output: model.output, outputs: try model.outputs(inputs, targets: resolved, monitor: monitor),
                           baselineOutputs: try model.outputs(references, targets: resolved, monitor: monitor),
                           method: Self.title, settings: [MethodSetting("reference", baseline.label)], receipt: .summationToDelta)
    }

    /// The positive and negative parts of a tensor of differences.
    private struct Parts {
        var positive: Tensor
        var negative: Tensor
    }

    /// One chunk: the forward split of the differences, then the two multipliers backward.
    private func contributions(_ x: Tensor, _ x0: Tensor, targets: [Int]) throws -> Tensor {
        let network = model.network
        let reference = try network.forwardRecording(x0, training: false)
        let delta = try x.subtracting(x0)
        var parts = Parts(positive: delta.map { Swift.max($0, 0) }, negative: delta.map { Swift.min($0, 0) })
        // The parts at every layer's input, and the ReLUs' secant multipliers.
        var inputs: [Parts] = []
        var slopes: [Int: (positive: Tensor, negative: Tensor)] = [:]
        for (index, layer) in network.layers.enumerated() {
            inputs.append(parts)
            switch layer.kind {
            case .dense, .conv2d:
                let linear = layer as! any LinearLayer
                let (wp, wn) = (linear.weight.value.map { Swift.max($0, 0) }, linear.weight.value.map { Swift.min($0, 0) })
                parts = Parts(positive: try linear.linearForward(parts.positive, weight: wp, bias: nil)
                                  .adding(try linear.linearForward(parts.negative, weight: wn, bias: nil)),
                              negative: try linear.linearForward(parts.positive, weight: wn, bias: nil)
                                  .adding(try linear.linearForward(parts.negative, weight: wp, bias: nil)))
            case .relu:
                let z0 = reference.steps[index].input
                let (yp, yn, mp, mn) = Self.revealCancel(z0: z0, positive: parts.positive, negative: parts.negative)
                slopes[index] = (mp, mn)
                parts = Parts(positive: yp, negative: yn)
            default:
                // Average pooling is linear with non-negative weights; reshapes and dropout (off) copy.
                parts = Parts(positive: try layer.forward(parts.positive, context: ForwardContext(training: false)),
                              negative: try layer.forward(parts.negative, context: ForwardContext(training: false)))
            }
        }
        // Multipliers of the target with respect to the output's parts: 1 for both.
        let classes = network.outputShape[0]
        let seed: Tensor
        if model.output == .allLogits {
            seed = Tensor(repeating: 1, shape: [targets.count, classes])
        } else {
            seed = try oneHotSeed(targets: targets, classes: classes)
        }
        var mp = seed, mn = seed
        for index in stride(from: network.layers.count - 1, through: 0, by: -1) {
            let layer = network.layers[index]
            let inputShape = inputs[index].positive.shape
            switch layer.kind {
            case .dense, .conv2d:
                let linear = layer as! any LinearLayer
                let (wp, wn) = (linear.weight.value.map { Swift.max($0, 0) }, linear.weight.value.map { Swift.min($0, 0) })
                let newP = try linear.linearTranspose(mp, weight: wp, inputShape: inputShape)
                    .adding(try linear.linearTranspose(mn, weight: wn, inputShape: inputShape))
                let newN = try linear.linearTranspose(mp, weight: wn, inputShape: inputShape)
                    .adding(try linear.linearTranspose(mn, weight: wp, inputShape: inputShape))
                (mp, mn) = (newP, newN)
            case .relu:
                let slope = slopes[index]!
                (mp, mn) = (try mp.multiplying(slope.positive), try mn.multiplying(slope.negative))
            default:
                let step = LayerStep(layer: layer, index: index, input: reference.steps[index].input, output: reference.steps[index].output)
                (mp, mn) = (try layer.backward(mp, step: step, accumulateParameterGradients: false),
                            try layer.backward(mn, step: step, accumulateParameterGradients: false))
            }
        }
        let first = inputs[0]
        return try mp.multiplying(first.positive).adding(try mn.multiplying(first.negative))
    }

    /// The RevealCancel parts of y = ReLU(z) and the secant multipliers Δy⁺/Δz⁺, Δy⁻/Δz⁻ (0 where
    /// a part vanishes: nothing flows through it then).
    static func revealCancel(z0: Tensor, positive: Tensor, negative: Tensor)
        -> (positive: Tensor, negative: Tensor, slopePositive: Tensor, slopeNegative: Tensor) {
        let count = z0.count
        var yp = [Float](repeating: 0, count: count), yn = yp, sp = yp, sn = yp
        z0.scalars.withUnsafeBufferPointer { z in
            positive.scalars.withUnsafeBufferPointer { p in
                negative.scalars.withUnsafeBufferPointer { q in
                    for i in 0..<count {
                        func f(_ v: Float) -> Float { Swift.max(v, 0) }
                        let base = f(z[i]), both = f(z[i] + p[i] + q[i])
                        let up = 0.5 * (f(z[i] + p[i]) - base) + 0.5 * (both - f(z[i] + q[i]))
                        let down = 0.5 * (f(z[i] + q[i]) - base) + 0.5 * (both - f(z[i] + p[i]))
                        yp[i] = up
                        yn[i] = down
                        sp[i] = p[i] != 0 ? up / p[i] : 0
                        sn[i] = q[i] != 0 ? down / q[i] : 0
                    }
                }
            }
        }
        return (Tensor(shape: z0.shape, scalars: yp), Tensor(shape: z0.shape, scalars: yn),
                Tensor(shape: z0.shape, scalars: sp), Tensor(shape: z0.shape, scalars: sn))
    }
}
