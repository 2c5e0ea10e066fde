import GlassboxEngine

/// Infidelity, as Captum's `infidelity` defines it: perturb the image by Gaussian noise I, compare
/// what the map predicts for the change, Iᵀ R, with the change of f, f(x) − f(x − I), and average
/// the squared difference over `samples` perturbations. A map that is the model's local linear
/// behaviour (the gradient of a linear model) has infidelity 0. With `normalize`, the map is first
/// scaled by the best factor β = Σ (IᵀR)(Δf) / Σ (IᵀR)² (Captum's `normalize=True`), so only its
/// shape counts.
///
/// From Yeh, Hsieh, Suggala, Inouye & Ravikumar (2019), On the (in)fidelity and sensitivity of
/// explanations, NeurIPS.
public struct Infidelity: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "infidelity", title: "Infidelity", category: .faithfulness,
        citation: "Yeh, Hsieh, Suggala, Inouye & Ravikumar (2019), On the (in)fidelity and sensitivity of explanations, NeurIPS (Captum's infidelity)",
        summary: "The mean squared difference between Iᵀ R and f(x) − f(x − I) over Gaussian perturbations I (Captum's infidelity): lower is more faithful.",
        formula: "\\mathrm{INFD}(R, f, x) = \\mathbb{E}_{I \\sim \\mathcal{N}(0, \\sigma^2)}\\Big[\\big(I^\\top R(x) - (f(x) - f(x - I))\\big)^2\\Big]",
        details: "Captum passes the perturbation as a function; its documented example draws I ~ N(0, 0.003²) per value. The default "
            + "σ = 0.1 here is a visible change on [0, 1] pixels. Real-valued perturbations suit local maps (gradients); gradient × "
            + "input and relevance maps, which describe f(x) − f(0) rather than a local slope, score worse by construction. Noise is "
            + "seeded by the image's own values. normalize: true scales the map by β first (Captum's normalize=True).",
        direction: .lowerIsBetter,
        options: [
            MethodOption("samples", .integer(min: 1), default: .int(10), doc: "perturbations per image (Captum's n_perturb_samples)"),
            MethodOption("sigma", .number(min: 0), default: .double(0.1), doc: "the standard deviation of the Gaussian perturbation"),
            MethodOption("normalize", .bool, default: .bool(false), doc: "scale the map by the best factor β first (Captum's normalize)"),
            MethodOption("seed", .seed, default: .int(0), doc: "seeds the perturbations (mixed with each image's values)"),
        ],
        example: "infidelity(net, xs, method: [\"method\": \"saliency\", \"absolute\": false]).mean")

    public var samples: Int
    public var sigma: Float
    public var normalize: Bool
    public var seed: UInt64

    public init(samples: Int = 10, sigma: Float = 0.1, normalize: Bool = false, seed: UInt64 = 0) throws {
        let title = Self.declaration.title
        guard samples >= 1 else { throw MethodError.invalidOption(method: title, message: "samples must be at least 1, got \(samples)") }
        guard sigma.isFinite, sigma >= 0 else { throw MethodError.invalidOption(method: title, message: "sigma must be finite and ≥ 0, got \(sigma)") }
        self.samples = samples
        self.sigma = sigma
        self.normalize = normalize
        self.seed = seed
    }

    public init(options: MethodOptions) throws {
        try self.init(samples: options.int("samples"), sigma: options.float("sigma"), normalize: options.bool("normalize"),
                      seed: options.seed("seed"))
    }

    /// The perturbation I of sample `sample` of image `image` (σ·z per value).
    static func perturbation(_ noise: ImageNoise, image: Int, sample: Int, count: Int, sigma: Float) -> [Float] {
        var random = noise.generator(image: image, sample: sample)
        return (0..<count).map { _ in sigma * random.nextGaussian() }
    }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let title = Self.declaration.title
        let maps = try subject.maps(monitor: monitor, metric: title)
        let original = try subject.outputs(monitor: monitor)
        let noise = ImageNoise(inputs: subject.inputs, seed: seed)
        let per = subject.valuesPerImage
        let task = task(subject)
        var scores = [Float]()
        for group in try MetricBatching.groups(images: subject.count, copies: samples, valuesPerImage: per, buffers: 4, what: title) {
            try monitor.cancellation.check()
            monitor.progress(ProgressEvent(task: task, completed: group.lowerBound, total: subject.count))
            let perturbations = group.map { i in (0..<samples).map { Self.perturbation(noise, image: i, sample: $0, count: per, sigma: sigma) } }
            let batch = try MetricBatching.batch(like: subject.inputs, rows: group.count * samples) { row, image in
                let x = rowSlice(subject.inputs, group.lowerBound + row / samples)
                let perturbation = perturbations[row / samples][row % samples]
                for j in 0..<per { image[j] = x[x.startIndex + j] - perturbation[j] }
            }
            let f = try subject.scores(batch, classes: MetricBatching.repeated(Array(subject.targets[group]), samples), monitor: monitor)
            for (g, i) in group.enumerated() {
                let map = rowSlice(maps, i)
                var predicted = [Double](), actual = [Double]()
                for s in 0..<samples {
                    predicted.append(zip(perturbations[g][s], map).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })
                    actual.append(Double(original[i]) - Double(f[g * samples + s]))
                }
                var beta = 1.0
                if normalize {
                    let squares = predicted.reduce(0) { $0 + $1 * $1 }
                    if squares > 0 { beta = zip(predicted, actual).reduce(0) { $0 + $1.0 * $1.1 } / squares }
                }
                let error = zip(predicted, actual).reduce(0.0) { $0 + (beta * $1.0 - $1.1) * (beta * $1.0 - $1.1) } / Double(samples)
                scores.append(Float(error))
            }
        }
        monitor.progress(ProgressEvent(task: task, completed: subject.count, total: subject.count, finished: true))
        return result(subject, scores: scores)
    }
}
