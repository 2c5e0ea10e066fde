import GlassboxEngine

/// Faithfulness correlation: set random subsets S of pixels to a baseline and correlate the drop of
/// f with the relevance the map gives those pixels, Pearson's ρ over `samples` subsets. A map whose
/// values add up like the model's responses to removal scores near 1.
///
/// From Bhatt, Weller & Moura (2020), Evaluating and aggregating feature-based model explanations,
/// IJCAI.
public struct FaithfulnessCorrelation: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "faithfulnessCorrelation", title: "Faithfulness correlation", category: .faithfulness,
        citation: "Bhatt, Weller & Moura (2020), Evaluating and aggregating feature-based model explanations, IJCAI",
        summary: "Pearson's correlation, over random pixel subsets S, between Σ_{i∈S} R_i and the drop of f when S is set to the fill value: higher is more faithful.",
        formula: "\\mu_F = \\operatorname{corr}_{S \\subset \\{1..P\\},\\,|S| = s}\\Big(\\sum_{i \\in S} R_i(x),\\; f(x) - f(x_{[x_S = \\bar x]})\\Big)",
        details: "Each subset is drawn without replacement from the pixel positions (all channels together), seeded by the seed and "
            + "the image's own values, so an image scores the same in any batch. All subsets of a group of images go through the "
            + "model in one batched pass. A constant sample (e.g. an all-zero map) has correlation 0. Quantus' default uses "
            + "100 subsets of 224 pixels on 224×224 images; on 28×28 digits 28 pixels (3.6 %) is a comparable share.",
        direction: .higherIsBetter,
        options: [
            MethodOption("samples", .integer(min: 2), default: .int(50), doc: "random subsets per image"),
            MethodOption("subsetSize", .integer(min: 1), default: .int(28), doc: "pixel positions per subset"),
            MethodOption("fill", .number(), default: .double(0), doc: "the value written into a subset"),
            MethodOption("seed", .seed, default: .int(0), doc: "seeds the subsets (mixed with each image's values)"),
        ],
        example: "faithfulnessCorrelation(net, xs, method: \"gradientTimesInput\").mean")

    public var samples: Int
    public var subsetSize: Int
    public var fill: Float
    public var seed: UInt64

    public init(samples: Int = 50, subsetSize: Int = 28, fill: Float = 0, seed: UInt64 = 0) throws {
        let title = Self.declaration.title
        guard samples >= 2 else { throw MethodError.invalidOption(method: title, message: "samples must be at least 2, got \(samples)") }
        guard subsetSize >= 1 else { throw MethodError.invalidOption(method: title, message: "subsetSize must be at least 1, got \(subsetSize)") }
        guard fill.isFinite else { throw MethodError.invalidOption(method: title, message: "fill must be finite, got \(fill)") }
        self.samples = samples
        self.subsetSize = subsetSize
        self.fill = fill
        self.seed = seed
    }

    public init(options: MethodOptions) throws {
        try self.init(samples: options.int("samples"), subsetSize: options.int("subsetSize"), fill: options.float("fill"),
                      seed: options.seed("seed"))
    }

    /// The subset of sample `sample` of image `image`: `size` distinct positions of `positions`
    /// (a partial Fisher–Yates shuffle).
    static func subset(_ noise: ImageNoise, image: Int, sample: Int, size: Int, positions: Int) -> [Int] {
        var random = noise.generator(image: image, sample: sample)
        var pool = Array(0..<positions)
        for k in 0..<size {
            let j = k + Int(random.next() % UInt64(positions - k))
            pool.swapAt(k, j)
        }
        return Array(pool.prefix(size))
    }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let title = Self.declaration.title
        let positions = PixelRanking.positions(imageShape: Array(subject.inputs.shape.dropFirst()))
        guard subsetSize <= positions else {
            throw MethodError.invalidOption(method: title, message: "subsetSize \(subsetSize) is larger than the \(positions) pixel positions")
        }
        let maps = try subject.maps(monitor: monitor, metric: title)
        let original = try subject.outputs(monitor: monitor)
        let noise = ImageNoise(inputs: subject.inputs, seed: seed)
        let task = task(subject)
        var scores = [Float]()
        for group in try MetricBatching.groups(images: subject.count, copies: samples, valuesPerImage: subject.valuesPerImage, what: title) {
            try monitor.cancellation.check()
            monitor.progress(ProgressEvent(task: task, completed: group.lowerBound, total: subject.count))
            let subsets = group.map { i in (0..<samples).map { Self.subset(noise, image: i, sample: $0, size: subsetSize, positions: positions) } }
            let batch = try MetricBatching.batch(like: subject.inputs, rows: group.count * samples) { row, image in
                copyValues(rowSlice(subject.inputs, group.lowerBound + row / samples), into: image)
                PixelRanking.fill(image, positions: subsets[row / samples][row % samples][...], planeSize: positions, value: fill)
            }
            let f = try subject.scores(batch, classes: MetricBatching.repeated(Array(subject.targets[group]), samples), monitor: monitor)
            for (g, i) in group.enumerated() {
                let map = rowSlice(maps, i)
                let channels = map.count / positions
                var relevance = [Double](), drops = [Double]()
                for s in 0..<samples {
                    var sum = 0.0
                    for k in 0..<channels {
                        for p in subsets[g][s] { sum += Double(map[map.startIndex + k * positions + p]) }
                    }
                    relevance.append(sum)
                    drops.append(Double(original[i]) - Double(f[g * samples + s]))
                }
                scores.append(Float(MetricStatistics.pearson(relevance, drops)))
            }
        }
        monitor.progress(ProgressEvent(task: task, completed: subject.count, total: subject.count, finished: true))
        return result(subject, scores: scores)
    }
}
