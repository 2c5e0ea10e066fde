import GlassboxEngine
import GlassboxModels

/// SmoothGrad (Smilkov et al. 2017, chapter 3.5): the average gradient — or the average map of any
/// other method — over noisy copies of the image, SG = (1/N) Σ_n ∂f/∂x(x + ε_n), ε_n ~ N(0, σ²I).
/// It is the noise tunnel's `.smoothGrad` kind, with running averages for chapter 3.5's N sweep.
public struct SmoothGrad: AttributionMethod {
    public typealias Noise = GlassboxMethods.Noise

    public static let declaration = MethodDeclaration(
        id: "smoothGrad", title: "SmoothGrad",
        citation: "Smilkov, Thorat, Kim, Viégas & Wattenberg (2017), SmoothGrad: removing noise by adding noise, ICML workshop",
        summary: "SmoothGrad (chapter 3.5): the gradient, or any method's map, averaged over noisy copies of each image.",
        details: "Shown as the reference does: bwr, symmetric range, with a colorbar. With runningAverages: the result holds, "
            + "for each count n in order, the maps of every image after the first n noisy samples (one pass; the same seed "
            + "gives the same first n samples whatever N is), titled \"N n\": chapter 3.5's N sweep in one figure. With method: "
            + "the maps of that method are averaged: smoothGrad(net, xs, method: \"guidedBackprop\").",
        chapters: ["3.5"],
        options: NoiseTunnel.noiseOptions(samples: .none) + [
            MethodOption("runningAverages", .integers(min: 1), default: .none,
                         doc: "counts n (e.g. [10, 20, 30]): one map per count, the average of the first n samples"),
        ] + NoiseTunnel.methodOptions,
        display: .signed,
        example: "smoothGrad(net, xs, samples: 100, sigma: 0.2)\nsmoothGrad(net, xs[0], sigma: 0.1, runningAverages: [10, 20, 30, 40, 50])\nsmoothGrad(net, xs, method: \"guidedBackprop\")",
        page: "smoothgrad.md", figure: "smoothGrad(net, xs, samples: 50, target: \"label\")")

    /// The noise tunnel doing the work.
    public var tunnel: NoiseTunnel
    /// Counts of samples after which to report the running average (nil: only the final one).
    public var runningAverages: [Int]?

    public var model: ExplainedModel { tunnel.model }
    public var samples: Int { tunnel.samples }
    public var display: MapDisplay { tunnel.display }

    /// SmoothGrad of `base` (default: the signed gradient).
    public init(_ model: ExplainedModel, samples: Int = 50, noise: Noise = .relative(0.1), seed: UInt64 = 0,
                base: (any AttributionMethod)? = nil, runningAverages: [Int]? = nil) throws {
        tunnel = try NoiseTunnel(model, base: base, kind: .smoothGrad, samples: samples, noise: noise, seed: seed)
        if let runningAverages, let bad = runningAverages.first(where: { $0 < 1 || $0 > samples }) {
            throw MethodError.option(method: Self.declaration.id, option: "runningAverages",
                                     message: "has the count \(bad) but samples is \(samples); counts must lie in 1...\(samples)",
                                     given: nil, candidates: [])
        }
        self.runningAverages = runningAverages
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        let counts = options.integers("runningAverages")
        try self.init(model, samples: options.optionalInt("samples") ?? counts?.max() ?? 50, noise: Noise(options),
                      seed: options.seed("seed"), base: try wrappedMethod(model, options, method: Self.declaration.id),
                      runningAverages: counts)
    }

    /// The average over all samples; with `runningAverages`, every image's running averages one
    /// count after another (map k·N + i is image i after `runningAverages[k]` samples, titled "N n").
    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        guard let counts = runningAverages else { return try tunnel.attribute(inputs, targets: targets, monitor: monitor) }
        return try joined(tunnel.statistics(inputs, targets: targets, at: counts, monitor: monitor), counts: counts)
    }

    /// The running averages after the first n samples for each n in `counts`, one explanation per
    /// count (see `NoiseTunnel.statistics`).
    public func runningAverages(_ inputs: Tensor, targets: Target = .predicted, at counts: [Int],
                                monitor: WorkMonitor = .none) throws -> [Explanation] {
        try tunnel.statistics(inputs, targets: targets, at: counts, monitor: monitor)
    }

    /// The noisy copies the method feeds the network: row i·samples + s is copy s of image i
    /// (shape [N·samples] + image shape). Lets another framework reproduce the same samples.
    public func noisyInputs(_ inputs: Tensor) throws -> Tensor {
        try model.checkInputs(inputs, method: Self.declaration.title)
        let n = inputs.shape[0], per = inputs.valuesPerRow, samples = tunnel.samples
        let sigmas = tunnel.noise.sigmas(for: inputs)
        var noise = ImageNoise(inputs: inputs, seed: tunnel.seed)
        var values = [Float](repeating: 0, count: n * samples * per)
        values.withUnsafeMutableBufferPointer { out in
            for image in 0..<n {
                for sample in 0..<samples {
                    let row = UnsafeMutableBufferPointer(rebasing: out[((image * samples + sample) * per)..<((image * samples + sample + 1) * per)])
                    for j in 0..<per { row[j] = inputs.scalars[image * per + j] }
                    noise.add(to: row, image: image, sample: sample, sigma: sigmas[image])
                }
            }
        }
        return Tensor(shape: [n * samples] + Array(inputs.shape.dropFirst()), scalars: values)
    }

    /// The running-average maps joined into one explanation, count by count.
    private func joined(_ maps: [Explanation], counts: [Int]) -> Explanation {
        let n = maps[0].count
        var joined = maps[0]
        joined.attributions = Tensor(shape: [maps.count * n] + maps[0].attributions.shape.dropFirst(),
                                     scalars: maps.flatMap(\.attributions.scalars))
        joined.inputs = Tensor(shape: [maps.count * n] + maps[0].inputs.shape.dropFirst(),
                               scalars: Array([[Float]](repeating: maps[0].inputs.scalars, count: maps.count).joined()))
        joined.targets = Array([[Int]](repeating: maps[0].targets, count: maps.count).joined())
        joined.outputs = Array([[Float]](repeating: maps[0].outputs, count: maps.count).joined())
        joined.settings = maps[0].settings.map { setting in
            setting.name == "samples" ? MethodSetting("samples", counts.map(String.init).joined(separator: ", ")) : setting
        }
        joined.sourceImages = Array(repeating: Array(0..<n), count: maps.count).flatMap { $0 }
        joined.panelTitles = counts.flatMap { count in (0..<n).map { i in n == 1 ? "N \(count)" : "N \(count), image \(i)" } }
        return joined
    }
}
