import GlassboxEngine
import GlassboxModels

/// SmoothGrad (Smilkov et al. 2017, chapter 3.5): the average gradient over noisy copies of the
/// image, SG = (1/N) Σ_n ∂f/∂x(x + ε_n), ε_n ~ N(0, σ²I).
///
/// Noise is drawn from a `SeededRandom`, image by image, sample by sample, pixel by pixel, so the
/// same seed gives the same map whatever the internal batch size. All copies of all images go
/// through the network in batches of `model.batchSize`.
public struct SmoothGrad {
    /// How σ is chosen for each image.
    public enum Noise: Sendable, Equatable {
        /// σ = level · (max(x) − min(x)) per image, as the SmoothGrad paper and Appendix A's helper.
        case relative(Float)
        /// σ fixed, as chapter 3.5 (σ = 0.2 for its main figure).
        case absolute(Float)

        /// The standard deviation for an image whose values span `min`…`max`.
        func sigma(min: Float, max: Float) -> Float {
            switch self {
            case let .relative(level): return level * (max - min)
            case let .absolute(sigma): return sigma
            }
        }

        var label: String {
            switch self {
            case let .relative(level): return "\(level)·range"
            case let .absolute(sigma): return "\(sigma)"
            }
        }

        func validate(method: String) throws {
            let value: Float
            switch self {
            case let .relative(v), let .absolute(v): value = v
            }
            guard value.isFinite, value >= 0 else {
                throw MethodError.invalidOption(method: method, message: "the noise level must be finite and ≥ 0, got \(value)")
            }
        }
    }

    public var model: ExplainedModel
    /// Noisy copies per image (N).
    public var samples: Int
    /// The noise level.
    public var noise: Noise
    /// The seed of the noise generator.
    public var seed: UInt64

    public init(_ model: ExplainedModel, samples: Int = 50, noise: Noise = .relative(0.1), seed: UInt64 = 0) {
        self.model = model
        self.samples = samples
        self.noise = noise
        self.seed = seed
    }

    static let name = "SmoothGrad"

    private var settings: [MethodSetting] {
        [MethodSetting("samples", "\(samples)"), MethodSetting("σ", noise.label), MethodSetting("seed", "\(seed)")]
    }

    /// The average gradient over `samples` noisy copies of each image.
    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        try runningAverages(inputs, targets: targets, at: [samples], monitor: monitor)[0]
    }

    /// The running averages after the first n samples for each n in `counts` (e.g. 10, 20, …, 100,
    /// as chapter 3.5's N sweep), from one pass over `samples` copies; entry i is the explanation
    /// after `counts[i]` samples. Counts must lie in 1...samples.
    public func runningAverages(_ inputs: Tensor, targets: Target = .predicted, at counts: [Int],
                                monitor: WorkMonitor = .none) throws -> [Explanation] {
        try model.checkInputs(inputs, method: Self.name)
        try validate()
        guard !counts.isEmpty, counts.allSatisfy({ $0 >= 1 && $0 <= samples }) else {
            throw MethodError.invalidOption(method: Self.name,
                                            message: "running-average counts \(counts) must lie in 1...\(samples)")
        }
        let resolved = try model.resolve(targets, inputs: inputs, method: Self.name, monitor: monitor)
        let outputs = try model.outputs(inputs, targets: resolved, monitor: monitor)
        let n = inputs.shape[0], per = inputs.valuesPerRow
        let wanted = Set(counts)
        var snapshots: [Int: [Float]] = [:]
        for c in wanted { snapshots[c] = [Float](repeating: 0, count: inputs.count) }
        var sums = [Double](repeating: 0, count: inputs.count)
        var generator = NoiseGenerator(inputs: inputs, samples: samples, noise: noise, seed: seed)
        let total = n * samples
        try model.streamPasses(rows: total, targets: { resolved.indices[$0 / samples] }, layer: resolved.layer,
                               rules: .gradient, task: Self.name, monitor: monitor, fill: { range, chunk in
            generator.fill(chunk, rows: range.count)
        }, accumulate: { range, g, _ in
            sums.withUnsafeMutableBufferPointer { s in
                for (r, flat) in range.enumerated() {
                    let image = flat / samples, sample = flat % samples + 1
                    let base = image * per
                    for j in 0..<per { s[base + j] += Double(g[r * per + j]) }
                    if wanted.contains(sample) {
                        let scale = 1 / Double(sample)
                        snapshots[sample]!.withUnsafeMutableBufferPointer { out in
                            for j in 0..<per { out[base + j] = Float(s[base + j] * scale) }
                        }
                    }
                }
            }
        })
        return counts.map { c in
            var settings = self.settings
            settings[0] = MethodSetting("samples", "\(c)")
            return Explanation(attributions: Tensor(shape: inputs.shape, scalars: snapshots[c]!), inputs: inputs,
                               targets: resolved.indices, targetLayer: resolved.layer, output: model.output,
                               outputs: outputs, method: Self.name, settings: settings)
        }
    }

    /// The noisy copies the method feeds the network: row i·samples + s is copy s of image i
    /// (shape [N·samples] + image shape). Lets another framework reproduce the same samples.
    public func noisyInputs(_ inputs: Tensor) throws -> Tensor {
        try model.checkInputs(inputs, method: Self.name)
        try validate()
        var generator = NoiseGenerator(inputs: inputs, samples: samples, noise: noise, seed: seed)
        let rows = inputs.shape[0] * samples
        var values = [Float](repeating: 0, count: rows * inputs.valuesPerRow)
        values.withUnsafeMutableBufferPointer { generator.fill($0, rows: rows) }
        return Tensor(shape: [rows] + Array(inputs.shape.dropFirst()), scalars: values)
    }

    private func validate() throws {
        guard samples >= 1 else {
            throw MethodError.invalidOption(method: Self.name, message: "samples must be at least 1, got \(samples)")
        }
        try noise.validate(method: Self.name)
    }
}

/// Produces noisy copies x + σ_i·z of each image i, `samples` per image, in a fixed order.
struct NoiseGenerator {
    let inputs: Tensor
    let samples: Int
    let sigmas: [Float]
    var random: SeededRandom
    /// The next (image · samples + sample) row to produce.
    var next = 0

    init(inputs: Tensor, samples: Int, noise: SmoothGrad.Noise, seed: UInt64) {
        self.inputs = inputs
        self.samples = samples
        let per = inputs.valuesPerRow
        sigmas = (0..<inputs.shape[0]).map { i in
            let row = inputs.scalars[(i * per)..<((i + 1) * per)]
            return noise.sigma(min: row.min() ?? 0, max: row.max() ?? 0)
        }
        random = SeededRandom(seed: seed)
    }

    /// Writes the next `rows` noisy copies into `out` (rows × values per image).
    mutating func fill(_ out: UnsafeMutableBufferPointer<Float>, rows: Int) {
        let per = inputs.valuesPerRow
        guard let start = out.baseAddress else {
            next += rows
            return
        }
        inputs.scalars.withUnsafeBufferPointer { x in
            for r in 0..<rows {
                let image = (next + r) / samples
                let sigma = sigmas[image]
                let base = image * per
                let row = start + r * per
                // The same values as x + σ·nextGaussian() per pixel, drawn for the whole row at once.
                random.fillGaussian(UnsafeMutableBufferPointer(start: row, count: per))
                for j in 0..<per { row[j] = x[base + j] + sigma * row[j] }
            }
        }
        next += rows
    }
}
