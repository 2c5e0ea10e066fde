import GlassboxData
import GlassboxEngine

/// What the three localisation metrics share: the maps of the unmodified images scored against
/// each image's digit box (`Localisation.score`), the ink box or the whole frame.
enum BoxLocalisation {
    /// The `box:` option of the localisation metrics.
    static let boxOption = MethodOption("box", .choice(["ink", "frame"]), default: .string("ink"),
                                        doc: "the box scored against: \"ink\" (the tight box of the digit's non-zero pixels) or \"frame\" (its whole 28×28 frame)")

    static let detailsCommon = "Needs images that know where their digit is: generated cluttered MNIST (`dataset(\"cluttered-mnist\")`) "
        + "carries every digit's box; the scores use the map of the unmodified image, summed over channels."

    /// One score per image of `subject`, from its map and its box.
    static func scores(_ subject: MetricSubject, metric: String, box: String, topPercent: Double = 20,
                       monitor: WorkMonitor, _ pick: (LocalisationScore) -> Double) throws -> [Float] {
        guard let boxes = subject.boxes else {
            throw MethodError.invalidOption(method: metric, message: "needs images with digit boxes (generated cluttered MNIST, e.g. dataset(\"cluttered-mnist\").test[0..<100]); these images have none")
        }
        let maps = try subject.maps(monitor: monitor, metric: metric)
        let n = subject.count, height = maps.shape[maps.rank - 2], width = maps.shape[maps.rank - 1]
        let channels = maps.count / max(n * height * width, 1)
        // One map per image: the channels summed (MNIST maps have one).
        var summed = [Float](repeating: 0, count: n * height * width)
        maps.scalars.withUnsafeBufferPointer { source in
            for i in 0..<n {
                for c in 0..<channels {
                    let from = (i * channels + c) * height * width
                    for j in 0..<(height * width) { summed[i * height * width + j] += source[from + j] }
                }
            }
        }
        let flat = Tensor(shape: [n, height, width], scalars: summed)
        let chosen = boxes.map { box == "frame" ? $0.frame : $0.ink }
        return try Localisation.scores(flat, boxes: chosen, topPercent: topPercent).map { Float(pick($0)) }
    }
}

/// The pointing game: does the map's largest value lie inside the digit's box? 1 for a hit, 0 for a
/// miss (a constant map misses); the mean is the hit rate.
///
/// From Zhang, Bargal, Lin, Brandt, Shen & Sclaroff (2018), Top-down neural attention by excitation
/// backprop, IJCV.
public struct PointingGame: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "pointingGame", title: "Pointing game", category: .localisation,
        citation: "Zhang, Bargal, Lin, Brandt, Shen & Sclaroff (2018), Top-down neural attention by excitation backprop, IJCV",
        summary: "1 when the map's maximum lies inside the digit's box, else 0; the mean is the hit rate (higher is better).",
        formula: "\\mathrm{PG}(x) = \\mathbb{1}\\big[\\arg\\max_i R_i(x) \\in B(x)\\big]",
        details: "The first maximal pixel in row-major order is the one pointed at; a constant map points nowhere and misses. "
            + BoxLocalisation.detailsCommon,
        direction: .higherIsBetter,
        options: [BoxLocalisation.boxOption],
        example: "let xs = dataset(\"cluttered-mnist\").test[0..<100]\npointingGame(model(\"clut-fc\"), xs, method: \"gradCAM\").mean")

    public var box: String
    public init(box: String = "ink") { self.box = box }
    public init(options: MethodOptions) throws { self.init(box: options.string("box")) }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        result(subject, scores: try BoxLocalisation.scores(subject, metric: Self.declaration.title, box: box, monitor: monitor) { $0.hit ? 1 : 0 })
    }
}

/// The share of the map's positive relevance that falls inside the digit's box (Score-CAM's
/// energy-based pointing game).
///
/// From Wang, Wang, Du, Yang, Zhang, Ding, Mardziel & Hu (2020), Score-CAM: score-weighted visual
/// explanations for convolutional neural networks, CVPR workshops.
public struct EnergyInBox: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "energyInBox", title: "Energy in box", category: .localisation,
        citation: "Wang, Wang, Du, Yang, Zhang, Ding, Mardziel & Hu (2020), Score-CAM, CVPR workshops",
        summary: "The share of the map's positive relevance inside the digit's box (higher is better).",
        formula: "E(x) = \\frac{\\sum_{i \\in B(x)} \\max(R_i, 0)}{\\sum_i \\max(R_i, 0)}",
        details: "A map without positive values scores 0. The box's share of the image is the score of a uniform map, the "
            + "floor any method must beat. " + BoxLocalisation.detailsCommon,
        direction: .higherIsBetter,
        options: [BoxLocalisation.boxOption],
        example: "let xs = dataset(\"cluttered-mnist\").test[0..<100]\nenergyInBox(model(\"clut-gap\"), xs, method: \"cam\").mean")

    public var box: String
    public init(box: String = "ink") { self.box = box }
    public init(options: MethodOptions) throws { self.init(box: options.string("box")) }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        result(subject, scores: try BoxLocalisation.scores(subject, metric: Self.declaration.title, box: box, monitor: monitor) { $0.energy })
    }
}

/// The intersection over union of the digit's box with the map thresholded at its top k% pixels.
public struct BoxIoU: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "boxIoU", title: "IoU with the box", category: .localisation,
        citation: "Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra (2017), Grad-CAM, ICCV (localisation by thresholding the map)",
        summary: "The IoU of the digit's box with the map's top k% pixels (higher is better).",
        formula: "\\mathrm{IoU}(x) = \\frac{\\lvert M_k(x) \\cap B(x) \\rvert}{\\lvert M_k(x) \\cup B(x) \\rvert},\\quad M_k = \\text{the round}(k\\% \\cdot HW) \\text{ largest positive } R_i",
        details: "Only positive values enter the mask, so a map that is zero over most of the image has a smaller mask; ties at "
            + "the threshold go to the first pixels in row-major order. " + BoxLocalisation.detailsCommon,
        direction: .higherIsBetter,
        options: [BoxLocalisation.boxOption,
                  MethodOption("top", .number(min: 0.1, max: 100), default: .double(20), doc: "the percentage of pixels kept for the mask")],
        example: "let xs = dataset(\"cluttered-mnist\").test[0..<100]\nboxIoU(model(\"clut-fc\"), xs, method: \"gradCAMPlusPlus\", top: 10).mean")

    public var box: String
    public var top: Double
    public init(box: String = "ink", top: Double = 20) {
        self.box = box
        self.top = top
    }
    public init(options: MethodOptions) throws { self.init(box: options.string("box"), top: options.double("top")) }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        result(subject, scores: try BoxLocalisation.scores(subject, metric: Self.declaration.title, box: box, topPercent: top,
                                                           monitor: monitor) { $0.iou })
    }
}
