import GlassboxEngine
import GlassboxModels

/// The data randomisation test of Adebayo et al.: train the same architecture on the same images
/// with their labels permuted at random, explain the same images with that model, and compare each
/// map with the trained model's. A model trained on random labels has learned nothing about digits,
/// so a method that explains the model must give a different map; a method whose map stays alike
/// reflects the input, not what the model learned. The score of an image is the similarity of its
/// two maps (lower is better).
///
/// From Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim (2018), Sanity checks for saliency maps,
/// NeurIPS.
public struct DataRandomisation: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "dataRandomisation", title: "Data randomisation", category: .randomisation,
        citation: "Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim (2018), Sanity checks for saliency maps, NeurIPS",
        summary: "Train the architecture on randomly permuted labels and measure how alike its maps stay to the trained model's (Spearman of |R| by default): lower is better.",
        formula: "\\mathrm{DRT}(x) = \\rho\\big(\\lvert R_{\\theta}(x)\\rvert,\\, \\lvert R_{\\tilde\\theta}(x)\\rvert\\big),\\quad \\tilde\\theta = \\text{trained on } (x_j, y_{\\pi(j)}),\\ \\pi \\text{ a random permutation}",
        details: "The random-label model is the model's architecture trained from fresh weights with its zoo recipe (optimiser, batch size, "
            + "centring) on the first `trainingImages` training images of the model's dataset with their labels permuted by `seed`, for "
            + "`epochs` passes; the session keeps it, so scoring several methods trains it once. MNIST is cheap to retrain, which is "
            + "why this test is practical here: a few epochs on 10,000 images take seconds for an MLP and about a minute for the "
            + "CNNs. Adebayo et al. train until the random labels are memorised; a shorter run already gives a model that knows "
            + "nothing about digits, which is what the comparison needs. The followed class stays the trained model's.",
        direction: .lowerIsBetter,
        options: [
            MethodOption("measure", .choice(SimilarityMeasure.allCases.map(\.rawValue)), default: .string("spearman"),
                         doc: "how alike two maps are: \"spearman\", \"pearson\" or \"cosine\""),
            MethodOption("absolute", .bool, default: .bool(true), doc: "compare |R| (a flipped sign highlights the same pixels)"),
            MethodOption("epochs", .integer(min: 1, max: 100), default: .int(3), doc: "passes of the random-label training"),
            MethodOption("trainingImages", .integer(min: 100, max: 60_000), default: .int(10_000), doc: "training images used (the first ones of the split)"),
            MethodOption("seed", .seed, default: .int(0), doc: "seeds the label permutation, the fresh weights and the batch order"),
        ],
        example: "let check = dataRandomisation(net, xs, method: \"saliency\")\ncheck.mean")

    public var measure: SimilarityMeasure
    public var absolute: Bool
    public var training: RandomLabelTraining

    public init(measure: SimilarityMeasure = .spearman, absolute: Bool = true, training: RandomLabelTraining = RandomLabelTraining()) {
        self.measure = measure
        self.absolute = absolute
        self.training = training
    }

    public init(options: MethodOptions) throws {
        self.init(measure: SimilarityMeasure(rawValue: options.string("measure")) ?? .spearman, absolute: options.bool("absolute"),
                  training: RandomLabelTraining(epochs: options.int("epochs"), images: options.int("trainingImages"), seed: options.seed("seed")))
    }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let title = Self.declaration.title
        guard let train = subject.randomLabelNetwork else {
            throw MethodError.unsupportedModel(method: title, message: "the model's architecture or training data is unknown, so it cannot be retrained on random labels")
        }
        let original = try subject.maps(monitor: monitor, metric: title)
        let network = try subject.memoised("randomLabelNetwork|\(training)") { try train(training, monitor) }
        let random = try ExplainedModel(network, output: subject.model.output, batchSize: subject.model.batchSize)
        let maps = try subject.explainer.checkedOutput(random, subject.inputs, targets: subject.targets, monitor: monitor, metric: title).maps
        let scores = try measure.perImage(original.scalars, count: subject.count, maps.scalars, otherCount: subject.count, absolute: absolute)
        return result(subject, scores: scores)
    }
}

/// How the random-label model of the data randomisation test is trained.
public struct RandomLabelTraining: Sendable, Hashable, CustomStringConvertible {
    public var epochs: Int
    public var images: Int
    public var seed: UInt64

    public init(epochs: Int = 3, images: Int = 10_000, seed: UInt64 = 0) {
        self.epochs = epochs
        self.images = images
        self.seed = seed
    }

    public var description: String { "epochs \(epochs), images \(images), seed \(seed)" }

    /// `labels` permuted by the seed (a Fisher–Yates shuffle of the positions): every label keeps
    /// its count, and none keeps its image except by chance.
    public func permuted(_ labels: [Int]) -> [Int] {
        var random = SeededRandom(seed: seed ^ 0x5241_4E44_4C41_4245)
        var shuffled = labels
        shuffled.shuffle(using: &random)
        return shuffled
    }
}
