import GlassboxEngine
import GlassboxModels

/// Captum's noise tunnel over any method: the method's attributions on `samples` noisy copies
/// x + ε, ε ~ N(0, σ²I), of each image, combined as their mean (SmoothGrad, Smilkov et al. 2017),
/// the mean of their squares (SmoothGrad², Hooker et al. 2019) or their variance (VarGrad,
/// Adebayo et al. 2018).
///
/// Noise depends only on the seed, the image's values and the sample number (`ImageNoise`): an
/// image gets the same map alone or in any batch, and the first n samples are the same whatever
/// the number of samples. A backward method's copies stream through the network in batches of
/// `model.batchSize` rows; any other method is called on batches of noisy copies.
public struct NoiseTunnel: AttributionMethod {
    /// How the attributions of the noisy copies are combined.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case smoothGrad, smoothGradSquared, varGrad

        var title: String {
            switch self {
            case .smoothGrad: return "SmoothGrad"
            case .smoothGradSquared: return "SmoothGrad²"
            case .varGrad: return "VarGrad"
            }
        }
    }

    public static let declaration = MethodDeclaration(
        id: "noiseTunnel", title: "Noise tunnel",
        citation: "Smilkov et al. (2017), SmoothGrad: removing noise by adding noise; Hooker et al. (2019), A benchmark for interpretability methods in deep neural networks; Adebayo et al. (2018), Sanity checks for saliency maps",
        summary: "Any method averaged over noisy copies of each image: SmoothGrad, SmoothGrad² or VarGrad (Captum's NoiseTunnel).",
        details: "method: names the wrapped method (nil: the gradient), methodOptions: its options, e.g. "
            + "noiseTunnel(net, xs, method: \"saliency\", methodOptions: [\"absolute\": true], kind: \"varGrad\").",
        options: [
            MethodOption("kind", .choice(Kind.allCases.map(\.rawValue)), default: .string("smoothGrad"),
                         doc: "the mean of the noisy maps, the mean of their squares, or their variance"),
        ] + NoiseTunnel.noiseOptions(samples: .int(50)) + NoiseTunnel.methodOptions,
        display: .signed,
        example: "noiseTunnel(net, xs, method: \"guidedBackprop\", kind: \"smoothGradSquared\")",
        page: "noise-tunnel.md", figure: "noiseTunnel(net, xs, kind: \"varGrad\", target: \"label\")")

    /// The noise options SmoothGrad and the noise tunnel share.
    static func noiseOptions(samples: OptionValue) -> [MethodOption] {
        [
            MethodOption("samples", .integer(min: 1), default: samples, doc: "noisy copies per image (N)"),
            MethodOption("noise", .number(min: 0), default: .double(0.1), doc: "σ relative to each image's value range (max − min)"),
            MethodOption("sigma", .number(min: 0), default: .none, doc: "an absolute σ instead (chapter 3.5 uses 0.2)"),
            MethodOption("seed", .seed, default: .int(0), doc: "seeds the noise: the same seed gives the same map"),
        ]
    }

    /// The options naming the wrapped method.
    static let methodOptions = [
        MethodOption("method", .method(modifiedGradientOnly: false), default: .none,
                     doc: "the method whose maps are averaged, e.g. \"guidedBackprop\" (nil: the gradient)"),
        MethodOption("methodOptions", .methodOptions, default: .none, doc: "options of that method, e.g. [\"absolute\": true]"),
    ]

    public var model: ExplainedModel
    /// The wrapped method.
    public var base: any AttributionMethod
    public var kind: Kind
    /// Noisy copies per image (N).
    public var samples: Int
    public var noise: Noise
    public var seed: UInt64

    /// The noise tunnel of `base` (default: the signed gradient).
    public init(_ model: ExplainedModel, base: (any AttributionMethod)? = nil, kind: Kind = .smoothGrad, samples: Int = 50,
                noise: Noise = .relative(0.1), seed: UInt64 = 0) throws {
        guard samples >= 1 else {
            throw MethodError.invalidOption(method: kind.title, message: "samples must be at least 1, got \(samples)")
        }
        try noise.validate(method: kind.title)
        self.model = model
        self.base = base ?? Saliency(model, absolute: false)
        self.kind = kind
        self.samples = samples
        self.noise = noise
        self.seed = seed
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, base: try wrappedMethod(model, options, method: Self.declaration.id),
                      kind: Kind(rawValue: options.string("kind")) ?? .smoothGrad, samples: options.int("samples"),
                      noise: Noise(options), seed: options.seed("seed"))
    }

    public var display: MapDisplay {
        kind == .smoothGrad ? (base is Saliency && !(base as! Saliency).absolute ? .signed : base.display) : .gray
    }

    /// The title of the maps, e.g. "SmoothGrad" or "SmoothGrad of Guided backprop".
    var title: String {
        if let saliency = base as? Saliency, !saliency.absolute { return kind.title }
        return "\(kind.title) of \(type(of: base).declaration.title)"
    }

    var settings: [MethodSetting] {
        [MethodSetting("samples", "\(samples)"), MethodSetting("σ", noise.label), MethodSetting("seed", "\(seed)")]
    }

    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        try statistics(inputs, targets: targets, at: [samples], monitor: monitor)[0]
    }

    /// The statistic after the first n samples for each n in `counts` (e.g. 10, 20, …, 100, as
    /// chapter 3.5's N sweep), from one pass over `samples` copies; entry i is the explanation
    /// after `counts[i]` samples. Counts must lie in 1...samples.
    public func statistics(_ inputs: Tensor, targets: Target = .predicted, at counts: [Int],
                           monitor: WorkMonitor = .none) throws -> [Explanation] {
        let samples = self.samples, kind = self.kind
        try checkOutput()
        try model.checkInputs(inputs, method: title)
        guard !counts.isEmpty, counts.allSatisfy({ $0 >= 1 && $0 <= samples }) else {
            throw MethodError.invalidOption(method: title, message: "running-average counts \(counts) must lie in 1...\(samples)")
        }
        let resolved = try model.resolve(targets, inputs: inputs, method: title, monitor: monitor)
        let outputs = try model.outputs(inputs, targets: resolved, monitor: monitor)
        let per = inputs.valuesPerRow
        let wanted = Set(counts)
        var snapshots: [Int: [Float]] = [:]
        for c in wanted { snapshots[c] = [Float](repeating: 0, count: inputs.count) }
        var sums = [Double](repeating: 0, count: inputs.count)
        var squares = [Double](repeating: 0, count: kind == .smoothGrad ? 0 : inputs.count)
        // Adds the attributions of noisy rows `range` (row r = image r / samples, sample r % samples).
        func accumulate(_ range: Range<Int>, _ values: UnsafeBufferPointer<Float>) {
            for (r, flat) in range.enumerated() {
                let image = flat / samples, sample = flat % samples + 1
                let base = image * per
                for j in 0..<per {
                    let v = Double(values[r * per + j])
                    sums[base + j] += v
                    if kind != .smoothGrad { squares[base + j] += v * v }
                }
                guard wanted.contains(sample) else { continue }
                let count = Double(sample)
                snapshots[sample]!.withUnsafeMutableBufferPointer { out in
                    for j in 0..<per {
                        let mean = sums[base + j] / count
                        switch kind {
                        case .smoothGrad: out[base + j] = Float(mean)
                        case .smoothGradSquared: out[base + j] = Float(squares[base + j] / count)
                        case .varGrad: out[base + j] = Float(Swift.max(squares[base + j] / count - mean * mean, 0))
                        }
                    }
                }
            }
        }
        let sigmas = noise.sigmas(for: inputs)
        var imageNoise = ImageNoise(inputs: inputs, seed: seed)
        // Writes noisy copies of rows `range` into `out`.
        func fillNoisy(_ range: Range<Int>, _ out: UnsafeMutableBufferPointer<Float>) {
            inputs.scalars.withUnsafeBufferPointer { x in
                for (r, flat) in range.enumerated() {
                    let image = flat / samples
                    let row = UnsafeMutableBufferPointer(rebasing: out[(r * per)..<((r + 1) * per)])
                    _ = row.initialize(from: x[(image * per)..<((image + 1) * per)])
                    imageNoise.add(to: row, image: image, sample: flat % samples, sigma: sigmas[image])
                }
            }
        }
        if let method = base as? any BackwardMethod {
            try streamBackward(method, inputs: inputs, targets: resolved, fill: fillNoisy, accumulate: accumulate, monitor: monitor)
        } else {
            try streamAttributions(inputs: inputs, targets: resolved, fill: fillNoisy, accumulate: accumulate, monitor: monitor)
        }
        return counts.map { c in
            var settings = self.settings
            settings[0] = MethodSetting("samples", "\(c)")
            return Explanation(attributions: Tensor(shape: inputs.shape, scalars: snapshots[c]!), inputs: inputs,
                               targets: resolved.indices, targetLayer: resolved.layer, output: model.output,
                               outputs: outputs, method: title, settings: settings)
        }
    }

    /// Streams the noisy copies through `method`'s backward pass and hands each row's
    /// attributions (the method's combination of the signal, the noisy input and its reference)
    /// to `accumulate`.
    private func streamBackward(_ method: any BackwardMethod, inputs: Tensor, targets: ResolvedTargets,
                                fill: (Range<Int>, UnsafeMutableBufferPointer<Float>) -> Void,
                                accumulate: (Range<Int>, UnsafeBufferPointer<Float>) -> Void, monitor: WorkMonitor) throws {
        let per = inputs.valuesPerRow, samples = self.samples
        let plan = method.plan, combine = method.combine
        let references = try plan.reference.map { try $0.images(for: inputs, method: title) }
        // The noisy rows of each chunk, kept from `fill` until its signal comes back.
        var noisy: [Int: [Float]] = [:]
        func fillReference(_ range: Range<Int>, _ out: UnsafeMutableBufferPointer<Float>) {
            references?.scalars.withUnsafeBufferPointer { b in
                for (r, flat) in range.enumerated() {
                    let image = flat / samples
                    _ = UnsafeMutableBufferPointer(rebasing: out[(r * per)..<((r + 1) * per)])
                        .initialize(from: b[(image * per)..<((image + 1) * per)])
                }
            }
        }
        try model.streamPasses(rows: inputs.shape[0] * samples, targets: { targets.indices[$0 / samples] }, layer: targets.layer,
                               plan: plan, task: title, monitor: monitor, fill: { range, out in
            fill(range, out)
            noisy[range.lowerBound] = Array(out)
        }, fillReference: references == nil ? nil : fillReference, accumulate: { range, signal, _ in
            let x = noisy.removeValue(forKey: range.lowerBound)!
            var values = [Float](repeating: 0, count: x.count)
            for (r, flat) in range.enumerated() {
                let image = flat / samples
                for j in 0..<per {
                    let i = r * per + j
                    values[i] = combine(signal[i], x[i], references?.scalars[image * per + j] ?? 0)
                }
            }
            values.withUnsafeBufferPointer { accumulate(range, $0) }
        })
    }

    /// Calls the wrapped method on batches of noisy copies (for methods that are not one backward
    /// pass, e.g. integrated gradients).
    private func streamAttributions(inputs: Tensor, targets: ResolvedTargets,
                                    fill: (Range<Int>, UnsafeMutableBufferPointer<Float>) -> Void,
                                    accumulate: (Range<Int>, UnsafeBufferPointer<Float>) -> Void, monitor: WorkMonitor) throws {
        let rows = inputs.shape[0] * samples, per = inputs.valuesPerRow
        let quiet = WorkMonitor(cancellation: monitor.cancellation)
        let chunk = try model.rowsPerPass(group: 1, withReference: false)
        var done = 0
        while done < rows {
            try monitor.cancellation.check()
            let range = done..<Swift.min(rows, done + chunk)
            var noisy = [Float](repeating: 0, count: range.count * per)
            noisy.withUnsafeMutableBufferPointer { fill(range, $0) }
            let indices = range.map { targets.indices[$0 / samples] }
            let target: Target = targets.layer.map { .channels(indices, layer: $0) } ?? .classes(indices)
            let explanation = try base.attribute(Tensor(shape: [range.count] + Array(inputs.shape.dropFirst()), scalars: noisy),
                                                 targets: target, monitor: quiet)
            explanation.attributions.scalars.withUnsafeBufferPointer { accumulate(range, $0) }
            done = range.upperBound
            monitor.progress(ProgressEvent(task: title, completed: done, total: rows, finished: done == rows))
        }
    }
}

extension Noise {
    /// σ from the `sigma:` option when given (absolute), else from `noise:` (relative).
    init(_ options: MethodOptions) {
        if let sigma = options.optionalDouble("sigma") {
            self = .absolute(Float(sigma))
        } else {
            self = .relative(options.float("noise"))
        }
    }
}

/// The method a wrapper's `method:` and `methodOptions:` options name, built on `model`; nil when
/// `method:` is not given.
func wrappedMethod(_ model: ExplainedModel, _ options: MethodOptions, method: String) throws -> (any AttributionMethod)? {
    let given = options.table("methodOptions")
    guard let id = options.optionalString("method") else {
        if !given.isEmpty {
            throw MethodError.option(method: method, option: "methodOptions", message: "needs method: to say whose options they are",
                                     given: nil, candidates: [])
        }
        return nil
    }
    guard let type = MethodCatalog.method(id) else { return nil }
    var values: [String: OptionValue] = [:]
    for entry in given { values[entry.key] = entry.value }
    return try type.make(model, options: values)
}
