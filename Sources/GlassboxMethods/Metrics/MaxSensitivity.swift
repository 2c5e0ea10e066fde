import GlassboxEngine

/// Robustness of an explanation to small input changes: for each image, `samples` copies with
/// noise drawn uniformly from [−radius, radius] per value, explained for the same class, and
///
///     max-sensitivity = maxⱼ ‖Φ(x + δⱼ) − Φ(x)‖₂ / ‖Φ(x)‖₂,   average sensitivity = meanⱼ (same),
///
/// (relative, as Captum's `sensitivity_max` and Quantus normalise; lower is more robust; an all-zero
/// Φ(x) gives the absolute change). Noise depends only on the seed, the image's values and the
/// sample number, so an image scores the same in any batch.
///
/// From Yeh, Hsieh, Suggala, Inouye & Ravikumar (2019), On the (in)fidelity and sensitivity of
/// explanations, NeurIPS.
public struct MaxSensitivity: Sendable {
    public static let title = "Max-sensitivity"

    public var samples: Int
    public var radius: Float
    public var seed: UInt64

    public init(samples: Int = 10, radius: Float = 0.02, seed: UInt64 = 0) throws {
        guard samples >= 1 else { throw MethodError.invalidOption(method: Self.title, message: "samples must be at least 1, got \(samples)") }
        guard radius.isFinite, radius >= 0 else {
            throw MethodError.invalidOption(method: Self.title, message: "radius must be finite and ≥ 0, got \(radius)")
        }
        self.samples = samples
        self.radius = radius
        self.seed = seed
    }

    public struct Result: Sendable, Equatable {
        public var method: String
        /// Per image: the largest relative change over the samples.
        public var maximum: [Float]
        /// Per image: the mean relative change over the samples.
        public var average: [Float]
        public var targets: [Int]
    }

    /// Scores `explainer` on every image of `inputs` (targets nil: the predicted classes); each
    /// sample is one batched call over all images.
    public func run(model: ExplainedModel, explainer: Explainer, inputs: Tensor, targets: [Int]? = nil,
                    monitor: WorkMonitor = .none) throws -> Result {
        try model.checkInputs(inputs, method: Self.title)
        let n = inputs.shape[0], per = inputs.valuesPerRow
        let classes = try targets ?? model.predictedClasses(inputs, monitor: monitor)
        guard classes.count == n else {
            throw MethodError.invalidTarget(method: Self.title, message: "\(classes.count) targets for \(n) images")
        }
        let task = "\(Self.title) (\(explainer.name))"
        let base = try explainer.maps(inputs, targets: classes, monitor: monitor, metric: Self.title)
        let norms = (0..<n).map { i in rowSlice(base, i).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        let keys = Self.imageKeys(inputs, seed: seed)
        var maximum = [Double](repeating: 0, count: n), total = [Double](repeating: 0, count: n)
        for j in 0..<samples {
            try monitor.cancellation.check()
            monitor.progress(ProgressEvent(task: task, completed: j, total: samples))
            var noisy = inputs
            for i in 0..<n {
                var random = SeededRandom(seed: keys[i] &+ UInt64(j) &* 0x9E37_79B9_7F4A_7C15)
                for v in (i * per)..<((i + 1) * per) { noisy.scalars[v] += random.nextUniform(in: -radius, radius) }
            }
            let maps = try explainer.maps(noisy, targets: classes, monitor: monitor, metric: Self.title)
            for i in 0..<n {
                var change = 0.0
                for (a, b) in zip(rowSlice(maps, i), rowSlice(base, i)) { change += (Double(a) - Double(b)) * (Double(a) - Double(b)) }
                let relative = change.squareRoot() / (norms[i] > 0 ? norms[i] : 1)
                maximum[i] = max(maximum[i], relative)
                total[i] += relative
            }
        }
        monitor.progress(ProgressEvent(task: task, completed: samples, total: samples, finished: true))
        return Result(method: explainer.name, maximum: maximum.map { Float($0) }, average: total.map { Float($0 / Double(samples)) },
                      targets: classes)
    }

    /// One key per image: the seed mixed with a hash of the image's values (FNV-1a).
    static func imageKeys(_ inputs: Tensor, seed: UInt64) -> [UInt64] {
        (0..<inputs.shape[0]).map { i in
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for value in rowSlice(inputs, i) {
                hash ^= UInt64(value.bitPattern)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            return hash ^ (seed &* 0xD6E8_FEB8_6659_FD93)
        }
    }
}
