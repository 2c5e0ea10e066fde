import GlassboxEngine
import GlassboxFigures
import GlassboxMethods

/// A region-perturbation run as a value: `.scores` (Tensor [images, steps]), `.average`, `.band`,
/// `.auc`, `.aopc`, `.windows`, `.method`, and `.images(removed: k)`; displayed as its average
/// curve's table.
public struct PerturbationValue: ScriptObject {
    public let result: RegionPerturbation.Result
    /// The images the run started from.
    public let images: ImageBatch
    let inputs: Tensor

    public var typeName: String { "Perturbation" }
    public var propertyNames: [String] { ["scores", "average", "band", "auc", "aopc", "windows", "method", "count"] }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "scores":
            let steps = result.scores.first?.count ?? 0
            return .tensor(Tensor(shape: [result.scores.count, steps], scalars: result.scores.flatMap { $0 }))
        case "average": return .list(result.averageCurve.map { .double(Double($0)) })
        case "band": return .list(result.confidenceHalfWidth.map { .double(Double($0)) })
        case "auc": return .double(Double(result.areaUnderCurve))
        case "aopc": return .double(Double(result.aopc))
        case "windows":
            return .list(result.windows.map { image in .list(image.map { .list([.int($0.row), .int($0.column)]) }) })
        case "method": return .string(result.method)
        case "count": return .int(result.scores.count)
        default: return nil
        }
    }

    public var methods: [Builtin] {
        let result = self.result, images = self.images, inputs = self.inputs
        return [Builtin(
            name: "images",
            parameters: [BuiltinParameter("removed", type: "Int", doc: "how many windows removed (0 … steps − 1)")],
            returns: "ImageBatch",
            summary: "The images after `removed` windows were filled, as the run saw them.",
            example: "show(run.images(removed: 4))"
        ) { args, _ in
            let k = try args.int("removed")
            var scalars: [Float] = []
            for i in 0..<result.windows.count {
                do {
                    scalars += try result.image(inputs, index: i, removed: k).scalars
                } catch let error as MethodError {
                    throw args.error(.value, "removed", error.message)
                }
            }
            return .object(try ImageBatch(tensor: Tensor(shape: images.images.shape, scalars: scalars), labels: images.labels,
                                          origin: images.origin + " (\(k) windows removed)"))
        }]
    }

    func table() throws -> Table {
        let average = result.averageCurve, band = result.confidenceHalfWidth
        return try Table(columns: ["removed", "average f", "± 95 %"],
                         rows: average.indices.map { [.integer($0), .number(Double(average[$0])), .number(Double(band[$0]))] },
                         caption: "Region perturbation with \(result.method) on \(result.scores.count) image"
                            + (result.scores.count == 1 ? "" : "s") + ": AUC \(NumberFormat.significant(Double(result.areaUnderCurve), digits: 4)), "
                            + "AOPC \(NumberFormat.significant(Double(result.aopc), digits: 4))")
    }

    public var textDescription: String { (try? table().plainText()) ?? "Perturbation (\(result.method))" }
    public func richOutput() throws -> RichOutput? { try TableValue(try table()).richOutput() }
}

/// A translation-continuity run as a value: `.maps` (an Explanation, one map per shift), `.shifts`,
/// `.outputs`, `.quadrants` (Tensor [shifts, 4]), `.continuity`, `.method`.
public struct ContinuityValue: ScriptObject {
    public let result: TranslationContinuity.Result
    let maps: ExplanationValue

    init(result: TranslationContinuity.Result, images: ImageBatch, output: ExplainedOutput, style: ExplanationStyle) throws {
        self.result = result
        let shifted = try ImageBatch(tensor: result.images, labels: images.labels.map { l in result.shifts.map { _ in l[0] } },
                                     origin: images.origin + " (translated)")
        let explanation = Explanation(attributions: result.maps, inputs: result.images,
                                      targets: result.shifts.map { _ in result.target }, output: output, outputs: result.outputs,
                                      method: result.method)
        var value = ExplanationValue(explanation, images: shifted, predictions: nil, style: style)
        value.panelTitles = result.shifts.map { "shift \($0 > 0 ? "+" : "")\($0)" }
        self.maps = value
    }

    public var typeName: String { "Continuity" }
    public var propertyNames: [String] { ["maps", "shifts", "outputs", "quadrants", "continuity", "method"] }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "maps": return .object(maps)
        case "shifts": return .list(result.shifts.map { .int($0) })
        case "outputs": return .list(result.outputs.map { .double(Double($0)) })
        case "quadrants": return .tensor(Tensor(shape: [result.shifts.count, 4], scalars: result.quadrants.flatMap { $0 }))
        case "continuity": return .double(Double(result.continuity))
        case "method": return .string(result.method)
        default: return nil
        }
    }

    public var textDescription: String {
        "Continuity of \(result.method) over shifts \(result.shifts.first ?? 0)…\(result.shifts.last ?? 0): "
            + "max ‖ΔR‖₁/‖Δx‖₂ = \(NumberFormat.significant(Double(result.continuity), digits: 4))"
    }
}
