import GlassboxEngine
import GlassboxFigures
import GlassboxMethods

/// A metric's result as a value of the language: one score per image, their mean and 95 %
/// confidence half-width, the direction, and for curve metrics the curves (drawn as the average
/// curve with its band). Region perturbation adds `.aopc`, `.windows` and `.images(removed:)`;
/// translation continuity adds `.maps`, `.quadrants`, `.outputs` and `.shifted` of its first image
/// (`run[i]` is the result of image i alone).
public struct MetricValue: ScriptObject {
    public let result: MetricResult
    /// The images the metric started from.
    let images: ImageBatch
    let output: ExplainedOutput
    /// How the method's maps are drawn (continuity's maps).
    let style: ExplanationStyle

    init(_ result: MetricResult, images: ImageBatch, output: ExplainedOutput, style: ExplanationStyle) {
        self.result = result
        self.images = images
        self.output = output
        self.style = style
    }

    var perturbation: RegionPerturbation.Record? { result.detail as? RegionPerturbation.Record }
    var continuity: TranslationContinuity.Record? { result.detail as? TranslationContinuity.Record }

    public var typeName: String { "MetricResult" }

    public var propertyNames: [String] {
        var names = ["metric", "method", "scores", "mean", "band", "direction", "targets", "count"]
        if result.curve != nil { names += ["x", "curve", "curveBand", "curves", "auc"] }
        if perturbation != nil { names += ["aopc", "windows"] }
        if continuity != nil { names += ["maps", "quadrants", "outputs", "shifts", "shifted"] }
        return names
    }

    public func property(_ name: String) throws -> ScriptValue? {
        func numbers(_ values: [Float]) -> ScriptValue { .list(values.map { .double(Double($0)) }) }
        switch name {
        case "metric": return .string(result.metric)
        case "method": return .string(result.method)
        case "scores": return numbers(result.scores)
        case "mean": return .double(Double(result.mean))
        case "band": return .double(Double(result.confidenceHalfWidth))
        case "direction": return .string(result.direction.phrase)
        case "targets": return .list(result.targets.map { .int($0) })
        case "count": return .int(result.scores.count)
        default: break
        }
        if let curve = result.curve {
            switch name {
            case "x": return .list(curve.x.map { .double($0) })
            case "curve": return numbers(curve.average)
            case "curveBand": return numbers(curve.band)
            case "curves": return .tensor(Tensor(shape: [curve.values.count, curve.x.count], scalars: curve.values.flatMap { $0 }))
            case "auc": return .double(Double(curve.area))
            default: break
            }
        }
        if let perturbation {
            switch name {
            case "aopc": return .double(Double(result.mean))
            case "windows": return .list(perturbation.windows.map { image in .list(image.map { .list([.int($0.row), .int($0.column)]) }) })
            default: break
            }
        }
        if let continuity, let first = continuity.maps.first, let shifted = continuity.images.first, let curve = result.curve {
            switch name {
            case "maps":
                let explanation = Explanation(attributions: first, inputs: shifted, targets: continuity.shifts.map { _ in result.targets[0] },
                                              output: output, outputs: curve.values[0], method: result.method)
                var value = ExplanationValue(explanation, images: try shiftedBatch(shifted), predictions: nil, style: style)
                value.panelTitles = continuity.shifts.map { "shift \($0 > 0 ? "+" : "")\($0)" }
                return .object(value)
            case "quadrants": return .tensor(Tensor(shape: [continuity.shifts.count, 4], scalars: continuity.quadrants[0].flatMap { $0 }))
            case "outputs": return numbers(curve.values[0])
            case "shifts": return .list(continuity.shifts.map { .int($0) })
            case "shifted": return .object(try shiftedBatch(shifted))
            default: break
            }
        }
        return nil
    }

    /// The first image at every shift, labelled with its label.
    private func shiftedBatch(_ shifted: Tensor) throws -> ImageBatch {
        let label = images.labels?.first
        return try ImageBatch(tensor: shifted, labels: label.map { l in continuity!.shifts.map { _ in l } },
                              origin: images.origin + " (translated)")
    }

    public var methods: [Builtin] {
        guard let perturbation else { return [] }
        let images = self.images
        return [Builtin(
            name: "images",
            parameters: [BuiltinParameter("removed", type: "Int", doc: "how many windows removed (0 … steps − 1)")],
            returns: "ImageBatch",
            summary: "The images after `removed` windows were filled, as the run saw them.",
            example: "show(run.images(removed: 4))"
        ) { args, _ in
            let k = try args.int("removed")
            let inputs = images.images
            var scalars: [Float] = []
            for i in 0..<perturbation.windows.count {
                do {
                    scalars += try perturbation.image(inputs, index: i, removed: k).scalars
                } catch let error as MethodError {
                    throw args.error(.value, "removed", error.message)
                }
            }
            return .object(try ImageBatch(tensor: Tensor(shape: inputs.shape, scalars: scalars), labels: images.labels,
                                          origin: images.origin + " (\(k) windows removed)"))
        }]
    }

    public var elementCount: Int? { result.scores.count }

    /// `run[i]`: the result of image i alone.
    public func element(at index: ScriptValue) throws -> ScriptValue? {
        guard case .int(let i) = index else { return nil }
        let n = result.scores.count
        guard i >= 0, i < n else {
            throw ScriptError(.index, "index \(i) is out of range for a MetricResult of \(n) images; valid indices are 0...\(n - 1)")
        }
        var one = result
        one.scores = [result.scores[i]]
        one.targets = [result.targets[i]]
        one.curve = result.curve.map { curve in
            var copy = curve
            copy.values = [curve.values[i]]
            return copy
        }
        if let perturbation {
            var copy = perturbation
            copy.windows = [perturbation.windows[i]]
            one.detail = copy
        }
        if let continuity {
            one.detail = TranslationContinuity.Record(shifts: continuity.shifts, images: [continuity.images[i]], maps: [continuity.maps[i]],
                                                      quadrants: [continuity.quadrants[i]])
        }
        return .object(MetricValue(one, images: try images.selecting([i], origin: images.origin), output: output, style: style))
    }

    public var textDescription: String {
        let n = result.scores.count
        var text = "\(result.metric) of \(result.method) on \(n) image\(n == 1 ? "" : "s"): mean \(MetricFormat.number(result.mean))"
        if n > 1 { text += " ± \(MetricFormat.number(result.confidenceHalfWidth))" }
        text += " (\(result.direction.phrase))"
        if let curve = result.curve, perturbation != nil { text += ", AUC of the average curve \(MetricFormat.number(curve.area))" }
        return text
    }

    public func richOutput() throws -> RichOutput? {
        guard result.curve != nil else { return RichOutput(text: textDescription) }
        let figure = try BindingErrors.translating("show") { try MetricCharts.figure([self], title: nil) }
        guard let rich = try FigureValue(figure, title: result.metric).richOutput() else { return nil }
        return RichOutput(text: textDescription, png: rich.png)
    }
}

/// Numbers in metric descriptions.
enum MetricFormat {
    static func number(_ value: Float) -> String { NumberFormat.significant(Double(value), digits: 4) }
}
