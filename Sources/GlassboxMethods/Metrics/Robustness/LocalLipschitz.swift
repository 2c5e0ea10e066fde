import GlassboxEngine

/// The local Lipschitz estimate: the largest ratio of the map's change to the input's change,
/// ‖R(x) − R(x′)‖₂ / ‖x − x′‖₂, over Gaussian neighbours x′ = x + δ; lower is more stable.
///
/// From Alvarez-Melis & Jaakkola (2018), On the robustness of interpretability methods, ICML
/// Workshop on Human Interpretability (Quantus' `LocalLipschitzEstimate`).
public struct LocalLipschitz: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "localLipschitz", title: "Local Lipschitz estimate", category: .robustness,
        citation: "Alvarez-Melis & Jaakkola (2018), On the robustness of interpretability methods, ICML Workshop on Human Interpretability in Machine Learning",
        summary: "The largest ‖R(x) − R(x′)‖ / ‖x − x′‖ over Gaussian neighbours x′ of x: lower is more stable.",
        formula: "\\hat L(x) = \\max_{j=1..n} \\frac{\\lVert R(x) - R(x + \\delta_j) \\rVert_2}{\\lVert \\delta_j \\rVert_2},\\quad \\delta_j \\sim \\mathcal{N}(0, \\sigma^2 I)",
        details: "The paper maximises the ratio over a ball by optimisation; Quantus samples the neighbourhood (Gaussian noise, "
            + "σ = 0.1), as here. Unlike sensitivity the ratio has the map's units per input unit, so it compares methods whose maps "
            + "share a scale (the same f). Noise is seeded by the image's own values; the copies of a group of images are explained "
            + "in one call.",
        direction: .lowerIsBetter,
        options: [
            MethodOption("samples", .integer(min: 1), default: .int(10), doc: "neighbours per image"),
            MethodOption("sigma", .number(min: 0), default: .double(0.1), doc: "the standard deviation of the Gaussian noise"),
            MethodOption("seed", .seed, default: .int(0), doc: "seeds the noise (mixed with each image's values)"),
        ],
        example: "localLipschitz(net, xs, method: \"gradientTimesInput\").scores")

    public var samples: Int
    public var sigma: Float
    public var seed: UInt64

    public init(samples: Int = 10, sigma: Float = 0.1, seed: UInt64 = 0) throws {
        let title = Self.declaration.title
        guard samples >= 1 else { throw MethodError.invalidOption(method: title, message: "samples must be at least 1, got \(samples)") }
        guard sigma.isFinite, sigma > 0 else { throw MethodError.invalidOption(method: title, message: "sigma must be finite and > 0, got \(sigma)") }
        self.samples = samples
        self.sigma = sigma
        self.seed = seed
    }

    public init(options: MethodOptions) throws {
        try self.init(samples: options.int("samples"), sigma: options.float("sigma"), seed: options.seed("seed"))
    }

    /// The noise δ of sample `sample` of image `image`.
    static func perturbation(_ noise: ImageNoise, image: Int, sample: Int, count: Int, sigma: Float) -> [Float] {
        var random = noise.generator(image: image, sample: sample)
        return (0..<count).map { _ in sigma * random.nextGaussian() }
    }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let title = Self.declaration.title
        let maps = try subject.maps(monitor: monitor, metric: title)
        let noise = ImageNoise(inputs: subject.inputs, seed: seed)
        let per = subject.valuesPerImage
        let task = task(subject)
        var scores = [Float]()
        for group in try MetricBatching.groups(images: subject.count, copies: samples, valuesPerImage: per, what: title) {
            try monitor.cancellation.check()
            monitor.progress(ProgressEvent(task: task, completed: group.lowerBound, total: subject.count))
            // The neighbours as actually stored (x + δ rounded to Float), so ‖x − x′‖ is measured exactly.
            let batch = try MetricBatching.batch(like: subject.inputs, rows: group.count * samples) { row, image in
                let i = group.lowerBound + row / samples
                let x = rowSlice(subject.inputs, i)
                let delta = Self.perturbation(noise, image: i, sample: row % samples, count: per, sigma: sigma)
                for j in 0..<per { image[j] = x[x.startIndex + j] + delta[j] }
            }
            let neighbourMaps = try subject.explain(batch, classes: MetricBatching.repeated(Array(subject.targets[group]), samples),
                                                    monitor: monitor, metric: title).maps
            for (g, i) in group.enumerated() {
                let x = rowSlice(subject.inputs, i), map = rowSlice(maps, i)
                var largest = 0.0
                for s in 0..<samples {
                    let row = g * samples + s
                    let input = zip(rowSlice(batch, row), x).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
                    guard input > 0 else { continue }
                    let change = zip(rowSlice(neighbourMaps, row), map).reduce(0.0) {
                        $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1))
                    }
                    largest = max(largest, (change / input).squareRoot())
                }
                scores.append(Float(largest))
            }
        }
        monitor.progress(ProgressEvent(task: task, completed: subject.count, total: subject.count, finished: true))
        return result(subject, scores: scores)
    }
}
