import GlassboxEngine

/// Insertion: start from a blank image (every pixel at `fill`) and put the image's pixels back in
/// the order of its map, most relevant first; the area under f against the fraction inserted is
/// large when the first pixels the map names are enough for the model.
///
/// From Petsiuk, Das & Saenko (2018), RISE: Randomized input sampling for explanation of black-box
/// models, BMVC.
public struct Insertion: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "insertion", title: "Insertion AUC", category: .faithfulness,
        citation: "Petsiuk, Das & Saenko (2018), RISE: Randomized input sampling for explanation of black-box models, BMVC",
        summary: "Insert pixels most relevant first into a blank image and take the area under f against the fraction inserted: higher is more faithful.",
        formula: "\\mathrm{AUC}_{\\text{ins}} = \\int_0^1 f\\big(\\text{fill image with the top } \\lfloor tP\\rfloor \\text{ pixels of } R(x) \\text{ copied from } x\\big)\\,dt",
        details: "The same ranking and batching as deletion. RISE starts insertion from a blurred copy of the image; on MNIST a "
            + "black image (fill 0) is the natural blank, and a blurred digit would still show the digit.",
        direction: .higherIsBetter,
        options: PixelCurve.options(baselineDoc: "the value of every pixel not inserted yet"),
        example: "let i = insertion(net, xs, method: \"deepTaylor\", output: \"probability\")\ni.mean")

    public var steps: Int
    public var fill: Float

    public init(steps: Int = 28, fill: Float = 0) throws {
        guard steps >= 1 else { throw MethodError.invalidOption(method: Self.declaration.title, message: "steps must be at least 1, got \(steps)") }
        guard fill.isFinite else { throw MethodError.invalidOption(method: Self.declaration.title, message: "fill must be finite, got \(fill)") }
        self.steps = steps
        self.fill = fill
    }

    public init(options: MethodOptions) throws {
        try self.init(steps: options.int("steps"), fill: options.float("fill"))
    }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let (values, x) = try PixelCurve(steps: steps, fill: fill, inserting: true)
            .run(subject, metric: Self.declaration.title, task: task(subject), monitor: monitor)
        return result(subject, scores: PixelCurve.areas(values, x: x),
                      curve: MetricCurve(x: x, xLabel: "fraction of pixels inserted", yLabel: "f", values: values))
    }
}
