import GlassboxEngine
import GlassboxModels

/// Integrated gradients (Sundararajan et al. 2017, chapters 3.4 and 3.5):
/// IG_i = (x_i − b_i) · ∫₀¹ ∂f/∂x_i(b + α(x − b)) dα, approximated on `steps` intervals.
///
/// The reference uses the right Riemann sum over x_k = b + (k/steps)(x − b), k = 1…steps, so
/// IG = (x − b) ⊙ mean_k ∇f(x_k); `.trapezoid` also uses k = 0 with half weight at both ends.
/// Completeness: Σ_i IG_i ≈ f(x) − f(b) (exact in the limit). Every path point of every image is
/// sent through the network in batches of `model.batchSize` rows, never one pass per step.
///
/// The integrand is the plain gradient, or the modified gradient of a base method (guided
/// backprop, deconvnet): "integrated gradients of deconvnet" is one call.
public struct IntegratedGradients: AttributionMethod {
    public typealias Baseline = Reference

    /// How the path integral is approximated.
    public enum Rule: String, Sendable, Equatable, CaseIterable {
        /// Σ_{k=1..steps} ∇f(x_k)/steps, as the reference.
        case riemann
        /// (∇f(x_0)/2 + Σ_{k=1..steps−1} ∇f(x_k) + ∇f(x_steps)/2)/steps.
        case trapezoid
    }

    public static let declaration = MethodDeclaration(
        id: "integratedGradients", title: "Integrated gradients",
        citation: "Sundararajan, Taly & Yan (2017), Axiomatic attribution for deep networks, ICML",
        summary: "Integrated gradients (chapters 3.4, 3.5): (x − b) ⊙ the mean gradient along the straight path from b to x.",
        details: "Completeness: e.sums ≈ e.outputs − e.baselineOutputs (the receipt). Chapter 3.4 explains the probability: "
            + "integratedGradients(net, xs, output: \"probability\", steps: 100). With method: the integrand is that method's "
            + "modified gradient (\"guidedBackprop\", \"deconvnet\"). With layer: the integrated gradient of the sum of that "
            + "layer's channel `target`. Shown in gray with a colorbar.",
        chapters: ["3.4", "3.5"],
        options: [
            MethodOption("steps", .integer(min: 1), default: .int(50), doc: "intervals on the path from the baseline to the image (chapter 3.4 uses 100)"),
            MethodOption("baseline", .reference, default: .string("zeros"),
                         doc: "\"zeros\" (black), a number (a constant image), \"mean\" (the mean of the images), or an image"),
            MethodOption("rule", .choice(Rule.allCases.map(\.rawValue)), default: .string("riemann"),
                         doc: "the right Riemann sum (the reference) or the trapezoid rule"),
            MethodOption("samples", .integer(min: 1), default: .none, doc: "SmoothGrad each path point over this many noisy copies (nil = off)"),
            MethodOption("noise", .number(min: 0), default: .double(0.1), doc: "with samples: σ relative to each path point's value range"),
            MethodOption("seed", .seed, default: .int(0), doc: "with samples: seeds the noise"),
            MethodOption("method", .method(modifiedGradientOnly: true), default: .none,
                         doc: "integrate this method's modified gradient instead of the gradient, e.g. \"guidedBackprop\""),
            MethodOption("methodOptions", .methodOptions, default: .none, doc: "options of that method, e.g. [\"absolute\": false]"),
        ],
        display: .gray,
        example: "let e = integratedGradients(net, xs, steps: 100, output: \"probability\")\ne.sums\nintegratedGradients(net, xs, method: \"deconvnet\")",
        page: "integrated-gradients.md", figure: "integratedGradients(net, xs, target: \"label\")")

    public var model: ExplainedModel
    /// The number of intervals on the path.
    public var steps: Int
    public var baseline: Reference
    public var rule: Rule
    /// When set, the gradient at each path point is replaced by its SmoothGrad average over this
    /// many noisy copies (noise from `smoothNoise`, σ relative to each path point's range when
    /// `.relative`, as Appendix A's helper), seeded by `seed` and each image's contents.
    public var smoothSamples: Int?
    public var smoothNoise: Noise
    public var seed: UInt64
    /// The modified gradient integrated instead of the gradient (nil: the gradient).
    public var base: (any BackwardMethod)?

    public init(_ model: ExplainedModel, steps: Int = 50, baseline: Reference = .zeros, rule: Rule = .riemann,
                smoothSamples: Int? = nil, smoothNoise: Noise = .relative(0.1), seed: UInt64 = 0,
                base: (any BackwardMethod)? = nil) throws {
        let name = Self.declaration.title
        guard steps >= 1 else { throw MethodError.invalidOption(method: name, message: "steps must be at least 1, got \(steps)") }
        if let smoothSamples, smoothSamples < 1 {
            throw MethodError.invalidOption(method: name, message: "SmoothGrad samples must be at least 1, got \(smoothSamples)")
        }
        try smoothNoise.validate(method: name)
        if let base {
            let plan = base.plan
            guard plan.seed == .gradient, plan.reference == nil else {
                throw MethodError.invalidOption(method: name, message: "\(type(of: base).declaration.id) is not a modified gradient: it cannot be integrated")
            }
        }
        self.model = model
        self.steps = steps
        self.baseline = baseline
        self.rule = rule
        self.smoothSamples = smoothSamples
        self.smoothNoise = smoothNoise
        self.seed = seed
        self.base = base
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        let base = try wrappedMethod(model, options, method: Self.declaration.id)
        guard base == nil || base is any BackwardMethod else {
            throw MethodError.invalidOption(method: Self.declaration.title, message: "the wrapped method is not a modified gradient")
        }
        try self.init(model, steps: options.int("steps"), baseline: options.reference("baseline"),
                      rule: Rule(rawValue: options.string("rule")) ?? .riemann, smoothSamples: options.optionalInt("samples"),
                      smoothNoise: .relative(options.float("noise")), seed: options.seed("seed"), base: base as? any BackwardMethod)
    }

    /// The path fractions α_k and their weights in the average.
    var pathPoints: [(alpha: Float, weight: Double)] {
        switch rule {
        case .riemann:
            return (1...steps).map { (Float($0) / Float(steps), 1 / Double(steps)) }
        case .trapezoid:
            return (0...steps).map { k in (Float(k) / Float(steps), (k == 0 || k == steps ? 0.5 : 1) / Double(steps)) }
        }
    }

    private var settings: [MethodSetting] {
        var list = [MethodSetting("steps", "\(steps)"), MethodSetting("baseline", baseline.label),
                    MethodSetting("rule", rule == .riemann ? "right Riemann" : "trapezoid")]
        if let base { list.insert(MethodSetting("of", type(of: base).declaration.title), at: 0) }
        if let smoothSamples {
            list += [MethodSetting("SmoothGrad samples", "\(smoothSamples)"), MethodSetting("σ", smoothNoise.label),
                     MethodSetting("seed", "\(seed)")]
        }
        return list
    }

    /// The integrated gradients of each image; `baselineOutputs` holds f(b) so that
    /// Σ attributions − (f(x) − f(b)) measures the approximation error (the completeness receipt).
    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        let name = Self.declaration.title
        try checkOutput()
        try model.checkInputs(inputs, method: name)
        let baselines = try baseline.images(for: inputs, method: name)
        let resolved = try model.resolve(targets, inputs: inputs, method: name, monitor: monitor)
        let outputs = try model.outputs(inputs, targets: resolved, monitor: monitor)
        let baselineOutputs = try model.outputs(baselines, targets: resolved, monitor: monitor)
        let plan = base?.plan ?? BackwardPlan(rules: .gradient)

        let n = inputs.shape[0], per = inputs.valuesPerRow
        let points = pathPoints
        let copies = smoothSamples ?? 1
        let rowsPerImage = points.count * copies
        var sums = [Double](repeating: 0, count: inputs.count)
        let smoothing = smoothSamples != nil
        var noise = ImageNoise(inputs: inputs, seed: seed)
        try inputs.scalars.withUnsafeBufferPointer { x in
            try baselines.scalars.withUnsafeBufferPointer { b in
                try model.streamPasses(rows: n * rowsPerImage, targets: { resolved.indices[$0 / rowsPerImage] }, layer: resolved.layer,
                                       plan: plan, task: name, monitor: monitor, fill: { range, out in
                    for (r, flat) in range.enumerated() {
                        let image = flat / rowsPerImage
                        let alpha = points[(flat % rowsPerImage) / copies].alpha
                        let base = image * per
                        let row = UnsafeMutableBufferPointer(rebasing: out[(r * per)..<((r + 1) * per)])
                        for j in 0..<per { row[j] = b[base + j] + alpha * (x[base + j] - b[base + j]) }
                        if smoothing {
                            var low = Float.infinity, high = -Float.infinity
                            for v in row {
                                low = Swift.min(low, v)
                                high = Swift.max(high, v)
                            }
                            noise.add(to: row, image: image, sample: flat % rowsPerImage,
                                      sigma: smoothNoise.sigma(min: low, max: high))
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
                           outputs: outputs, baselineOutputs: baselineOutputs, method: name, settings: settings,
                           receipt: .completeness)
    }
}
