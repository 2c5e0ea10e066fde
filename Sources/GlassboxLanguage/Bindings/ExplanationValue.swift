import GlassboxEngine
import GlassboxFigures
import GlassboxMethods

/// How an explanation is drawn by default, following the reference chapter of its method.
public struct ExplanationStyle: Sendable {
    /// The heat map's colour map.
    public var colormap: Colormap
    /// Draw the map over the (gray) input at `alpha`, or alone.
    public var overInput: Bool
    public var alpha: Double
    /// nil = the colour map's default (symmetric for diverging maps, else [min, max]).
    public var range: ValueRange?

    public init(colormap: Colormap, overInput: Bool, alpha: Double = 0.5, range: ValueRange? = nil) {
        self.colormap = colormap
        self.overInput = overInput
        self.alpha = alpha
        self.range = range
    }

    /// The style a method declares (`MapDisplay`, the method layer's choice).
    public init(_ display: MapDisplay) {
        self.init(colormap: (try? Colormap(named: display.colors.rawValue)) ?? .gray, overInput: display.overInput,
                  alpha: display.alpha, range: {
            switch display.limits {
            case .automatic: return nil
            case .symmetricIfMixed: return .symmetricIfMixed
            case .symmetric: return .symmetric
            }
        }())
    }

    /// Signed maps: bwr, symmetric when mixed (the reference's pixel_range).
    static let signed = ExplanationStyle(MapDisplay.signed)
    /// Gray maps alone.
    static let gray = ExplanationStyle(MapDisplay.gray)
}

/// An explanation as a value of the language: one attribution map per image with what was explained.
///
/// `.values` (attributions tensor), `.sum` (all attributions), `.sums` (per image), `.inputs`
/// (ImageBatch), `.targets`, `.outputs` (the explained f(x) per image), `.method`, `.title`;
/// `e[i]`, `e[a..<b]`; element-wise `+ - * /` with numbers, tensors and explanations. Displayed as
/// heat maps in the style of its method's chapter, with a colorbar.
public struct ExplanationValue: ScriptObject, ScriptArithmetic {
    public let explanation: Explanation
    /// The explained images (with their labels).
    public let images: ImageBatch
    /// The model's predicted class per image.
    public let predictions: [Int]?
    public let style: ExplanationStyle
    /// One default title per panel (e.g. "N 10" for SmoothGrad's running averages); nil = the
    /// usual "Digit: {label}" titles.
    public var panelTitles: [String]?

    /// `images` and `predictions` are those of the explained images; when the explanation has
    /// several maps per image (`Explanation.sourceImages`), they are repeated to match its maps.
    public init(_ explanation: Explanation, images: ImageBatch, predictions: [Int]?, style: ExplanationStyle) {
        var explanation = explanation
        var images = images
        var predictions = predictions
        if let sources = explanation.sourceImages, sources.count == explanation.count,
           sources.allSatisfy({ $0 >= 0 && $0 < images.count }), let repeated = try? images.selecting(sources, origin: images.origin) {
            images = repeated
            predictions = predictions.map { p in sources.map { p[$0] } }
            explanation.sourceImages = nil
        }
        self.explanation = explanation
        self.images = images
        self.predictions = predictions
        self.style = style
        self.panelTitles = explanation.panelTitles
    }

    /// The attribution maps as an image batch `[N, 1, H, W]` (labels of the inputs).
    public func maps() throws -> ImageBatch {
        try ImageBatch(tensor: explanation.attributions.reshaped([images.count, 1, images.height, images.width]),
                       labels: images.labels, origin: explanation.method)
    }

    func selecting(_ indices: [Int]) throws -> ExplanationValue {
        var copy = explanation
        let n = explanation.count
        if let bad = indices.first(where: { $0 < 0 || $0 >= n }) {
            throw ScriptError(.index, "index \(bad) is out of range for an Explanation of \(n) images; valid indices are 0...\(max(0, n - 1))")
        }
        let per = explanation.valuesPerImage
        func rows(_ t: Tensor, per: Int) -> Tensor {
            var values = [Float]()
            values.reserveCapacity(indices.count * per)
            for i in indices { values += t.scalars[(i * per)..<((i + 1) * per)] }
            return Tensor(shape: [indices.count] + t.shape.dropFirst(), scalars: values)
        }
        copy.attributions = rows(explanation.attributions, per: per)
        copy.inputs = rows(explanation.inputs, per: per)
        copy.coarseMaps = explanation.coarseMaps.map { rows($0, per: n == 0 ? 0 : $0.count / n) }
        copy.perturbedInputs = explanation.perturbedInputs.map { rows($0, per: per) }
        copy.targets = indices.map { explanation.targets[$0] }
        copy.outputs = indices.map { explanation.outputs[$0] }
        copy.baselineOutputs = explanation.baselineOutputs.map { b in indices.map { b[$0] } }
        var selected = ExplanationValue(copy, images: try images.selecting(indices, origin: images.origin),
                                        predictions: predictions.map { p in indices.map { p[$0] } }, style: style)
        selected.panelTitles = panelTitles.map { titles in indices.map { titles[$0] } }
        return selected
    }

    public var typeName: String { "Explanation" }
    public var propertyNames: [String] {
        ["values", "sum", "sums", "inputs", "targets", "outputs", "baselineOutputs", "method", "title", "count", "labels", "predictions", "maps",
         "receipt", "receiptError", "coarse", "layer", "perturbed"]
    }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "values": return .tensor(explanation.attributions)
        case "sum": return .double(Double(explanation.sum))
        case "sums": return .list(explanation.sumPerImage.map { .double(Double($0)) })
        case "inputs": return .object(images)
        case "targets": return .list(explanation.targets.map { .int($0) })
        case "outputs": return .list(explanation.outputs.map { .double(Double($0)) })
        case "baselineOutputs": return explanation.baselineOutputs.map { .list($0.map { .double(Double($0)) }) } ?? .nil
        case "method": return .string(explanation.method)
        case "title": return .string(explanation.title)
        case "count": return .int(explanation.count)
        case "labels": return images.labels.map { .list($0.map { .int($0) }) } ?? .nil
        case "predictions": return predictions.map { .list($0.map { .int($0) }) } ?? .nil
        case "maps": return .object(try maps())
        case "receipt": return receiptTable().map { .object(TableValue($0)) } ?? .nil
        case "receiptError": return explanation.receiptError.map { .double(Double($0)) } ?? .nil
        case "coarse":
            guard let coarse = explanation.coarseMaps, coarse.rank == 4 else { return .nil }
            return .object(try ImageBatch(tensor: coarse, labels: images.labels, origin: "\(explanation.method) coarse maps"))
        case "layer": return explanation.featureLayer.map { .string($0) } ?? .nil
        case "perturbed":
            guard let perturbed = explanation.perturbedInputs else { return .nil }
            return .object(try ImageBatch(tensor: perturbed.reshaped(images.images.shape), labels: images.labels,
                                          origin: "\(explanation.method): the images with the learned region deleted"))
        default: return nil
        }
    }

    public var elementCount: Int? { explanation.count }

    public func element(at index: ScriptValue) throws -> ScriptValue? {
        switch index {
        case .int(let i):
            if i < 0 { throw ScriptError(.index, "negative index \(i) is not supported; the last image is at .count - 1") }
            return .object(try selecting([i]))
        case .range(let r):
            guard r.lower >= 0, r.upper <= explanation.count, r.lower <= r.upper else {
                throw ScriptError(.index, "slice \(r) is out of range for an Explanation of \(explanation.count) images")
            }
            return .object(try selecting(Array(r.lower..<r.upper)))
        case .list(let items):
            return .object(try selecting(try items.map { item in
                guard case .int(let i) = item else { throw ScriptError(.type, "an Explanation is indexed with Ints, got \(item.typeName)") }
                return i
            }))
        default: return nil
        }
    }

    public var textDescription: String {
        let sums = explanation.sumPerImage.prefix(10).map { NumberFormat.significant(Double($0), digits: 4) }.joined(separator: ", ")
        return "Explanation: \(explanation.title), \(explanation.count) image\(explanation.count == 1 ? "" : "s"), "
            + "targets \(explanation.targets.prefix(10).map(String.init).joined(separator: ", "))\(explanation.count > 10 ? ", …" : ""); "
            + "sums [\(sums)\(explanation.count > 10 ? ", …" : "")]" + (receiptLine.map { "; " + $0 } ?? "")
    }

    /// The grid options of the default display.
    var displayOptions: ImageGridOptions {
        var options = ImageGridOptions()
        options.colormap = style.colormap
        options.alpha = style.alpha
        options.range = style.range
        options.colorbar = true
        options.predictions = predictions
        options.titleList = panelTitles
        return options
    }

    /// Draws the maps with `options` (over the inputs when `overInput`).
    func figure(options: ImageGridOptions, overInput: Bool, function: String) throws -> ImageGridFigure {
        let maps = try maps()
        if overInput {
            return try ImageGridRendering.figure(for: images, overlay: maps, options: options, function: function)
        }
        return try ImageGridRendering.figure(for: maps, overlay: nil, options: options, function: function, heatmapOnly: true)
    }

    public func richOutput() throws -> RichOutput? {
        guard explanation.count > 0, explanation.count <= ImageBatch.maximumShown else {
            return RichOutput(text: textDescription)
        }
        let figure = try figure(options: displayOptions, overInput: style.overInput, function: "show")
        return try output(figure, function: "show")
    }

    // MARK: ScriptArithmetic

    public var arithmeticValues: Tensor { explanation.attributions }

    public func replacingValues(_ values: Tensor) throws -> ScriptValue {
        var copy = explanation
        copy.attributions = values.reshaped(explanation.attributions.shape)
        copy.method = "computed from \(explanation.method)"
        copy.settings = []
        copy.baselineOutputs = nil
        copy.perturbedInputs = nil
        let signed = values.scalars.contains { $0 < 0 }
        var result = ExplanationValue(copy, images: images, predictions: predictions, style: signed ? .signed : style)
        result.panelTitles = panelTitles
        return .object(result)
    }
}
