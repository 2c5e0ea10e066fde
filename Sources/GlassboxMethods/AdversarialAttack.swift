import GlassboxEngine
import GlassboxModels

/// Adversarial examples under an L∞ budget (not attribution methods: they return attacked images).
///
/// - FGSM (Goodfellow, Shlens & Szegedy 2015): x' = clip(x + ε · sign(∇ₓ L(x, y))), one step.
/// - PGD (Madry et al. 2018): from x (or, with `randomStart`, x + uniform noise in [−ε, ε]), `steps`
///   steps x ← Π(x + α · sign(∇ₓ L(x, y))), Π projecting onto the ε-ball around x and the clip range.
///
/// L is the cross-entropy −log p_y of the label y. Only the sign of its gradient is used, and
/// sign(∇ₓ(−log p_y)) = −sign(∇ₓ p_y) wherever p_y > 0, so the gradient taken is that of the
/// probability (the `.probability` output), in the model's batched passes. The random start draws,
/// per image, from a generator keyed by the seed and the image's own values, so an image gets the
/// same attack alone or anywhere in a batch.
public enum AdversarialAttack {
    /// FGSM of each image of `inputs` against its label.
    public static func fgsm(_ network: Sequential, _ inputs: Tensor, labels: [Int], epsilon: Float,
                            clip: ClosedRange<Float>? = 0...1, batchSize: Int = ExplainedModel.defaultBatchSize,
                            monitor: WorkMonitor = .none) throws -> Tensor {
        try pgd(network, inputs, labels: labels, epsilon: epsilon, steps: 1, stepSize: epsilon, randomStart: false, seed: 0,
                clip: clip, batchSize: batchSize, monitor: monitor)
    }

    /// PGD of each image of `inputs` against its label.
    public static func pgd(_ network: Sequential, _ inputs: Tensor, labels: [Int], epsilon: Float, steps: Int, stepSize: Float,
                           randomStart: Bool, seed: UInt64, clip: ClosedRange<Float>? = 0...1,
                           batchSize: Int = ExplainedModel.defaultBatchSize, monitor: WorkMonitor = .none) throws -> Tensor {
        let name = steps == 1 && !randomStart ? "FGSM" : "PGD"
        guard epsilon.isFinite, epsilon >= 0 else {
            throw MethodError.invalidOption(method: name, message: "ε must be finite and ≥ 0, got \(epsilon)")
        }
        guard steps >= 1, stepSize.isFinite, stepSize > 0 || epsilon == 0 else {
            throw MethodError.invalidOption(method: name, message: "needs steps ≥ 1 and a positive step size")
        }
        guard labels.count == inputs.shape.first else {
            throw MethodError.invalidTarget(method: name, message: "needs one label per image: \(labels.count) labels for \(inputs.shape.first ?? 0) images")
        }
        // ε = 0 (the first point of an accuracy-against-ε curve): nothing may move.
        if epsilon == 0 { return inputs }
        let model = try ExplainedModel(network, output: .probability, batchSize: batchSize)
        let gradient = Saliency(model, absolute: false)
        let original = inputs.scalars
        func project(_ value: Float, _ index: Int) -> Float {
            var v = Swift.min(Swift.max(value, original[index] - epsilon), original[index] + epsilon)
            if let clip { v = Swift.min(Swift.max(v, clip.lowerBound), clip.upperBound) }
            return v
        }
        var current = original
        if randomStart {
            let noise = ImageNoise(inputs: inputs, seed: seed)
            let per = inputs.valuesPerRow
            for image in 0..<inputs.shape[0] {
                var rng = noise.generator(image: image, sample: 0)
                for j in (image * per)..<((image + 1) * per) {
                    current[j] = project(original[j] + rng.nextUniform(in: -epsilon, epsilon), j)
                }
            }
        }
        for step in 0..<steps {
            try monitor.cancellation.check()
            let g = try gradient.attribute(Tensor(shape: inputs.shape, scalars: current), targets: .classes(labels)).attributions
            for j in 0..<current.count {
                let direction: Float = g.scalars[j] > 0 ? -1 : (g.scalars[j] < 0 ? 1 : 0)   // sign ∇(−log p_y)
                current[j] = project(current[j] + stepSize * direction, j)
            }
            monitor.progress(ProgressEvent(task: name, completed: step + 1, total: steps, finished: step + 1 == steps))
        }
        return Tensor(shape: inputs.shape, scalars: current)
    }
}
