import GlassboxEngine

/// Deletion: remove pixels from the image in the order of its map, most relevant first, and take
/// the area under f as a function of the fraction removed. A faithful map makes f collapse at once
/// (a small area). The map is computed once, on the unmodified image.
///
/// From Petsiuk, Das & Saenko (2018), RISE: Randomized input sampling for explanation of black-box
/// models, BMVC.
public struct Deletion: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "deletion", title: "Deletion AUC", category: .faithfulness,
        citation: "Petsiuk, Das & Saenko (2018), RISE: Randomized input sampling for explanation of black-box models, BMVC",
        summary: "Delete pixels most relevant first (set them to fill) and take the area under f against the fraction deleted: lower is more faithful.",
        formula: "\\mathrm{AUC}_{\\text{del}} = \\int_0^1 f\\big(x \\text{ with the top } \\lfloor tP\\rfloor \\text{ pixels of } R(x) \\text{ set to the fill}\\big)\\,dt \\;\\approx\\; \\text{trapezoid over } t_k = \\lfloor kP/\\text{steps}\\rfloor / P",
        details: "Pixels (positions, all channels together) are ranked by the map of the unmodified image summed over channels, "
            + "ties in row-major order. All steps + 1 images of a group of images go through the model in one batched pass. "
            + "RISE uses the softmax probability (output: \"probability\") and a zero fill for deletion; any explained output works.",
        direction: .lowerIsBetter,
        options: PixelCurve.options(baselineDoc: "the value written into deleted pixels"),
        example: "let d = deletion(net, xs, method: \"saliency\", output: \"probability\")\nd.mean\nplot(d)")

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
        let (values, x) = try PixelCurve(steps: steps, fill: fill, inserting: false)
            .run(subject, metric: Self.declaration.title, task: task(subject), monitor: monitor)
        return result(subject, scores: PixelCurve.areas(values, x: x),
                      curve: MetricCurve(x: x, xLabel: "fraction of pixels deleted", yLabel: "f", values: values))
    }
}
