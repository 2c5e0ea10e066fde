import GlassboxData
import GlassboxEngine
import GlassboxFigures

/// The record an input optimisation leaves on the images it made: the cost along the way, the codes
/// (AM in code space), where an interrupt stopped it and which step the kept images are from.
public struct SearchRecord: Sendable {
    /// (step, cost) every `reportEvery` steps and after the last.
    public var costs: [(step: Int, cost: Double)]
    /// AM in code space: the optimised codes z, [N] + the generator's input shape.
    public var codes: Tensor?
    /// The step an interrupt stopped the search at, or nil when it ran to the end.
    public var stoppedAt: Int?
    /// The step the images are from (the last one, or the best one after an interrupt).
    public var step: Int
    /// The objective, in a few words ("CE + 0.1·½‖v − v̄‖²").
    public var objective: String
    /// Feature visualisation: the value of each image's objective (activation) at the end.
    public var values: [Double]?

    public init(costs: [(step: Int, cost: Double)], codes: Tensor? = nil, stoppedAt: Int? = nil, step: Int, objective: String,
                values: [Double]? = nil) {
        self.costs = costs
        self.codes = codes
        self.stoppedAt = stoppedAt
        self.step = step
        self.objective = objective
        self.values = values
    }

    /// The costs as a table (step, cost).
    func costTable() throws -> Table {
        try Table(columns: ["step", "cost"], rows: costs.map { [.integer($0.step), .number($0.cost)] },
                  significantDigits: 6, caption: "Cost of \(objective)" + (stoppedAt.map { " (interrupted at step \($0))" } ?? ""))
    }
}

/// Images with optional labels, as a value of the language: a split of a dataset, a selection of it
/// (`mnist.train.perDigit(index: 3)`, `xs[0..<5]`), a mean image, or the result of arithmetic.
///
/// `images` is always `[N, 1, H, W]`. Displayed as a grid of images when it is a cell's result
/// (at most `ImageBatch.maximumShown` images; larger batches show a summary).
public struct ImageBatch: ScriptObject, ScriptArithmetic {
    /// The pixels: floats, or bytes for a dataset's splits and selections of them (MNIST's are a
    /// memory-mapped file), made floats where they are used.
    public let rows: ImageRows
    /// `[N, 1, H, W]` pixel values (bytes are converted on every call, without a budget check; prefer
    /// `tensor()` for large batches).
    public var images: Tensor { rows.floats }
    /// `[N, 1, H, W]` pixel values; converting bytes asks the memory budget first.
    public func tensor() throws -> Tensor { try rows.tensor() }
    /// One label per image, when known.
    public let labels: [Int]?
    /// Where the images came from, for descriptions ("mnist.train").
    public let origin: String
    /// Whether its display gives each image a colorbar (prototypes, heat-map-like images).
    public var showsColorbar = false
    /// Where each image's digit is, for generated cluttered MNIST (`.boxes`, `.inkBoxes`); kept by selections.
    public var digits: [ClutteredDigit]?
    /// One title per image (feature visualisations: "conv2 · 12"), used instead of "Digit: d"; kept by selections.
    public var titles: [String]?
    /// How the images are drawn when not gray with automatic limits (first-layer filters: bwr, symmetric).
    public var colormap: Colormap?
    public var range: ValueRange?
    /// Grid columns of its display (nil: the usual choice).
    public var columns: Int?
    /// How the optimisation that made these images went (class prototypes, feature visualisations).
    public var search: SearchRecord?

    /// The largest batch shown as a grid.
    public static let maximumShown = 100

    /// Images `[N, 1, H, W]`, `[N, H, W]` or one `[H, W]` image, with `labels` (one per image) or nil.
    public init(tensor: Tensor, labels: [Int]?, origin: String) throws {
        let shape = tensor.shape
        let images: Tensor
        switch shape.count {
        case 4 where shape[1] == 1: images = tensor
        case 3: images = tensor.reshaped([shape[0], 1, shape[1], shape[2]])
        case 2: images = tensor.reshaped([1, 1, shape[0], shape[1]])
        default:
            throw ScriptError(.value, "images must have shape [N, 1, H, W], [N, H, W] or [H, W], got \(shape)")
        }
        guard images.shape[2] > 0, images.shape[3] > 0 else {
            throw ScriptError(.value, "images must have a positive height and width, got \(shape)")
        }
        if let labels, labels.count != images.shape[0] {
            throw ScriptError(.value, "\(images.shape[0]) images but \(labels.count) labels")
        }
        self.rows = ImageRows(images)
        self.labels = labels
        self.origin = origin
    }

    /// Images held as they are, with labels (one per image, checked by the caller).
    init(rows: ImageRows, labels: [Int]?, origin: String, showsColorbar: Bool = false) {
        self.rows = rows
        self.labels = labels
        self.origin = origin
        self.showsColorbar = showsColorbar
    }

    /// The images and labels of a data split (held as they are: bytes stay bytes).
    public init(_ labelled: LabelledImages, origin: String) {
        self.rows = labelled.rows
        self.labels = labelled.labels
        self.origin = origin
    }

    public var count: Int { rows.count }
    public var height: Int { rows.height }
    public var width: Int { rows.width }

    /// The batch as labelled images, for training and evaluation; throws when labels are unknown.
    public func labelled(for function: String) throws -> LabelledImages {
        guard let labels else {
            throw ScriptError(.value, "\(function): the images have no labels (\(origin)); use images from a dataset")
        }
        return try BindingErrors.translating(function) { try LabelledImages(rows: rows, labels: labels) }
    }

    /// The images at `indices`, in that order.
    public func selecting(_ indices: [Int], origin: String) throws -> ImageBatch {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw ScriptError(.index, "image index \(bad) is out of range for \(count) images; valid indices are 0...\(count - 1)")
        }
        var selected = ImageBatch(rows: rows.gathering(indices), labels: labels.map { l in indices.map { l[$0] } }, origin: origin)
        selected.digits = digits.map { d in indices.map { d[$0] } }
        selected.titles = titles.map { t in indices.map { t[$0] } }
        selected.colormap = colormap
        selected.range = range
        selected.showsColorbar = showsColorbar
        return selected
    }

    // MARK: ScriptObject

    public var typeName: String { "ImageBatch" }

    public var propertyNames: [String] {
        ["count", "labels", "mean", "values", "height", "width", "shape", "boxes", "inkBoxes"]
            + (search == nil ? [] : ["costs", "codes", "stoppedAt", "activations"])
    }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "count": return .int(count)
        case "labels": return labels.map { .list($0.map { .int($0) }) } ?? .nil
        case "values": return .tensor(try BindingErrors.translating("values") { try tensor() })
        case "height": return .int(height)
        case "width": return .int(width)
        case "shape": return .list([count, 1, height, width].map { .int($0) })
        // Per image [top, left, height, width] of its digit: the whole 28×28 source, or its ink only.
        case "boxes": return digits.map { .list($0.map { .list($0.frame.values.map { .int($0) }) }) } ?? .nil
        case "inkBoxes": return digits.map { .list($0.map { .list($0.ink.values.map { .int($0) }) }) } ?? .nil
        case "costs": return try search.map { .object(TableValue(try $0.costTable())) }
        case "codes": return search.map { $0.codes.map { .tensor($0) } ?? .nil }
        case "stoppedAt": return search.map { $0.stoppedAt.map { .int($0) } ?? .nil }
        case "activations": return search.map { $0.values.map { .list($0.map { .double($0) }) } ?? .nil }
        case "mean":
            guard count > 0 else { throw ScriptError(.value, "the mean image of an empty batch is undefined") }
            let mean = try BindingErrors.translating("mean") { try tensor() }.mean(alongAxis: 0)
            return .object(try ImageBatch(tensor: mean.reshaped([1, 1, height, width]), labels: nil, origin: "mean of \(origin)"))
        default: return nil
        }
    }

    public var methods: [Builtin] {
        let batch = self
        return [
            Builtin(
                name: "perDigit",
                parameters: [
                    BuiltinParameter("index", type: "Int", default: .int(0), doc: "which image of each class (0 = the first)"),
                    BuiltinParameter("classes", type: "Int", default: .int(10), doc: "how many classes, 0..<classes"),
                ],
                returns: "ImageBatch",
                summary: "For each class c, the index-th image labelled c (original order); image c has label c.",
                details: "The reference's \"k-th image of class c\" (convention C2): ten images, digit 0 first.",
                example: "let xs = mnist.train.perDigit(index: 3)\nxs.labels"
            ) { args, _ in
                let index = try args.int("index"), classes = try args.positiveInt("classes")
                guard index >= 0 else { throw args.error(.value, "index", "must be ≥ 0, got \(index)") }
                let labelled = try batch.labelled(for: "perDigit")
                let chosen = try BindingErrors.translating("perDigit") { try labelled.perDigitIndices(index: index, classes: classes) }
                return .object(try batch.selecting(chosen, origin: "\(batch.origin).perDigit(index: \(index))"))
            },
            Builtin(
                name: "ofDigit",
                parameters: [BuiltinParameter(nil, name: "digit", type: "Int", doc: "the label to keep")],
                returns: "ImageBatch",
                summary: "All images labelled `digit`, in original order.",
                example: "let sevens = mnist.test.ofDigit(7)\nsevens.count"
            ) { args, _ in
                let digit = try args.int("digit")
                guard let labels = batch.labels else {
                    throw ScriptError(.value, "ofDigit: the images have no labels (\(batch.origin))")
                }
                let indices = labels.indices.filter { labels[$0] == digit }
                return .object(try batch.selecting(indices, origin: "\(batch.origin).ofDigit(\(digit))"))
            },
        ]
    }

    public func element(at index: ScriptValue) throws -> ScriptValue? {
        switch index {
        case .int(let i):
            if i < 0 { throw ScriptError(.index, "negative index \(i) is not supported; the last image is at .count - 1") }
            if i >= count {
                throw ScriptError(.index, "index \(i) is out of range for an ImageBatch of \(count) images; valid indices are 0...\(max(0, count - 1))")
            }
            return .object(try selecting([i], origin: "\(origin)[\(i)]"))
        case .range(let r):
            guard r.lower >= 0, r.upper <= count, r.lower <= r.upper else {
                throw ScriptError(.index, "slice \(r) is out of range for an ImageBatch of \(count) images")
            }
            return .object(try selecting(Array(r.lower..<r.upper), origin: "\(origin)[\(r)]"))
        case .list:
            var indices: [Int] = []
            guard case .list(let items) = index else { return nil }
            for item in items {
                guard case .int(let i) = item else { throw ScriptError(.type, "an ImageBatch is indexed with Ints, got \(item.typeName)") }
                indices.append(i)
            }
            return .object(try selecting(indices, origin: "\(origin)[list]"))
        default:
            return nil
        }
    }

    public var elementCount: Int? { count }

    public var textDescription: String {
        var text = "ImageBatch: \(count) image\(count == 1 ? "" : "s") of \(height)×\(width) (\(origin))"
        if let labels {
            let shown = labels.prefix(20).map(String.init).joined(separator: ", ")
            text += ", labels [\(shown)\(labels.count > 20 ? ", …" : "")]"
        }
        return text
    }

    public func richOutput() throws -> RichOutput? {
        guard count > 0, count <= ImageBatch.maximumShown else {
            return RichOutput(text: textDescription + (count > 0 ? " — too many to draw; show a slice such as [0..<100]" : ""))
        }
        let figure = try ImageGridRendering.figure(for: self, overlay: nil, options: displayOptions, function: "show")
        return try ImageGridRendering.output(figure, text: textDescription, function: "show")
    }

    /// The options its display uses.
    var displayOptions: ImageGridOptions {
        var options = ImageGridOptions()
        options.colorbar = showsColorbar
        options.titleList = titles
        options.colormap = colormap
        options.range = range
        options.columns = columns
        return options
    }

    // MARK: ScriptArithmetic

    public var arithmeticValues: Tensor { images }

    public func replacingValues(_ values: Tensor) throws -> ScriptValue {
        .object(try ImageBatch(tensor: values, labels: labels, origin: "computed from \(origin)"))
    }
}
