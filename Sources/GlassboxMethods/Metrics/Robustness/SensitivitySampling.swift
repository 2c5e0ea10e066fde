import GlassboxEngine

/// The sampling behind max- and average sensitivity (Yeh et al. 2019, as Captum's
/// `sensitivity_max` does it): for each image, `samples` copies with noise drawn uniformly from
/// [−radius, radius] per value, explained for the same class, and the relative change of the map
/// ‖R(x + δ) − R(x)‖₂ / ‖R(x)‖₂ of each copy (the absolute change when R(x) is all zero, as
/// Captum divides by 1 then). Noise depends only on the seed, the image's own values and the sample
/// number, so an image scores the same in any batch; all copies of a group of images are explained
/// in one call.
struct SensitivitySampling: Sendable, Hashable {
    var samples: Int
    var radius: Float
    var seed: UInt64

    init(samples: Int, radius: Float, seed: UInt64, metric: String) throws {
        guard samples >= 1 else { throw MethodError.invalidOption(method: metric, message: "samples must be at least 1, got \(samples)") }
        guard radius.isFinite, radius >= 0 else {
            throw MethodError.invalidOption(method: metric, message: "radius must be finite and ≥ 0, got \(radius)")
        }
        self.samples = samples
        self.radius = radius
        self.seed = seed
    }

    /// The options both metrics take (Captum's defaults).
    static let options = [
        MethodOption("samples", .integer(min: 1), default: .int(10), doc: "noisy copies per image (Captum's n_perturb_samples)"),
        MethodOption("radius", .number(min: 0), default: .double(0.02), doc: "the noise is uniform in [−radius, radius] per value (Captum's perturb_radius)"),
        MethodOption("seed", .seed, default: .int(0), doc: "seeds the noise (mixed with each image's values)"),
    ]

    /// The noise δ of sample `sample` of image `image`.
    static func perturbation(_ noise: ImageNoise, image: Int, sample: Int, count: Int, radius: Float) -> [Float] {
        var random = noise.generator(image: image, sample: sample)
        return (0..<count).map { _ in random.nextUniform(in: -radius, radius) }
    }

    /// changes[i][j]: the relative change of image i's map under sample j (shared by the metrics
    /// of one comparison through the subject).
    func relativeChanges(_ subject: MetricSubject, metric: String, task: String, monitor: WorkMonitor) throws -> [[Double]] {
        try subject.memoised("sensitivity \(samples) \(radius) \(seed)") {
            let maps = try subject.maps(monitor: monitor, metric: metric)
            let noise = ImageNoise(inputs: subject.inputs, seed: seed)
            let per = subject.valuesPerImage
            var changes = [[Double]]()
            for group in try MetricBatching.groups(images: subject.count, copies: samples, valuesPerImage: per, what: metric) {
                try monitor.cancellation.check()
                monitor.progress(ProgressEvent(task: task, completed: group.lowerBound, total: subject.count))
                let batch = try MetricBatching.batch(like: subject.inputs, rows: group.count * samples) { row, image in
                    let i = group.lowerBound + row / samples
                    let x = rowSlice(subject.inputs, i)
                    let delta = Self.perturbation(noise, image: i, sample: row % samples, count: per, radius: radius)
                    for j in 0..<per { image[j] = x[x.startIndex + j] + delta[j] }
                }
                let noisy = try subject.explain(batch, classes: MetricBatching.repeated(Array(subject.targets[group]), samples),
                                                monitor: monitor, metric: metric).maps
                for (g, i) in group.enumerated() {
                    let base = rowSlice(maps, i)
                    let norm = base.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                    changes.append((0..<samples).map { s in
                        let copy = rowSlice(noisy, g * samples + s)
                        let distance = zip(copy, base).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
                        return distance.squareRoot() / (norm > 0 ? norm : 1)
                    })
                }
            }
            monitor.progress(ProgressEvent(task: task, completed: subject.count, total: subject.count, finished: true))
            return changes
        }
    }
}
