import GlassboxEngine

/// An evaluation metric: one declaration and one entry point that scores an explainer on a batch
/// of images, one score per image. Every metric is listed once in `MetricCatalog`; the language
/// makes its builtin, help and `compareMethods` column from the declaration.
public protocol ExplanationMetric: Sendable {
    /// What the metric is and which options it takes.
    static var declaration: MetricDeclaration { get }
    /// The metric with `options` (validated against `declaration`).
    init(options: MethodOptions) throws
    /// Which way this instance's score improves (the declaration's unless an option flips it).
    var direction: MetricDirection { get }
    /// One score per image of `subject` (and, for curve metrics, one curve per image); long work
    /// checks `monitor` for cancellation and reports progress.
    func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult
}

extension ExplanationMetric {
    public var direction: MetricDirection { Self.declaration.direction }

    /// The metric built from language-style option values (validated here, once).
    public static func make(_ given: [String: OptionValue] = [:]) throws -> Self {
        try Self(options: try MethodOptions(id: declaration.id, options: declaration.options, given))
    }

    /// A result of this metric for `subject` with `scores` (and optionally a curve and a detail).
    func result(_ subject: MetricSubject, scores: [Float], curve: MetricCurve? = nil, detail: (any Sendable)? = nil) -> MetricResult {
        MetricResult(id: Self.declaration.id, metric: Self.declaration.title, method: subject.explainer.name, direction: direction,
                     scores: scores, targets: subject.targets, curve: curve, detail: detail)
    }

    /// "Max-sensitivity (Deep Taylor)": the progress task of this metric on `subject`.
    func task(_ subject: MetricSubject) -> String { "\(Self.declaration.title) (\(subject.explainer.name))" }
}

/// Per-image values sampled along an axis: f after k removed windows, the similarity after k
/// randomised layers, f at each shift…
public struct MetricCurve: Sendable, Equatable {
    /// The positions along the axis.
    public var x: [Double]
    public var xLabel: String
    public var yLabel: String
    /// values[i][k]: image i at x[k].
    public var values: [[Float]]
    /// Names of the positions when they are not numbers (the randomised layers), else nil.
    public var xNames: [String]?

    public init(x: [Double], xLabel: String, yLabel: String, values: [[Float]], xNames: [String]? = nil) {
        self.x = x
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.values = values
        self.xNames = xNames
    }

    /// The mean over the images at each position.
    public var average: [Float] { x.indices.map { k in MetricStatistics.mean(values.map { $0[k] }) } }

    /// Half the width of the 95 % confidence interval of the mean at each position (1.96 standard
    /// errors; 0 for one image).
    public var band: [Float] { x.indices.map { k in MetricStatistics.confidenceHalfWidth(values.map { $0[k] }) } }

    /// The trapezoid area under the average curve over `x`.
    public var area: Float { CurveArea.trapezoid(average, x: x) }
}

/// What a metric found on a batch: one score per image, its direction, and for curve metrics the
/// curves; `detail` holds the metric's own record (removed windows, shifted maps…).
public struct MetricResult: Sendable {
    /// The metric's id ("regionPerturbation").
    public var id: String
    /// The metric's display name.
    public var metric: String
    /// The explainer's name.
    public var method: String
    public var direction: MetricDirection
    /// One score per image.
    public var scores: [Float]
    /// The class followed for each image.
    public var targets: [Int]
    public var curve: MetricCurve?
    /// The metric's own record, e.g. `RegionPerturbation.Record`.
    public var detail: (any Sendable)?

    public init(id: String, metric: String, method: String, direction: MetricDirection, scores: [Float], targets: [Int],
                curve: MetricCurve? = nil, detail: (any Sendable)? = nil) {
        self.id = id
        self.metric = metric
        self.method = method
        self.direction = direction
        self.scores = scores
        self.targets = targets
        self.curve = curve
        self.detail = detail
    }

    /// The mean score over the images.
    public var mean: Float { MetricStatistics.mean(scores) }

    /// Half the width of the 95 % confidence interval of the mean (1.96 standard errors).
    public var confidenceHalfWidth: Float { MetricStatistics.confidenceHalfWidth(scores) }
}
