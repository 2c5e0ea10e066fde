import GlassboxEngine
import GlassboxModels

/// Kernel SHAP (Lundberg & Lee 2017) on LIME's grid segments: coalitions z of segments on (the
/// others filled with `fill`), weighted by the Shapley kernel π(z) = (M − 1) / (C(M, |z|) |z| (M − |z|)),
/// and a weighted linear fit f(z) ≈ φ₀ + Σ_k φ_k z_k under the constraints φ₀ = f(all off) and
/// Σ_k φ_k = f(x) − f(all off) (efficiency, exact). With every coalition (samples ≥ 2^M − 2) the φ_k
/// are the exact Shapley values of the segments. Each segment's φ_k is spread evenly over its
/// pixels, so every map sums to f(x) − f(all off).
public struct KernelSHAP: AttributionMethod {
    public static let declaration = MethodDeclaration(
        id: "kernelShap", title: "Kernel SHAP",
        citation: "Lundberg & Lee (2017), A unified approach to interpreting model predictions, NeurIPS",
        summary: "Kernel SHAP: Shapley values of grid segments from a Shapley-kernel weighted fit with Σ φ = f(x) − f(all off) exactly; each segment's φ spread over its pixels.",
        details: "When samples ≥ 2^segments − 2, every coalition is evaluated once with its exact kernel weight and the values are "
            + "the exact Shapley values. Otherwise coalition sizes are drawn with probability ∝ (M − 1)/(s(M − s)), the members "
            + "uniformly, each coalition with its complement (paired sampling), seeded by seed and the image's own values. The "
            + "constraint is enforced by eliminating the last segment, as the constrained regression of the paper. Efficiency "
            + "is the receipt: e.receipt shows Σ map against f(x) − f(x⁰), x⁰ the image with every segment off. The map's "
            + "sum over segment k is φ_k.",
        options: [
            MethodOption("samples", .integer(min: 1), default: .int(1000), doc: "coalitions per image (all 2^segments − 2 when that is fewer)"),
            MethodOption("segments", .integer(min: 1), default: .int(16), doc: "grid segments (16: 7 × 7 squares of a 28 × 28 digit)"),
            MethodOption("fill", .number(), default: .double(0), doc: "the value of segments that are off, in every channel"),
            MethodOption("seed", .seed, default: .int(0), doc: "seeds the sampled coalitions (mixed with each image's values)"),
        ],
        display: .relevanceSigned, acceptsLayerTargets: false,
        example: "let e = kernelShap(net, xs, target: \"label\")\ne.receipt\nkernelShap(net, xs, segments: 9, samples: 600)   // all 510 coalitions: exact",
        page: "kernel-shap.md", figure: "kernelShap(net, xs, target: \"label\")")

    public var model: ExplainedModel
    public var samples: Int
    public var segmentCount: Int
    public var fill: Float
    public var seed: UInt64
    let segments: Segments

    public init(_ model: ExplainedModel, samples: Int = 1000, segments: Int = 16, fill: Float = 0, seed: UInt64 = 0) throws {
        let name = Self.declaration.title
        let (_, height, width) = try model.imageGeometry(method: name)
        guard samples >= 1, segments >= 1, fill.isFinite else {
            throw MethodError.invalidOption(method: name, message: "samples and segments must be at least 1 and fill finite")
        }
        self.model = model
        self.samples = samples
        self.segmentCount = segments
        self.fill = fill
        self.seed = seed
        self.segments = try Segments.grid(segments, height: height, width: width, method: name)
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, samples: options.int("samples"), segments: options.int("segments"), fill: options.float("fill"),
                      seed: options.seed("seed"))
    }

    /// Whether every coalition is evaluated (exact Shapley values).
    public var enumeratesAll: Bool {
        let m = segmentCount
        return m <= 1 || (m < 31 && samples >= (1 << m) - 2)
    }

    /// The number of coalitions evaluated per image (besides all-on and all-off).
    var coalitionCount: Int { segmentCount <= 1 ? 0 : enumeratesAll ? (1 << segmentCount) - 2 : samples }

    private var settings: [MethodSetting] {
        [MethodSetting("coalitions", enumeratesAll ? "all \(coalitionCount)" : "\(samples)"), MethodSetting("segments", "\(segmentCount)")]
            + (fill == 0 ? [] : [MethodSetting("fill", "\(fill)")])
    }

    /// The Shapley kernel of a coalition of `size` of `m` segments, (m − 1) / (C(m, size) size (m − size)).
    static func kernel(size: Int, of m: Int) -> Double {
        var binomial = 1.0
        for i in 0..<size { binomial = binomial * Double(m - i) / Double(i + 1) }
        return Double(m - 1) / (binomial * Double(size) * Double(m - size))
    }

    /// The coalitions of image `image` (coalition-major, `m` values each) and their regression
    /// weights: every coalition but the empty and the full one with its kernel weight, or sampled
    /// coalitions (with their complements) of weight 1.
    func coalitions(_ noise: ImageNoise, image: Int) -> (on: [Bool], weights: [Double]) {
        let m = segmentCount, count = coalitionCount
        var on = [Bool](repeating: false, count: count * m)
        var weights = [Double](repeating: 1, count: count)
        if enumeratesAll {
            for c in 0..<count {
                let bits = c + 1
                var size = 0
                for k in 0..<m where bits >> k & 1 == 1 {
                    on[c * m + k] = true
                    size += 1
                }
                weights[c] = Self.kernel(size: size, of: m)
            }
            return (on, weights)
        }
        // Sizes s = 1…m−1 with probability ∝ (m − 1)/(s(m − s)), the kernel's mass at size s.
        let mass = (1..<m).map { Double(m - 1) / Double($0 * (m - $0)) }
        let total = mass.reduce(0, +)
        var order = Array(0..<m)
        for pair in 0..<((count + 1) / 2) {
            var random = noise.generator(image: image, sample: pair)
            var u = Double(random.next() >> 11) / Double(1 << 53) * total
            var size = m - 1
            for (i, p) in mass.enumerated() {
                if u < p { size = i + 1; break }
                u -= p
            }
            // A uniform subset of that size: the first `size` of a partial Fisher–Yates shuffle.
            for k in 0..<m { order[k] = k }
            for k in 0..<size {
                let pick = k + Int(random.next() % UInt64(m - k))
                order.swapAt(k, pick)
            }
            let first = 2 * pair
            for k in 0..<size { on[first * m + order[k]] = true }
            if first + 1 < count {
                for k in 0..<m { on[(first + 1) * m + k] = !on[first * m + k] }
            }
        }
        return (on, weights)
    }

    /// φ₁…φ_M of one image from the scores of its coalitions, f(x) and f(all off): the weighted
    /// least-squares fit with φ₀ = f(all off) and Σ φ = f(x) − f(all off), the last segment eliminated.
    static func fit(on: [Bool], weights: [Double], scores: [Double], full: Double, empty: Double, segments m: Int) -> [Double] {
        let delta = full - empty
        guard m > 1 else { return [delta] }
        let columns = m - 1, count = weights.count
        var design = [Double](repeating: 0, count: count * columns)
        var targets = [Double](repeating: 0, count: count)
        for c in 0..<count {
            let last: Double = on[c * m + m - 1] ? 1 : 0
            targets[c] = scores[c] - empty - last * delta
            for k in 0..<columns { design[c * columns + k] = (on[c * m + k] ? 1 : 0) - last }
        }
        var phi = WeightedLeastSquares.solve(design: design, columns: columns, targets: targets, weights: weights,
                                             penalty: [Double](repeating: 0, count: columns))
        phi.append(delta - phi.reduce(0, +))
        return phi
    }

    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        let name = Self.declaration.title
        try checkOutput()
        try model.checkInputs(inputs, method: name)
        let (channels, _, _) = try model.imageGeometry(method: name)
        let resolved = try model.resolve(targets, inputs: inputs, method: name, monitor: monitor)
        let n = inputs.shape[0], per = inputs.valuesPerRow, plane = per / channels
        let (m, fill, segments) = (segmentCount, self.fill, self.segments)
        let count = coalitionCount
        try MemoryBudget.shared.check(count * m * 8 * 2, for: "Kernel SHAP's design matrix of \(count) coalitions × \(m) segments")
        // Row 0 of each image: all on (the image), row 1: all off, rows 2…: the coalitions.
        let rowsPerImage = count + 2
        let noise = ImageNoise(inputs: inputs, seed: seed)
        var current = (image: -1, on: [Bool]())
        let allOn = [Bool](repeating: true, count: m), allOff = [Bool](repeating: false, count: m)
        let scores = try inputs.scalars.withUnsafeBufferPointer { x in
            try model.perturbedScores(rows: n * rowsPerImage, targets: { resolved.indices[$0 / rowsPerImage] }, task: name,
                                      monitor: monitor) { range, out in
                for (r, flat) in range.enumerated() {
                    let image = flat / rowsPerImage, s = flat % rowsPerImage
                    if current.image != image { current = (image, coalitions(noise, image: image).on) }
                    let source = UnsafeBufferPointer(rebasing: x[(image * per)..<((image + 1) * per)])
                    let row = UnsafeMutableBufferPointer(rebasing: out[(r * per)..<((r + 1) * per)])
                    switch s {
                    case 0: allOn.withUnsafeBufferPointer { segments.apply($0, image: source, fill: fill, channels: channels, into: row) }
                    case 1: allOff.withUnsafeBufferPointer { segments.apply($0, image: source, fill: fill, channels: channels, into: row) }
                    default:
                        current.on.withUnsafeBufferPointer { on in
                            segments.apply(UnsafeBufferPointer(rebasing: on[((s - 2) * m)..<((s - 1) * m)]), image: source, fill: fill,
                                           channels: channels, into: row)
                        }
                    }
                }
            }
        }
        var attributions = [Float](repeating: 0, count: inputs.count)
        let sizes = segments.sizes
        for image in 0..<n {
            try monitor.cancellation.check()
            let base = image * rowsPerImage
            let (on, weights) = coalitions(noise, image: image)
            let phi = Self.fit(on: on, weights: weights, scores: scores[(base + 2)..<(base + rowsPerImage)].map(Double.init),
                               full: Double(scores[base]), empty: Double(scores[base + 1]), segments: m)
            for c in 0..<channels {
                for j in 0..<plane {
                    let k = segments.labels[j]
                    attributions[image * per + c * plane + j] = Float(phi[k] / Double(sizes[k] * channels))
                }
            }
        }
        let outputs = (0..<n).map { scores[$0 * rowsPerImage] }
        let baselineOutputs = (0..<n).map { scores[$0 * rowsPerImage + 1] }
        return Explanation(attributions: Tensor(shape: inputs.shape, scalars: attributions), inputs: inputs, targets: resolved.indices,
                           output: model.output, outputs: outputs, baselineOutputs: baselineOutputs, method: name, settings: settings,
                           receipt: .efficiency)
    }
}
