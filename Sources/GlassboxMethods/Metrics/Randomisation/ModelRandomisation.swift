import GlassboxEngine
import GlassboxModels

/// Cascading model-parameter randomisation, the sanity check of Adebayo et al.: re-initialise the
/// layers with parameters from the top (the logits) down, one more at each step, explain the same
/// images with the damaged model, and compare each map with the trained model's map. A method that
/// explains the model must lose the resemblance as the layers go; one that only reflects the input
/// (an edge detector) keeps it. The score of an image is its mean similarity over the steps (lower
/// is better); the curve is the similarity after k randomised layers.
///
/// From Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim (2018), Sanity checks for saliency maps,
/// NeurIPS.
public struct ModelRandomisation: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "modelRandomisation", title: "Model-parameter randomisation", category: .randomisation,
        citation: "Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim (2018), Sanity checks for saliency maps, NeurIPS",
        summary: "Re-initialise the layers from the top down, one more each step, and measure how alike the maps stay (Spearman of |R| by default): lower is better.",
        formula: "\\mathrm{MPRT}(x) = \\frac{1}{L}\\sum_{k=1}^{L} \\rho\\big(\\lvert R_{\\theta}(x)\\rvert,\\, \\lvert R_{\\theta^{(k)}}(x)\\rvert\\big),\\quad \\theta^{(k)} = \\theta \\text{ with its top } k \\text{ layers re-initialised}",
        details: "The fresh weights come from the architecture's own initialisation (Glorot-uniform, zero biases) drawn from the "
            + "seed; each step keeps the layers re-initialised so far (cascading). The followed class stays the trained model's. "
            + "Spearman's rank correlation of the absolute maps is Adebayo et al.'s main measure; \"pearson\" and \"cosine\" are "
            + "the alternatives of similarity(). The curve's positions are named after the layer randomised last. Needs a model "
            + "whose architecture is known (every model of the language).",
        direction: .lowerIsBetter,
        options: [
            MethodOption("measure", .choice(SimilarityMeasure.allCases.map(\.rawValue)), default: .string("spearman"),
                         doc: "how alike two maps are: \"spearman\", \"pearson\" or \"cosine\""),
            MethodOption("absolute", .bool, default: .bool(true), doc: "compare |R| (Adebayo et al.: a flipped sign highlights the same pixels)"),
            MethodOption("seed", .seed, default: .int(0), doc: "seeds the fresh weights"),
        ],
        example: "let check = modelRandomisation(net, xs, method: \"guidedBackprop\")\ncheck.mean\nplot(check)")

    public var measure: SimilarityMeasure
    public var absolute: Bool
    public var seed: UInt64

    public init(measure: SimilarityMeasure = .spearman, absolute: Bool = true, seed: UInt64 = 0) {
        self.measure = measure
        self.absolute = absolute
        self.seed = seed
    }

    public init(options: MethodOptions) throws {
        self.init(measure: SimilarityMeasure(rawValue: options.string("measure")) ?? .spearman, absolute: options.bool("absolute"),
                  seed: options.seed("seed"))
    }

    /// The network of `model` with the parameters of `layers` (names) taken from `fresh` and all
    /// others from the trained network.
    static func cascade(_ trained: Sequential, fresh: Sequential, randomised layers: Set<String>) throws -> Sequential {
        guard fresh.layers.map(\.name) == trained.layers.map(\.name) else {
            throw MethodError.unsupportedModel(method: declaration.title,
                                               message: "the fresh network's layers \(fresh.layers.map(\.name)) are not the model's \(trained.layers.map(\.name))")
        }
        for (kept, target) in zip(trained.layers, fresh.layers) where !layers.contains(kept.name) {
            for (source, destination) in zip(kept.parameters, target.parameters) {
                guard source.value.shape == destination.value.shape else {
                    throw MethodError.unsupportedModel(method: declaration.title,
                                                       message: "parameter \(source.name) has shape \(source.value.shape) in the model, \(destination.value.shape) in the fresh network")
                }
                destination.value = source.value
            }
        }
        return fresh
    }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let title = Self.declaration.title
        guard let freshNetwork = subject.freshNetwork else {
            throw MethodError.unsupportedModel(method: title, message: "the model's architecture is unknown, so no fresh weights can be drawn")
        }
        let trained = subject.model.network
        let layers = trained.layers.filter { !$0.parameters.isEmpty }.map(\.name).reversed()
        guard !layers.isEmpty else { throw MethodError.unsupportedModel(method: title, message: "the model has no layer with parameters") }
        let original = try subject.maps(monitor: monitor, metric: title)
        let task = task(subject)
        var similarities = [[Float]](repeating: [], count: subject.count)
        var randomised = Set<String>()
        for (step, layer) in layers.enumerated() {
            try monitor.cancellation.check()
            monitor.progress(ProgressEvent(task: task, completed: step, total: layers.count))
            randomised.insert(layer)
            let network = try Self.cascade(trained, fresh: try freshNetwork(seed), randomised: randomised)
            let damaged = try ExplainedModel(network, output: subject.model.output, batchSize: subject.model.batchSize)
            let maps = try subject.explainer.checkedOutput(damaged, subject.inputs, targets: subject.targets, monitor: monitor,
                                                           metric: title).maps
            let values = try measure.perImage(original.scalars, count: subject.count, maps.scalars, otherCount: subject.count,
                                              absolute: absolute)
            for i in 0..<subject.count { similarities[i].append(values[i]) }
        }
        monitor.progress(ProgressEvent(task: task, completed: layers.count, total: layers.count, finished: true))
        let curve = MetricCurve(x: (1...layers.count).map(Double.init), xLabel: "layers randomised (from the top)",
                                yLabel: "\(measure.rawValue) similarity", values: similarities, xNames: Array(layers))
        return result(subject, scores: similarities.map(MetricStatistics.mean), curve: curve)
    }
}
