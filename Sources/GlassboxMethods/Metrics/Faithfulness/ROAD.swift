import GlassboxEngine

/// ROAD, RemOve And Debias: remove a growing share of the pixels in the order of the map (most
/// relevant first, or least relevant first) and impute them by noisy linear imputation instead of
/// painting them black, so that f measures the lost information rather than the model's surprise
/// at black holes. The score of an image is the mean of f over the removal shares.
///
/// From Rong, Leemann, Borisov, Kasneci & Kasneci (2022), A consistent and efficient evaluation
/// strategy for attribution methods, ICML.
public struct ROAD: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "road", title: "ROAD", category: .faithfulness,
        citation: "Rong, Leemann, Borisov, Kasneci & Kasneci (2022), A consistent and efficient evaluation strategy for attribution methods, ICML",
        summary: "Remove and debias: impute the most relevant pixels (noisy linear imputation) at growing shares and average f; lower is better most relevant first.",
        formula: "\\mathrm{ROAD} = \\frac{1}{|P|}\\sum_{p \\in P} f\\big(\\mathrm{impute}(x, M_p)\\big),\\quad M_p = \\text{the top } p\\,\\% \\text{ pixels of } R(x)",
        details: "For each percentage p, the top p % pixel positions of the map of the unmodified image (summed over channels; ties "
            + "in row-major order) are removed from the original image and filled by NoisyLinearImputation: each removed value is "
            + "the weighted mean of its eight neighbours (1/6 direct, 1/12 diagonal), solved jointly, plus noise·N(0, 1). Noise is "
            + "seeded by the image's own values, so an image scores the same in any batch. Most relevant first: lower is better; "
            + "least relevant first: higher is better (ROAD recommends looking at both).",
        direction: .lowerIsBetter,
        options: [
            MethodOption("percentages", .integers(min: 0, max: 100), default: .list(stride(from: 10, through: 90, by: 10).map { .int($0) }),
                         doc: "the shares of pixels removed, in percent"),
            MethodOption("order", .choice(RemovalOrder.names), default: .string("mostRelevantFirst"),
                         doc: "\"mostRelevantFirst\" (MoRF) or \"leastRelevantFirst\" (LeRF)"),
            MethodOption("noise", .number(min: 0), default: .double(0.01), doc: "the standard deviation of the noise added to imputed values"),
            MethodOption("seed", .seed, default: .int(0), doc: "seeds the noise (mixed with each image's values)"),
        ],
        example: "let morf = road(net, xs, method: \"integratedGradients\", output: \"probability\")\nlet lerf = road(net, xs, method: \"integratedGradients\", output: \"probability\", order: \"leastRelevantFirst\")\nlerf.mean - morf.mean")

    public var percentages: [Int]
    public var order: RemovalOrder
    public var noise: Float
    public var seed: UInt64

    public init(percentages: [Int] = Array(stride(from: 10, through: 90, by: 10)), order: RemovalOrder = .mostRelevantFirst,
                noise: Float = 0.01, seed: UInt64 = 0) throws {
        let title = Self.declaration.title
        guard !percentages.isEmpty, percentages.allSatisfy({ (0...100).contains($0) }) else {
            throw MethodError.invalidOption(method: title, message: "percentages must be a non-empty list of values in 0…100, got \(percentages)")
        }
        guard noise.isFinite, noise >= 0 else { throw MethodError.invalidOption(method: title, message: "noise must be finite and ≥ 0, got \(noise)") }
        self.percentages = percentages
        self.order = order
        self.noise = noise
        self.seed = seed
    }

    public init(options: MethodOptions) throws {
        try self.init(percentages: options.integers("percentages") ?? [], order: RemovalOrder(rawValue: options.string("order")) ?? .mostRelevantFirst,
                      noise: options.float("noise"), seed: options.seed("seed"))
    }

    public var direction: MetricDirection { order == .mostRelevantFirst ? .lowerIsBetter : .higherIsBetter }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let title = Self.declaration.title
        let shape = Array(subject.inputs.shape.dropFirst())
        guard shape.count == 3 else { throw MethodError.inputShape(method: title, expected: "[N, C, H, W] images", got: subject.inputs.shape) }
        let positions = shape[1] * shape[2]
        let maps = try subject.maps(monitor: monitor, metric: title)
        let noiseSource = ImageNoise(inputs: subject.inputs, seed: seed)
        let points = percentages.count
        let task = task(subject)
        var values = [[Float]]()
        for group in try MetricBatching.groups(images: subject.count, copies: points, valuesPerImage: subject.valuesPerImage, what: title) {
            try monitor.cancellation.check()
            monitor.progress(ProgressEvent(task: task, completed: group.lowerBound, total: subject.count))
            let rankings = group.map { PixelRanking.order(rowSlice(maps, $0), positions: positions, order: order) }
            let batch = try MetricBatching.batch(like: subject.inputs, rows: group.count * points) { row, image in
                let (i, k) = (row / points, row % points)
                copyValues(rowSlice(subject.inputs, group.lowerBound + i), into: image)
                var removed = [Bool](repeating: false, count: positions)
                for p in rankings[i].prefix(percentages[k] * positions / 100) { removed[p] = true }
                var random = noiseSource.generator(image: group.lowerBound + i, sample: k)
                NoisyLinearImputation.impute(image, shape: shape, removed: removed, noise: noise, random: &random)
            }
            let f = try subject.scores(batch, classes: MetricBatching.repeated(Array(subject.targets[group]), points), monitor: monitor)
            for i in 0..<group.count { values.append(Array(f[(i * points)..<((i + 1) * points)])) }
        }
        monitor.progress(ProgressEvent(task: task, completed: subject.count, total: subject.count, finished: true))
        let curve = MetricCurve(x: percentages.map { Double($0) / 100 },
                                xLabel: order == .mostRelevantFirst ? "share removed, most relevant first" : "share removed, least relevant first",
                                yLabel: "f", values: values)
        return result(subject, scores: values.map(MetricStatistics.mean), curve: curve)
    }
}
