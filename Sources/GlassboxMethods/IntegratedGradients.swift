import GlassboxEngine
import GlassboxModels

/// Integrated gradients (Sundararajan et al. 2017, chapters 3.4 and 3.5):
/// IG_i = (x_i − b_i) · ∫₀¹ ∂f/∂x_i(b + α(x − b)) dα, approximated on `steps` intervals.
///
/// The reference uses the right Riemann sum over x_k = b + (k/steps)(x − b), k = 1…steps, so
/// IG = (x − b) ⊙ mean_k ∇f(x_k); `.trapezoid` also uses k = 0 with half weight at both ends.
/// Completeness: Σ_i IG_i ≈ f(x) − f(b) (exact in the limit). Every path point of every image is
/// sent through the network in batches of `model.batchSize` rows, never one pass per step.
public struct IntegratedGradients {
    /// The reference point b of the path.
    public enum Baseline: Sendable, Equatable {
        /// The all-zero image (chapters 3.4 and 3.5, in their centred input space).
        case zeros
        /// Every value equal to this constant.
        case constant(Float)
        /// The per-pixel mean of these images ([M] + image shape).
        case meanImage(of: Tensor)
        /// This image ([1] + image shape, for all images) or one per image ([N] + image shape).
        case image(Tensor)
    }

    /// How the path integral is approximated.
    public enum Rule: String, Sendable, Equatable, CaseIterable {
        /// Σ_{k=1..steps} ∇f(x_k)/steps, as the reference.
        case rightRiemann
        /// (∇f(x_0)/2 + Σ_{k=1..steps−1} ∇f(x_k) + ∇f(x_steps)/2)/steps.
        case trapezoid
    }

    public var model: ExplainedModel
    /// The number of intervals on the path.
    public var steps: Int
    public var baseline: Baseline
    public var rule: Rule
    /// When set, the gradient at each path point is replaced by its SmoothGrad average over this
    /// many noisy copies (noise from `smoothNoise`, σ relative to each path point's range when
    /// `.relative`, as Appendix A's helper), seeded by `seed`.
    public var smoothSamples: Int?
    public var smoothNoise: SmoothGrad.Noise
    public var seed: UInt64

    public init(_ model: ExplainedModel, steps: Int = 50, baseline: Baseline = .zeros, rule: Rule = .rightRiemann,
                smoothSamples: Int? = nil, smoothNoise: SmoothGrad.Noise = .relative(0.1), seed: UInt64 = 0) {
        self.model = model
        self.steps = steps
        self.baseline = baseline
        self.rule = rule
        self.smoothSamples = smoothSamples
        self.smoothNoise = smoothNoise
        self.seed = seed
    }

    static let name = "Integrated gradients"

    /// The baseline expanded to one image per input image.
    public func baselineImages(for inputs: Tensor) throws -> Tensor {
        let imageShape = Array(inputs.shape.dropFirst())
        let n = inputs.shape[0], per = inputs.valuesPerRow
        func repeatedImage(_ values: ArraySlice<Float>) -> Tensor {
            var all: [Float] = []
            all.reserveCapacity(n * per)
            for _ in 0..<n { all += values }
            return Tensor(shape: inputs.shape, scalars: all)
        }
        switch baseline {
        case .zeros:
            return Tensor(zeros: inputs.shape)
        case let .constant(value):
            guard value.isFinite else {
                throw MethodError.invalidOption(method: Self.name, message: "the baseline constant must be finite, got \(value)")
            }
            return Tensor(repeating: value, shape: inputs.shape)
        case let .meanImage(images):
            guard images.rank == inputs.rank, Array(images.shape.dropFirst()) == imageShape, images.shape[0] > 0 else {
                throw MethodError.invalidOption(method: Self.name,
                                                message: "mean-image baseline needs images of shape [M] + \(imageShape), got \(images.shape)")
            }
            var mean = [Double](repeating: 0, count: per)
            images.scalars.withUnsafeBufferPointer { x in
                for i in 0..<images.shape[0] { for j in 0..<per { mean[j] += Double(x[i * per + j]) } }
            }
            let m = Double(images.shape[0])
            return repeatedImage(ArraySlice(mean.map { Float($0 / m) }))
        case let .image(image):
            guard image.rank == inputs.rank, Array(image.shape.dropFirst()) == imageShape,
                  image.shape[0] == 1 || image.shape[0] == n else {
                throw MethodError.invalidOption(
                    method: Self.name, message: "baseline image should have shape [1] + \(imageShape) or [\(n)] + \(imageShape), got \(image.shape)")
            }
            if let bad = image.scalars.firstIndex(where: { !$0.isFinite }) {
                throw MethodError.invalidOption(method: Self.name, message: "baseline value \(bad) is not finite")
            }
            return image.shape[0] == n ? image : repeatedImage(image.scalars[...])
        }
    }

    /// The path fractions α_k and their weights in the average.
    var pathPoints: [(alpha: Float, weight: Double)] {
        switch rule {
        case .rightRiemann:
            return (1...steps).map { (Float($0) / Float(steps), 1 / Double(steps)) }
        case .trapezoid:
            return (0...steps).map { k in (Float(k) / Float(steps), (k == 0 || k == steps ? 0.5 : 1) / Double(steps)) }
        }
    }

    private var settings: [MethodSetting] {
        var list = [MethodSetting("steps", "\(steps)"), MethodSetting("baseline", baselineLabel),
                    MethodSetting("rule", rule == .rightRiemann ? "right Riemann" : "trapezoid")]
        if let smoothSamples {
            list += [MethodSetting("SmoothGrad samples", "\(smoothSamples)"), MethodSetting("σ", smoothNoise.label),
                     MethodSetting("seed", "\(seed)")]
        }
        return list
    }

    private var baselineLabel: String {
        switch baseline {
        case .zeros: return "zeros"
        case let .constant(v): return "\(v)"
        case .meanImage: return "mean image"
        case .image: return "image"
        }
    }

    /// The integrated gradients of each image; `baselineOutputs` holds f(b) so that
    /// Σ attributions − (f(x) − f(b)) measures the approximation error.
    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        try model.checkInputs(inputs, method: Self.name)
        guard steps >= 1 else {
            throw MethodError.invalidOption(method: Self.name, message: "steps must be at least 1, got \(steps)")
        }
        let copies = smoothSamples ?? 1
        guard copies >= 1 else {
            throw MethodError.invalidOption(method: Self.name, message: "SmoothGrad samples must be at least 1, got \(copies)")
        }
        try smoothNoise.validate(method: Self.name)
        let baselines = try baselineImages(for: inputs)
        let resolved = try model.resolve(targets, inputs: inputs, method: Self.name, monitor: monitor)
        let outputs = try model.outputs(inputs, targets: resolved, monitor: monitor)
        let baselineOutputs = try model.outputs(baselines, targets: resolved, monitor: monitor)

        let n = inputs.shape[0], per = inputs.valuesPerRow
        let points = pathPoints
        let rowsPerImage = points.count * copies
        let total = n * rowsPerImage
        var sums = [Double](repeating: 0, count: inputs.count)
        var random = SeededRandom(seed: seed)
        let smoothing = smoothSamples != nil
        try inputs.scalars.withUnsafeBufferPointer { x in
            try baselines.scalars.withUnsafeBufferPointer { b in
                try model.streamPasses(rows: total, targets: { resolved.indices[$0 / rowsPerImage] }, layer: resolved.layer,
                                       rules: .gradient, task: Self.name, monitor: monitor, fill: { range, out in
                    for (r, flat) in range.enumerated() {
                        let image = flat / rowsPerImage
                        let alpha = points[(flat % rowsPerImage) / copies].alpha
                        let base = image * per
                        let row = r * per
                        for j in 0..<per { out[row + j] = b[base + j] + alpha * (x[base + j] - b[base + j]) }
                        if smoothing {
                            var low = Float.infinity, high = -Float.infinity
                            for j in 0..<per {
                                low = Swift.min(low, out[row + j])
                                high = Swift.max(high, out[row + j])
                            }
                            let sigma = smoothNoise.sigma(min: low, max: high)
                            for j in 0..<per { out[row + j] += sigma * random.nextGaussian() }
                        }
                    }
                }, accumulate: { range, g, _ in
                    sums.withUnsafeMutableBufferPointer { s in
                        for (r, flat) in range.enumerated() {
                            let image = flat / rowsPerImage
                            let weight = points[(flat % rowsPerImage) / copies].weight / Double(copies)
                            let base = image * per
                            for j in 0..<per { s[base + j] += weight * Double(g[r * per + j]) }
                        }
                    }
                })
            }
        }
        var attributions = [Float](repeating: 0, count: inputs.count)
        inputs.scalars.withUnsafeBufferPointer { x in
            baselines.scalars.withUnsafeBufferPointer { b in
                for j in 0..<attributions.count { attributions[j] = Float(Double(x[j] - b[j]) * sums[j]) }
            }
        }
        return Explanation(attributions: Tensor(shape: inputs.shape, scalars: attributions), inputs: inputs,
                           targets: resolved.indices, targetLayer: resolved.layer, output: model.output,
                           outputs: outputs, baselineOutputs: baselineOutputs, method: Self.name, settings: settings)
    }
}
