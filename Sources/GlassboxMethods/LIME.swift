import GlassboxEngine
import GlassboxModels

/// LIME for images (Ribeiro, Singh & Guestrin 2016): cut the image into segments, switch random
/// subsets of them off (filled with `fill`), weight each sample by an exponential kernel on its
/// distance to the image, exp(−d²/σ²) with d the cosine distance between the on/off vector z and
/// all-on, and fit a weighted ridge regression f(z) ≈ β₀ + Σ_k β_k z_k. Each pixel shows the weight
/// β_k of its segment.
public struct LIME: AttributionMethod {
    public static let declaration = MethodDeclaration(
        id: "lime", title: "LIME",
        citation: "Ribeiro, Singh & Guestrin (2016), \"Why should I trust you?\" Explaining the predictions of any classifier, KDD",
        summary: "LIME: random on/off masks over grid segments, weighted by exp(−d²/σ²) of their distance to the image; each segment shows its weight in a weighted ridge fit.",
        details: "Sample 0 is the image itself (all segments on); the others switch each segment on with probability ½, seeded by seed "
            + "and the image's own values, so an image gets the same samples alone or in a batch. d = 1 − √(on/segments) is the "
            + "cosine distance between z and all-on (the LIME package's distance on the interpretable features); σ = kernelWidth. "
            + "The fit is local: a wide kernel weighs far samples (most of the digit gone) like near ones, and the weights stop "
            + "describing the image. ridge is the penalty λ on the weights (not on the intercept), as scikit-learn's Ridge(alpha).",
        options: [
            MethodOption("samples", .integer(min: 2), default: .int(1000), doc: "on/off samples per image, the image itself included"),
            MethodOption("segments", .integer(min: 1), default: .int(16), doc: "grid segments (16: 7 × 7 squares of a 28 × 28 digit)"),
            MethodOption("kernelWidth", .number(min: 1e-6), default: .double(0.25), doc: "σ of the kernel exp(−d²/σ²) on the cosine distance d"),
            MethodOption("ridge", .number(min: 0), default: .double(1), doc: "the ridge penalty λ on the segment weights"),
            MethodOption("fill", .number(), default: .double(0), doc: "the value of switched-off segments, in every channel"),
            MethodOption("seed", .seed, default: .int(0), doc: "seeds the samples (mixed with each image's values)"),
        ],
        display: .relevanceSigned, acceptsLayerTargets: false,
        example: "lime(net, xs, target: \"label\")\nlime(net, xs, samples: 2000, segments: 49, kernelWidth: 0.5)",
        page: "lime.md", figure: "lime(net, xs, target: \"label\")")

    public var model: ExplainedModel
    public var samples: Int
    public var segmentCount: Int
    public var kernelWidth: Double
    public var ridge: Double
    public var fill: Float
    public var seed: UInt64
    let segments: Segments

    public init(_ model: ExplainedModel, samples: Int = 1000, segments: Int = 16, kernelWidth: Double = 0.25, ridge: Double = 1,
                fill: Float = 0, seed: UInt64 = 0) throws {
        let name = Self.declaration.title
        let (_, height, width) = try model.imageGeometry(method: name)
        guard samples >= 2, segments >= 1 else {
            throw MethodError.invalidOption(method: name, message: "samples must be at least 2 and segments at least 1, got \(samples) and \(segments)")
        }
        guard kernelWidth.isFinite, kernelWidth > 0, ridge.isFinite, ridge >= 0, fill.isFinite else {
            throw MethodError.invalidOption(method: name, message: "kernelWidth must be positive, ridge ≥ 0 and fill finite")
        }
        self.model = model
        self.samples = samples
        self.segmentCount = segments
        self.kernelWidth = kernelWidth
        self.ridge = ridge
        self.fill = fill
        self.seed = seed
        self.segments = try Segments.grid(segments, height: height, width: width, method: name)
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, samples: options.int("samples"), segments: options.int("segments"), kernelWidth: options.double("kernelWidth"),
                      ridge: options.double("ridge"), fill: options.float("fill"), seed: options.seed("seed"))
    }

    private var settings: [MethodSetting] {
        [MethodSetting("samples", "\(samples)"), MethodSetting("segments", "\(segmentCount)"), MethodSetting("σ", "\(kernelWidth)")]
            + (ridge == 1 ? [] : [MethodSetting("λ", "\(ridge)")]) + (fill == 0 ? [] : [MethodSetting("fill", "\(fill)")])
    }

    /// The on/off vectors of image `image`'s samples (sample-major, `segments` values each): sample
    /// 0 all on, the others a fair coin per segment from the image's own generator.
    static func masks(_ noise: ImageNoise, image: Int, samples: Int, segments: Int) -> [Bool] {
        var masks = [Bool](repeating: true, count: samples * segments)
        for s in 1..<samples {
            var random = noise.generator(image: image, sample: s)
            for k in 0..<segments { masks[s * segments + k] = ImageNoise.coin(&random) }
        }
        return masks
    }

    /// The kernel weight of a sample with `on` of `segments` segments on.
    static func kernel(on: Int, segments: Int, width: Double) -> Double {
        let distance = on == 0 ? 1 : 1 - (Double(on) / Double(segments)).squareRoot()
        return _exp(-distance * distance / (width * width))
    }

    /// The weighted ridge fit of one image: the intercept β₀ then the segment weights β.
    static func fit(masks: [Bool], scores: ArraySlice<Float>, segments: Int, width: Double, ridge: Double) -> [Double] {
        let samples = scores.count, columns = segments + 1
        var design = [Double](repeating: 0, count: samples * columns)
        var weights = [Double](repeating: 0, count: samples)
        for s in 0..<samples {
            design[s * columns] = 1
            var on = 0
            for k in 0..<segments where masks[s * segments + k] {
                design[s * columns + 1 + k] = 1
                on += 1
            }
            weights[s] = kernel(on: on, segments: segments, width: width)
        }
        let penalty = [0] + [Double](repeating: ridge, count: segments)
        return WeightedLeastSquares.solve(design: design, columns: columns, targets: scores.map(Double.init), weights: weights,
                                          penalty: penalty)
    }

    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        let name = Self.declaration.title
        try checkOutput()
        try model.checkInputs(inputs, method: name)
        let (channels, _, _) = try model.imageGeometry(method: name)
        let resolved = try model.resolve(targets, inputs: inputs, method: name, monitor: monitor)
        let n = inputs.shape[0], per = inputs.valuesPerRow, plane = per / channels
        let (samples, k, fill, segments) = (self.samples, segmentCount, self.fill, self.segments)
        try MemoryBudget.shared.check(samples * (k + 1) * 8 * 2, for: "LIME's design matrix of \(samples) samples × \(k) segments")
        let noise = ImageNoise(inputs: inputs, seed: seed)
        var current = (image: -1, masks: [Bool]())
        let scores = try inputs.scalars.withUnsafeBufferPointer { x in
            try model.perturbedScores(rows: n * samples, targets: { resolved.indices[$0 / samples] }, task: name, monitor: monitor) { range, out in
                for (r, flat) in range.enumerated() {
                    let image = flat / samples, s = flat % samples
                    if current.image != image { current = (image, Self.masks(noise, image: image, samples: samples, segments: k)) }
                    current.masks.withUnsafeBufferPointer { m in
                        segments.apply(UnsafeBufferPointer(rebasing: m[(s * k)..<((s + 1) * k)]),
                                       image: UnsafeBufferPointer(rebasing: x[(image * per)..<((image + 1) * per)]), fill: fill,
                                       channels: channels, into: UnsafeMutableBufferPointer(rebasing: out[(r * per)..<((r + 1) * per)]))
                    }
                }
            }
        }
        var attributions = [Float](repeating: 0, count: inputs.count)
        for image in 0..<n {
            try monitor.cancellation.check()
            let masks = Self.masks(noise, image: image, samples: samples, segments: k)
            let beta = Self.fit(masks: masks, scores: scores[(image * samples)..<((image + 1) * samples)], segments: k, width: kernelWidth,
                                ridge: ridge)
            for c in 0..<channels {
                for j in 0..<plane { attributions[image * per + c * plane + j] = Float(beta[1 + segments.labels[j]]) }
            }
        }
        let outputs = (0..<n).map { scores[$0 * samples] }
        return Explanation(attributions: Tensor(shape: inputs.shape, scalars: attributions), inputs: inputs, targets: resolved.indices,
                           output: model.output, outputs: outputs, method: name, settings: settings)
    }
}
